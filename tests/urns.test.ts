/**
 * Upgrades in place: Pulumi knows a resource by its URN (stack, project, the types of its parent
 * chain, its name). A resource whose URN changes (a new parent, a new name or type) is deleted and
 * created afresh, unless it names its old URN among its `aliases`: generated passwords would be
 * regenerated while the retained MySQL data still holds the old ones. tests/urns.json holds the
 * URNs of every example and fixture stack as committed; each must still exist, or be an alias of a
 * resource that does.
 *
 * After a change that adds resources, or that moves some and aliases them, record the new URNs:
 * `UPDATE_URNS=1 npx mocha tests/urns.test.ts`, look at the diff of tests/urns.json and commit it.
 * The old URNs a resource still answers to through its aliases stay in the list; only those no
 * resource answers to any more (a removal that is meant) leave it.
 */
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { fixtureDir, listStacks, type ProgramRun, runProgram, runStack, sharedFixture } from "./harness";

const update = !["", "0", "false"].includes(process.env.UPDATE_URNS ?? "");
const listFile = path.join(__dirname, "urns.json");

type UrnList = Record<string, string[]>;

const stacks: { key: string; run: () => Promise<ProgramRun> }[] = [
    ...listStacks().map((stack) => ({ key: `Pulumi.${stack}.yaml`, run: () => runStack(stack) })),
    ...listStacks(fixtureDir).map((stack) => ({ key: `tests/stacks/Pulumi.${stack}.yaml`, run: () => sharedFixture(stack) })),
];

const committed: UrnList = fs.existsSync(listFile) ? JSON.parse(fs.readFileSync(listFile, "utf8")) : {};
const current: UrnList = {};

/** The previous URNs that no resource of the run has, neither as its URN nor among its aliases. */
function lostUrns(previous: string[], run: ProgramRun): string[] {
    const known = new Set(run.urns.flatMap(({ urn, aliases }) => [urn, ...aliases]));
    return previous.filter((urn) => !known.has(urn));
}

describe("URNs: existing stacks upgrade in place (tests/urns.json)", () => {
    it("covers both example stacks and the fixture stacks", () => {
        assert.ok(stacks.length >= 4, `stacks found: ${stacks.map(({ key }) => key).join(", ")}`);
    });

    for (const { key, run } of stacks) {
        it(`${key}: every resource keeps its URN or names its old one among its aliases${update ? " (UPDATE_URNS: recording them)" : ""}`, async () => {
            const result = await run();
            const previous = committed[key];
            if (update) {
                // Old URNs still answered through an alias stay listed, so that dropping the alias later fails here.
                const lost = new Set(lostUrns(previous ?? [], result));
                current[key] = [...new Set([...result.urns.map(({ urn }) => urn), ...(previous ?? []).filter((urn) => !lost.has(urn))])].sort();
                return;
            }
            assert.ok(previous !== undefined && previous.length > 0, `tests/urns.json has no URNs of ${key}: record them with UPDATE_URNS=1 npx mocha tests/urns.test.ts`);
            const lost = lostUrns(previous, result);
            assert.deepEqual(
                lost,
                [],
                `${key}: these resources would be deleted and created afresh on the next pulumi up. Give each moved resource ` +
                    "`aliases` naming its old parent or name; if the removal is meant, record the URNs again: UPDATE_URNS=1 npx mocha tests/urns.test.ts",
            );
        });
    }

    if (update) {
        after(() => {
            assert.equal(Object.keys(current).length, stacks.length, "a stack failed to run: tests/urns.json is left as it was");
            fs.writeFileSync(listFile, `${JSON.stringify(current, null, 4)}\n`);
        });
    }
});

describe("URNs: the check itself", () => {
    // The URNs of a stack whose passwords were the stack's own children, one of them named old-name.
    const passwordType = "random:index/randomPassword:RandomPassword";
    const previous = [`urn:pulumi:test::wso2-sp::${passwordType}::kept`, `urn:pulumi:test::wso2-sp::${passwordType}::old-name`];
    const program = path.join(__dirname, "programs", "movedResource");

    it("qualifies a child's type with its parent's in its URN, as the engine does", async () => {
        const run = await runProgram({ aliased: false }, { programFile: program });
        assert.ok(run.urns.some(({ urn }) => urn === `urn:pulumi:test::wso2-sp::wso2sp:test:Holder$${passwordType}::kept`), JSON.stringify(run.urns));
    });

    it("reports a resource moved under a component without an alias as lost", async () => {
        const run = await runProgram({ aliased: false }, { programFile: program });
        assert.deepEqual(lostUrns(previous, run), previous);
    });

    it("accepts a moved or renamed resource whose alias names its old parent and name", async () => {
        const run = await runProgram({ aliased: true }, { programFile: program });
        assert.deepEqual(lostUrns(previous, run), []);
    });
});
