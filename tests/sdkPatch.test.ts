/**
 * patches/@pulumi+pulumi+*.patch (applied by `npm ci` through the postinstall script): the SDK
 * captures a stack trace for every promise it creates only when PULUMI_DEBUG_PROMISE_LEAKS is set,
 * the one case where anything reads it. Each case runs in a fresh Node process, as the SDK reads
 * the variable when it loads. Should the patch stop applying (an SDK upgrade), the first test fails.
 */
import assert from "node:assert/strict";
import { spawn } from "child_process";
import { projectDir } from "./harness";

/** A program that leaks one SDK promise (it never settles) and prints what the SDK attached to it. */
const leakingProgram = `
const debuggable = require("@pulumi/pulumi/runtime/debuggable");
const leaked = new Promise(() => {});
debuggable.debuggablePromise(leaked, "leaked-by-test");
console.log(JSON.stringify({ stackTrace: leaked._debugStackTrace ?? null, context: leaked._debugCtx ?? null }));
`;

interface Outcome {
    attached: { stackTrace: string | null; context: string | null };
    stderr: string;
    status: number | null;
}

function runLeakingProgram(debugLeaks: boolean): Promise<Outcome> {
    const env = { ...process.env };
    delete env.PULUMI_DEBUG_PROMISE_LEAKS;
    if (debugLeaks) {
        env.PULUMI_DEBUG_PROMISE_LEAKS = "1";
    }
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ["-e", leakingProgram], { cwd: projectDir, env });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
        child.on("error", reject);
        child.on("close", (status) => {
            try {
                resolve({ attached: JSON.parse(stdout), stderr, status });
            } catch {
                reject(new Error(`the leaking program printed no JSON (exit ${status}):\n${stdout}\n${stderr}`));
            }
        });
    });
}

describe("The Pulumi SDK captures promise stack traces only to debug promise leaks", () => {
    let plain: Outcome;
    let debugging: Outcome;

    before(async () => {
        [plain, debugging] = await Promise.all([runLeakingProgram(false), runLeakingProgram(true)]);
    });

    it("without PULUMI_DEBUG_PROMISE_LEAKS no stack trace is captured, and a leak still fails the run with the SDK's hint", () => {
        assert.deepEqual(plain.attached, { stackTrace: null, context: null }, "the patch in patches/ no longer applies to the installed @pulumi/pulumi");
        assert.equal(plain.status, 1);
        assert.match(plain.stderr, /1 promise was still active[\s\S]*PULUMI_DEBUG_PROMISE_LEAKS/);
    });

    it("with PULUMI_DEBUG_PROMISE_LEAKS a leaked promise is reported with its context and the stack that created it", () => {
        assert.equal(debugging.attached.context, "leaked-by-test");
        assert.match(debugging.attached.stackTrace ?? "", /^Error\n\s+at .*debuggablePromise/);
        assert.equal(debugging.status, 1);
        assert.match(debugging.stderr, /Promise leak detected:\nCONTEXT\(\d+\): leaked-by-test\nSTACK_TRACE:\nError\n\s+at .*debuggablePromise/);
    });
});
