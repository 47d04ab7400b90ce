/**
 * `npm run bench [-- --runs N] [-- --ready-times N]`: the program's own cost and the time to ready
 * of what it deploys, side by side in one run.
 *
 * Program cost: each run is a fresh `node -r ts-node/register scripts/bench/runner.ts …` process
 * that reports the time from its start to the last resource the mock monitor received; medians of
 * N runs per scenario, interleaved run by run (after one unmeasured warm-up each) so drift hits
 * them alike. Scenarios:
 *  - one-resource: the floor, a program registering one Kubernetes object (scripts/bench/one-resource.ts);
 *  - dev: the dev stack as committed (goal: at most 1.3 × the floor);
 *  - dev + 1,000 conf files: confsDir pointed at a copy of confs/ with 1,000 extra small files in
 *    10 directories under confs/manager/ (10 more ConfigMaps), for the growth per conf file;
 *  - dev + 20 volumes: 20 more additionalVolumes entries, each on every SP node kind, for the
 *    growth per volume;
 *  - the floor and dev again with PULUMI_DEBUG_PROMISE_LEAKS=1, which makes the patched SDK
 *    capture a stack trace per promise as the published SDK always does (patches/): the cost the
 *    patch removes, measured in the same run.
 * Every program here loads the same installed (patched) SDK.
 *
 * Time to ready: scripts/bench/readiness.ts runs the wait scripts of the dev stack's init
 * containers, as the program emits them, on a virtual clock against dependencies answering at
 * times spread over 20–300 s, with the kubelet's restart back-off (goal: mean extra wait ≤ 5 s).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { projectDir, runStack } from "../tests/harness";
import { ManagerStandIn, runSyncScript } from "../tests/managerStandIn";
import { backOff, emittedWaits, readyTimes, timeToReady, WaitResult } from "./bench/readiness";

const ratioGoal = 1.3;
const extraWaitGoalSeconds = 5;
const syncApps = 20;
const syncGoalSeconds = 5;
const runner = path.join(__dirname, "bench", "runner.ts");

interface Scenario {
    name: string;
    args: string[];
    env?: Record<string, string>;
    times: number[];
    cpuTimes: number[];
    resources?: number;
}

function runOnce(scenario: Scenario): { lastResourceMs: number; cpuMs: number; resources: number } {
    const child = spawnSync(process.execPath, ["-r", "ts-node/register", runner, ...scenario.args], {
        cwd: projectDir,
        encoding: "utf8",
        env: { ...process.env, PULUMI_DEBUG_PROMISE_LEAKS: "", ...scenario.env },
    });
    if (child.status !== 0) {
        throw new Error(`runner ${scenario.args.join(" ")} failed (exit ${child.status}):\n${child.stderr}`);
    }
    const lines = child.stdout.trim().split("\n");
    return JSON.parse(lines[lines.length - 1]);
}

/** A copy of confs/ with `count` extra files spread over `directories` directories under manager/. */
function confsWithExtraFiles(root: string, count: number, directories: number): string {
    const confs = path.join(root, "confs");
    fs.cpSync(path.join(projectDir, "confs"), confs, { recursive: true });
    for (let index = 0; index < count; index++) {
        const dir = path.join(confs, "manager", "bench", `dir-${String(index % directories).padStart(2, "0")}`);
        fs.mkdirSync(dir, { recursive: true });
        const body = `# bench file ${index}\n${Array.from({ length: 8 }, (_, line) => `key.${index}.${line}=value-${index}-${line}`).join("\n")}\n`;
        fs.writeFileSync(path.join(dir, `file-${String(index).padStart(4, "0")}.properties`), body);
    }
    return confs;
}

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;

/** `--runs N --ready-times M`, both optional positive integers. */
function parseArgs(args: string[]): { runs: number; readyTimes: number } {
    const options: Record<string, number> = { "--runs": 7, "--ready-times": 40 };
    for (let index = 0; index < args.length; index += 2) {
        const value = Number(args[index + 1]);
        if (!(args[index] in options) || !Number.isInteger(value) || value < 1) {
            console.error("usage: npm run bench [-- --runs N] [-- --ready-times M]\n  N: runs per scenario (default 7); M: dependency ready times modelled (default 40)");
            process.exit(2);
        }
        options[args[index]] = value;
    }
    return { runs: options["--runs"], readyTimes: options["--ready-times"] };
}

/** Columns before `textColumns` are aligned left, the numbers after them right. */
function table(header: string[], rows: string[][], textColumns = 1): string {
    const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
    const line = (cells: string[]) =>
        cells
            .map((cell, column) => (column < textColumns ? cell.padEnd(widths[column]) : cell.padStart(widths[column])))
            .join("  ")
            .trimEnd();
    return [line(header), widths.map((width) => "-".repeat(width)).join("  "), ...rows.map(line)].join("\n");
}

function measureProgram(runs: number, temp: string): void {
    const extraFiles = 1000;
    const extraVolumes = 20;
    const confs = confsWithExtraFiles(temp, extraFiles, 10);
    const capture = { PULUMI_DEBUG_PROMISE_LEAKS: "1" };
    const floor: Scenario = { name: "one-resource (floor)", args: ["one-resource"], times: [], cpuTimes: [] };
    const dev: Scenario = { name: "dev", args: ["stack", "dev"], times: [], cpuTimes: [] };
    const files: Scenario = { name: `dev + ${extraFiles.toLocaleString("en")} conf files`, args: ["stack", "dev", "--confs", confs], times: [], cpuTimes: [] };
    const volumes: Scenario = { name: `dev + ${extraVolumes} volumes`, args: ["stack", "dev", "--volumes", String(extraVolumes)], times: [], cpuTimes: [] };
    const capturingFloor: Scenario = { name: "one-resource, promise stacks captured", args: floor.args, env: capture, times: [], cpuTimes: [] };
    const capturingDev: Scenario = { name: "dev, promise stacks captured", args: dev.args, env: capture, times: [], cpuTimes: [] };
    const scenarios = [floor, dev, files, volumes, capturingFloor, capturingDev];

    console.log(`Program start to last registered resource: ${runs} runs per scenario in fresh processes (plus one warm-up each), interleaved`);
    scenarios.forEach((scenario) => runOnce(scenario));
    for (let run = 0; run < runs; run++) {
        for (const scenario of scenarios) {
            const result = runOnce(scenario);
            scenario.times.push(result.lastResourceMs);
            scenario.cpuTimes.push(result.cpuMs);
            scenario.resources = result.resources;
        }
        process.stdout.write(".");
    }
    process.stdout.write("\n\n");

    const floorOf = (scenario: Scenario) => (scenario.env ? capturingFloor : floor);
    const rows = scenarios.map((scenario) => {
        const ratio = median(scenario.times) / median(floorOf(scenario).times);
        return [
            scenario.name,
            String(scenario.resources),
            median(scenario.times).toFixed(0),
            Math.min(...scenario.times).toFixed(0),
            Math.max(...scenario.times).toFixed(0),
            ratio.toFixed(2),
            median(scenario.cpuTimes).toFixed(0),
            (median(scenario.cpuTimes) / median(floorOf(scenario).cpuTimes)).toFixed(2),
            scenario === dev ? (ratio <= ratioGoal ? "ok" : "over") : "",
        ];
    });
    console.log(table(["scenario", "resources", "median ms", "min ms", "max ms", "× floor", "CPU ms", "CPU × floor", `goal ≤ ${ratioGoal}`], rows));
    const growth = (scenario: Scenario, count: number, times: (scenario: Scenario) => number[]) => (median(times(scenario)) - median(times(dev))) / count;
    const wall = (scenario: Scenario) => scenario.times;
    const cpu = (scenario: Scenario) => scenario.cpuTimes;
    console.log(
        [
            "",
            `growth per extra conf file: ${(growth(files, extraFiles, wall) * 1000).toFixed(0)} µs (CPU ${(growth(files, extraFiles, cpu) * 1000).toFixed(0)} µs)`,
            `growth per additional volume: ${growth(volumes, extraVolumes, wall).toFixed(1)} ms (CPU ${growth(volumes, extraVolumes, cpu).toFixed(1)} ms; ${(volumes.resources ?? 0) - (dev.resources ?? 0)} more resources for ${extraVolumes} volumes)`,
            "ms: from process start to the last resource the mock monitor received; resources: registrations it received (stack,",
            "components and random passwords included); × floor: median / the one-resource median of the same SDK mode;",
            "CPU ms: CPU time the process had used by then (all threads), steadier than wall time on a busy machine;",
            "\"promise stacks captured\": PULUMI_DEBUG_PROMISE_LEAKS=1, the SDK's cost before the patch in patches/.",
        ].join("\n"),
    );
}

async function measureReadiness(count: number, temp: string): Promise<void> {
    const run = await runStack("dev");
    const waits = emittedWaits(run.objects, path.join(temp, "wait-files"));
    if (waits.length === 0) {
        throw new Error("the dev stack emits no init container with DEPENDENCY and ADDRESSES: nothing to model");
    }
    const times = readyTimes(count);
    const results: WaitResult[] = await timeToReady(waits, times);
    const rows = results.map((result) => [
        result.wait.container,
        result.wait.addresses,
        String(result.wait.usedBy.length),
        mean(result.extraSeconds).toFixed(1),
        Math.max(...result.extraSeconds).toFixed(1),
        mean(result.restarts).toFixed(1),
    ]);
    const perContainer = results.flatMap((result) => result.wait.usedBy.map(() => result));
    const overallMean = mean(perContainer.map((result) => mean(result.extraSeconds)));
    const overallMax = Math.max(...results.flatMap((result) => result.extraSeconds));
    rows.push(["all init containers", "", String(perContainer.length), overallMean.toFixed(1), overallMax.toFixed(1), mean(perContainer.map((result) => mean(result.restarts))).toFixed(1)]);

    console.log(
        `\nTime to ready (dev stack's init containers; dependency answering at ${count} times spread over ${Math.min(...times).toFixed(0)}–${Math.max(...times).toFixed(0)} s; virtual clock)\n`,
    );
    console.log(table(["init container", "waits for", "pods", "mean extra s", "max extra s", "restarts"], rows, 2));
    console.log(
        [
            "",
            `goal: mean extra wait ≤ ${extraWaitGoalSeconds} s: ${overallMean <= extraWaitGoalSeconds ? "ok" : "over"}`,
            "extra: seconds from the dependency accepting connections to the wait's successful exit; restarts: of the init",
            `container, mean; kubelet back-off ${backOff.initialSeconds} s doubling to ${backOff.maxSeconds} s, reset after a run of ${backOff.resetAfterRunSeconds / 60} minutes.`,
            `log of the first run (${results[0].wait.container}): ${JSON.stringify(results[0].firstLog.trim().split("\n")[0] ?? "")}`,
        ].join("\n"),
    );
}

/**
 * A sync pass with nothing to change (pod-scripts/jobs/sync-siddhi-apps.sh, as the reconciler runs it
 * every minute) over 20 apps against the stand-in manager pair over HTTPS: wall time and HTTP calls,
 * median of `runs` passes (goal: within 5 s, at most N + 6 calls; the call count is also a test).
 */
async function measureSyncPass(runs: number, temp: string): Promise<void> {
    const appsDir = path.join(temp, "siddhi-apps");
    fs.mkdirSync(appsDir);
    for (let index = 1; index <= syncApps; index++) {
        const name = `App${String(index).padStart(2, "0")}`;
        fs.writeFileSync(path.join(appsDir, `${name}.siddhi`), `@App:name('${name}')\ndefine stream InStream (value int);\nfrom InStream select value insert into OutStream;\n`);
    }
    const manager = new ManagerStandIn({ username: "admin", password: "admin", workers: 2, leader: 0, tls: "self-signed" });
    await manager.start();
    try {
        const first = await runSyncScript(manager, appsDir, "deploy");
        if (first.code !== 0) {
            throw new Error(`the first sync pass failed: ${first.message}`);
        }
        const seconds: number[] = [];
        const calls: number[] = [];
        for (let run = 0; run < runs; run++) {
            const before = manager.received.length;
            const start = process.hrtime.bigint();
            const pass = await runSyncScript(manager, appsDir, `reconcile-${run}`);
            seconds.push(Number(process.hrtime.bigint() - start) / 1e9);
            calls.push(manager.received.length - before);
            if (pass.code !== 0) {
                throw new Error(`a sync pass failed: ${pass.message}`);
            }
        }
        const medianSeconds = median(seconds);
        console.log(`\nSync pass with nothing to change (${syncApps} apps, stand-in managers over HTTPS, ${runs} passes)\n`);
        console.log(table(["median s", "max s", "HTTP calls"], [[medianSeconds.toFixed(2), Math.max(...seconds).toFixed(2), String(Math.max(...calls))]], 0));
        console.log(`\ngoal: within ${syncGoalSeconds} s and at most ${syncApps + 6} calls: ${medianSeconds <= syncGoalSeconds && Math.max(...calls) <= syncApps + 6 ? "ok" : "over"}`);
    } finally {
        await manager.stop();
    }
}

async function main(): Promise<void> {
    const { runs, readyTimes: count } = parseArgs(process.argv.slice(2));
    const temp = fs.mkdtempSync(path.join(os.tmpdir(), "wso2sp-bench-"));
    const cleanUp = () => fs.rmSync(temp, { recursive: true, force: true });
    process.on("SIGINT", () => {
        cleanUp();
        process.exit(130);
    });
    try {
        console.log(`node ${process.version}, ${os.cpus().length} CPUs\n`);
        measureProgram(runs, temp);
        await measureReadiness(count, temp);
        await measureSyncPass(runs, temp);
    } finally {
        cleanUp();
    }
}

main().catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
});
