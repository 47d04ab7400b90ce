/**
 * patches/@pulumi+pulumi+*.patch (applied by `npm ci` through the postinstall script):
 * - the SDK captures a stack trace for every promise it creates only when PULUMI_DEBUG_PROMISE_LEAKS
 *   is set, the one case where anything reads it;
 * - it loads @npmcli/arborist only when it serializes a closure's code paths, not at every start.
 * Each case runs in a fresh Node process, as the SDK reads the variable when it loads. Should the
 * patch stop applying (an SDK upgrade), the first test of each part fails.
 */
import assert from "node:assert/strict";
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { projectDir } from "./harness";

/** A program that leaks one SDK promise (it never settles) and prints what the SDK attached to it. */
const leakingProgram = `
const debuggable = require("@pulumi/pulumi/runtime/debuggable");
const leaked = new Promise(() => {});
debuggable.debuggablePromise(leaked, "leaked-by-test");
console.log(JSON.stringify({ stackTrace: leaked._debugStackTrace ?? null, context: leaked._debugCtx ?? null }));
`;

interface Outcome<Printed = { stackTrace: string | null; context: string | null }> {
    /** The JSON the program printed. */
    attached: Printed;
    stderr: string;
    status: number | null;
}

function runLeakingProgram(debugLeaks: boolean): Promise<Outcome> {
    const env = { ...process.env };
    delete env.PULUMI_DEBUG_PROMISE_LEAKS;
    if (debugLeaks) {
        env.PULUMI_DEBUG_PROMISE_LEAKS = "1";
    }
    return runNode(leakingProgram, projectDir, env);
}

/** Runs a Node program; resolves with the JSON it printed, its standard error and exit status. */
function runNode<Printed>(program: string, cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<Outcome<Printed>> {
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, ["-e", program], { cwd, env });
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

/**
 * Loads the SDK, tells whether that loaded arborist, then computes the code paths of a project with
 * one dependency (what closure serialization uploads), run in that project's directory.
 */
const codePathsProgram = `
const pulumi = require(${JSON.stringify(path.join(projectDir, "node_modules", "@pulumi", "pulumi"))});
const loadedAtStart = Object.keys(require.cache).some((file) => file.includes("@npmcli/arborist"));
pulumi.runtime.computeCodePaths().then((paths) => console.log(JSON.stringify({ loadedAtStart, paths: [...paths.keys()] })));
`;

describe("The Pulumi SDK loads @npmcli/arborist only to serialize closures", () => {
    it("loading the SDK does not load arborist, and code paths are still computed with it", async () => {
        const project = fs.mkdtempSync(path.join(os.tmpdir(), "code-paths-"));
        fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: "closure", version: "1.0.0", dependencies: { left: "1.0.0" } }));
        fs.mkdirSync(path.join(project, "node_modules", "left"), { recursive: true });
        fs.writeFileSync(path.join(project, "node_modules", "left", "package.json"), JSON.stringify({ name: "left", version: "1.0.0" }));
        try {
            const outcome = await runNode<{ loadedAtStart: boolean; paths: string[] }>(codePathsProgram, project);
            assert.equal(outcome.attached.loadedAtStart, false, "the patch in patches/ no longer applies to the installed @pulumi/pulumi");
            assert.deepEqual(outcome.attached.paths, ["node_modules/left"], outcome.stderr);
        } finally {
            fs.rmSync(project, { recursive: true, force: true });
        }
    });
});
