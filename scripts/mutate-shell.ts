/**
 * Mutation testing of pod-scripts/, which StrykerJS cannot mutate (`npm run mutate` runs this after
 * Stryker): each planted defect below is a mistake a user would feel in a pod. For each, a copy
 * of the project gets the defect and the tests that run that script must fail; a defect they let
 * through is a survivor, and the run fails. The unchanged copy must pass those tests first, so a
 * failure means the defect, not a broken copy.
 *
 * Usage: ts-node scripts/mutate-shell.ts
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const projectDir = path.resolve(__dirname, "..");

interface PlantedDefect {
    script: string;
    /** What a user would see. */
    defect: string;
    /** The text replaced; it must occur exactly once, so the table follows the scripts. */
    find: string;
    replace: string;
    /** The test files that run the script. */
    tests: string[];
}

const startup = ["tests/startup.test.ts"];
const syncJob = ["tests/siddhiApps.test.ts"];

export const plantedDefects: PlantedDefect[] = [
    {
        script: "pod-scripts/stop.sh",
        defect: "reads the wrong pid file: the JVM is never waited for",
        find: 'pid_file="$home/wso2/$profile/runtime.pid"',
        replace: 'pid_file="$home/wso2/$profile/wso2carbon.pid"',
        tests: startup,
    },
    {
        script: "pod-scripts/stop.sh",
        defect: "does not wait: the pod is killed while workers persist their state",
        find: 'while kill -0 "$pid" 2>/dev/null; do',
        replace: "while false; do",
        tests: startup,
    },
    {
        script: "pod-scripts/wait-for.sh",
        defect: "exits 0 after the limit: the pod starts without its dependency",
        find: 'Kubernetes restarts this wait" >&2\n        exit 1',
        replace: 'Kubernetes restarts this wait" >&2\n        exit 0',
        tests: startup,
    },
    {
        script: "pod-scripts/wait-for.sh",
        defect: "never sleeps between checks: a busy loop against the dependency",
        find: 'sleep "$interval"',
        replace: "true",
        tests: startup,
    },
    {
        script: "pod-scripts/start.sh",
        defect: "copies links as links: a confs/ or volume entry reached through a link is never used",
        find: 'if ! cp -RL "$entry" "$home"/; then',
        replace: 'if ! cp -R "$entry" "$home"/; then',
        tests: startup,
    },
    {
        script: "pod-scripts/start.sh",
        defect: "a missing overlay directory stops the container",
        find: 'nothing to copy from it"\n        continue',
        replace: 'nothing to copy from it"\n        exit 1',
        tests: startup,
    },
    {
        script: "pod-scripts/jobs/sync-siddhi-apps.sh",
        defect: "reports success although apps are not deployed",
        find: 'finish 1 "Siddhi apps not deployed as the folder says:$errors"',
        replace: 'finish 0 "Siddhi apps not deployed as the folder says:$errors"',
        tests: syncJob,
    },
    {
        script: "pod-scripts/jobs/sync-siddhi-apps.sh",
        defect: "waits for one worker more than minResourceCount: deploys time out",
        find: 'if [ "$workers" -ge "$MIN_WORKERS" ]; then return 0; fi',
        replace: 'if [ "$workers" -gt "$MIN_WORKERS" ]; then return 0; fi',
        tests: syncJob,
    },
];

/** A copy of the project to plant defects in, sharing node_modules. */
function copyProject(): string {
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), "mutate-shell-"));
    const skipped = new Set(["node_modules", ".git", ".stryker-tmp", "reports"]);
    for (const entry of fs.readdirSync(projectDir)) {
        if (!skipped.has(entry)) {
            fs.cpSync(path.join(projectDir, entry), path.join(copy, entry), { recursive: true });
        }
    }
    fs.symlinkSync(path.join(projectDir, "node_modules"), path.join(copy, "node_modules"));
    return copy;
}

/** Runs test files in the copy, one process; true when they pass. */
function testsPass(copy: string, tests: string[]): boolean {
    const mocha = path.join(projectDir, "node_modules", ".bin", "mocha");
    const result = spawnSync(mocha, ["--no-parallel", "--reporter", "dot", ...tests], { cwd: copy, encoding: "utf8" });
    return result.status === 0;
}

function main(): number {
    const copy = copyProject();
    try {
        const allTests = [...new Set(plantedDefects.flatMap((defect) => defect.tests))];
        if (!testsPass(copy, allTests)) {
            console.error(`mutate-shell: ${allTests.join(" ")} fail without any planted defect; fix them first`);
            return 1;
        }
        const survivors: PlantedDefect[] = [];
        for (const planted of plantedDefects) {
            const file = path.join(copy, planted.script);
            const original = fs.readFileSync(file, "utf8");
            if (original.split(planted.find).length !== 2) {
                console.error(`mutate-shell: ${planted.script} no longer holds exactly one ${JSON.stringify(planted.find)}; update the table in scripts/mutate-shell.ts`);
                return 1;
            }
            fs.writeFileSync(file, original.replace(planted.find, planted.replace));
            const killed = !testsPass(copy, planted.tests);
            fs.writeFileSync(file, original);
            console.log(`${killed ? "killed  " : "SURVIVED"} ${planted.script}: ${planted.defect}`);
            if (!killed) {
                survivors.push(planted);
            }
        }
        console.log(`mutate-shell: ${plantedDefects.length - survivors.length} of ${plantedDefects.length} planted defects fail a test`);
        return survivors.length === 0 ? 0 : 1;
    } finally {
        fs.rmSync(copy, { recursive: true, force: true });
    }
}

if (require.main === module) {
    process.exitCode = main();
}
