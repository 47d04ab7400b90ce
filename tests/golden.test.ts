/**
 * Golden manifests: the committed `rendered/<stack>/` must be exactly what the program renders now
 * (the same renderer as `npm run render`, run in process). A change to the program that changes
 * a manifest therefore fails here until the rendered files are updated and committed with it:
 * `npm run test:update` (UPDATE_GOLDEN=1) rewrites them and passes. Only the example stacks the
 * repository commits have golden manifests (scripts/render.ts, exampleStacks).
 */
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { exampleStacks, fileName, readRendered, redactSecretValues, renderedDir, renderObjects, renderStack, writeRendered } from "../scripts/render";
import { projectDir, redacted, sharedFixture } from "./harness";

const update = !["", "0", "false"].includes(process.env.UPDATE_GOLDEN ?? "");

/** The differences between committed and rendered files, one line each; empty when equal. */
function differences(committed: Map<string, string>, rendered: Map<string, string>): string[] {
    const lines: string[] = [];
    for (const [name, text] of rendered) {
        const old = committed.get(name);
        if (old === undefined) {
            lines.push(`  + ${name}: rendered, but not committed (a new object)`);
        } else if (old !== text) {
            lines.push(`  ~ ${name}: ${firstDifference(old, text)}`);
        }
    }
    for (const name of committed.keys()) {
        if (!rendered.has(name)) {
            lines.push(`  - ${name}: committed, but no longer rendered (the program dropped or renamed the object)`);
        }
    }
    return lines;
}

function firstDifference(committed: string, rendered: string): string {
    const a = committed.split("\n");
    const b = rendered.split("\n");
    const line = a.findIndex((text, index) => text !== b[index]);
    const index = line === -1 ? a.length : line;
    return `line ${index + 1} is ${JSON.stringify(a[index] ?? "<end of file>")} committed, ${JSON.stringify(b[index] ?? "<end of file>")} rendered`;
}

describe("golden manifests (rendered/<stack>/)", () => {
    // The example stacks only: a user's own stack file (or manifests) beside them is not the repository's to check.
    it("are those of the example stacks dev and prod, each with its stack file and committed rendered/<stack>/", () => {
        assert.deepEqual([...exampleStacks].sort(), ["dev", "prod"]);
        for (const stack of exampleStacks) {
            assert.ok(fs.existsSync(path.join(projectDir, `Pulumi.${stack}.yaml`)), `Pulumi.${stack}.yaml`);
            assert.ok(readRendered(stack).size > 0, `rendered/${stack}/ is empty or missing`);
        }
    });

    for (const stack of exampleStacks) {
        it(`${stack}: the program renders exactly the committed rendered/${stack}/${update ? " (UPDATE_GOLDEN: rewriting it)" : ""}`, async () => {
            const rendered = (await renderStack(stack)).files;
            if (update) {
                writeRendered(stack, rendered);
            }
            const committed = readRendered(stack);
            const found = differences(committed, rendered);
            const shown = path.relative(projectDir, renderedDir(stack));
            assert.deepEqual(
                found,
                [],
                `stack ${stack}: ${shown}/ differs from what the program renders for Pulumi.${stack}.yaml (${found.length} file(s)):\n${found.join("\n")}\n` +
                    `If you changed Pulumi.${stack}.yaml (pulumi config set …), refresh its manifests: npm run render -- ${stack} --golden\n` +
                    "If you changed the program, refresh every stack's: npm run test:update. Commit rendered/ with the change.",
            );
        });
    }
});

describe("rendered manifests (scripts/render.ts)", () => {
    it("read back, each file is the object the program registers (secret values redacted)", async () => {
        const run = await sharedFixture("in-cluster");
        const files = renderObjects(run.objects);
        assert.equal(files.size, run.objects.length);
        for (const object of run.objects) {
            // Read as YAML 1.1 too (kubectl's go-yaml): strings such as "yes" or "1:20" must stay strings.
            for (const version of ["1.1", "1.2"] as const) {
                assert.deepEqual(parseYaml(files.get(fileName(object))!, { version }), JSON.parse(JSON.stringify(redactSecretValues(object))));
            }
        }
    });

    it("carry no Secret value, only the keys", async () => {
        const run = await sharedFixture("external");
        const secrets = run.objects.filter((object) => object.kind === "Secret");
        assert.ok(secrets.length >= 2, "the external fixture has the credentials and the pull Secret");
        const files = renderObjects(run.objects);
        for (const secret of secrets) {
            const text = files.get(fileName(secret))!;
            const rendered = parseYaml(text);
            for (const field of ["data", "stringData"]) {
                assert.deepEqual(Object.keys(rendered[field] ?? {}), Object.keys(secret[field] ?? {}).sort());
                for (const value of Object.values(rendered[field] ?? {})) {
                    assert.equal(value, redacted);
                }
            }
            for (const value of [...Object.values(secret.data ?? {}), ...Object.values(secret.stringData ?? {})]) {
                assert.ok(value === redacted || !text.includes(String(value)), `${fileName(secret)} shows a secret value`);
            }
        }
    });
});
