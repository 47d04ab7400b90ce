/**
 * A user's own stack (the README's set-up: `pulumi stack init mysp` beside the example stacks) is
 * theirs: `npm test` checks the golden manifests of the example stacks only, whatever other
 * `Pulumi.<stack>.yaml` sits in the project, complete or half-configured. The golden test runs
 * here in a copy of the project holding two such files, as `npm test` would find them.
 */
import assert from "node:assert/strict";
import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { freshStackFile, projectDir } from "./harness";
import { directoryWith } from "./temporaryFiles";

/** Runs mocha on one test file in `dir`; resolves with its exit status and everything it printed. */
function mochaIn(dir: string, testFile: string, grep: string): Promise<{ status: number | null; output: string }> {
    const env = { ...process.env };
    delete env.UPDATE_GOLDEN;
    const mocha = path.join(projectDir, "node_modules", "mocha", "bin", "mocha.js");
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [mocha, "--no-parallel", "--no-color", "--grep", grep, testFile], { cwd: dir, env });
        let output = "";
        child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
        child.on("error", reject);
        child.on("close", (status) => resolve({ status, output }));
    });
}

describe("a user's own stack files beside the example stacks", () => {
    it("leave the golden test green: it checks dev and prod alone, not a half-configured or a complete stack of the user's", async () => {
        const copy = directoryWith();
        fs.cpSync(projectDir, copy, { recursive: true, filter: (source) => ![".git", "node_modules"].includes(path.basename(source)) });
        fs.symlinkSync(path.join(projectDir, "node_modules"), path.join(copy, "node_modules"));
        fs.writeFileSync(path.join(copy, "Pulumi.mysp.yaml"), freshStackFile);
        fs.copyFileSync(path.join(projectDir, "Pulumi.dev.yaml"), path.join(copy, "Pulumi.mine.yaml"));

        const { status, output } = await mochaIn(copy, "tests/golden.test.ts", "golden manifests");
        assert.equal(status, 0, output);
        const checked = [...output.matchAll(/✔ (\S+): the program renders exactly the committed rendered\/\S+\//g)].map((match) => match[1]);
        assert.deepEqual(checked.sort(), ["dev", "prod"], output);
        assert.doesNotMatch(output, /mysp|mine/);
        assert.equal(fs.existsSync(path.join(copy, "rendered", "mine")), false);
    });
});
