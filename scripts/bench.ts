/**
 * `npm run bench [-- --runs N]`: how long the program takes to register its resources, against a
 * one-resource program under the same mock runtime (scripts/bench/one-resource.ts), so what is
 * measured is the program's own cost beyond Node, ts-node and the Pulumi SDK. Goal: ratio ≤ 1.3.
 *
 * Each run is a fresh `node -r ts-node/register scripts/bench/runner.ts …` process
 * that reports the time from its start to the last resource the mock monitor received. Scenarios
 * are interleaved run by run (after one unmeasured warm-up each) so drift hits them alike:
 *  - one-resource: the baseline;
 *  - dev: the dev stack as committed;
 *  - dev + 1,000 conf files: the dev stack pointed (confsDir) at a temporary copy of confs/ with
 *    1,000 extra small files in 10 directories under confs/manager/ (10 more ConfigMaps).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { projectDir } from "../tests/harness";

const goal = 1.3;
const runner = path.join(__dirname, "bench", "runner.ts");

interface Scenario {
    name: string;
    args: string[];
    times: number[];
    resources?: number;
}

function runOnce(args: string[]): { lastResourceMs: number; resources: number } {
    const child = spawnSync(process.execPath, ["-r", "ts-node/register", runner, ...args], { cwd: projectDir, encoding: "utf8" });
    if (child.status !== 0) {
        throw new Error(`runner ${args.join(" ")} failed (exit ${child.status}):\n${child.stderr}`);
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

function parseRuns(args: string[]): number {
    const index = args.indexOf("--runs");
    const runs = index === -1 ? 7 : Number(args[index + 1]);
    if (!Number.isInteger(runs) || runs < 1 || args.length !== (index === -1 ? 0 : 2)) {
        console.error("usage: npm run bench [-- --runs N]   (N: runs per scenario, a positive integer; default 7)");
        process.exit(2);
    }
    return runs;
}

function main(): void {
    const runs = parseRuns(process.argv.slice(2));
    const temp = fs.mkdtempSync(path.join(os.tmpdir(), "wso2sp-bench-"));
    const cleanUp = () => fs.rmSync(temp, { recursive: true, force: true });
    process.on("SIGINT", () => {
        cleanUp();
        process.exit(130);
    });
    try {
        const extraFiles = 1000;
        const confs = confsWithExtraFiles(temp, extraFiles, 10);
        const scenarios: Scenario[] = [
            { name: "one-resource", args: ["one-resource"], times: [] },
            { name: "dev", args: ["stack", "dev"], times: [] },
            { name: `dev + ${extraFiles.toLocaleString("en")} conf files`, args: ["stack", "dev", confs], times: [] },
        ];
        console.log(`${runs} runs per scenario in fresh processes (plus one warm-up each), interleaved; node ${process.version}, ${os.cpus().length} CPUs`);
        for (const scenario of scenarios) {
            runOnce(scenario.args);
        }
        for (let run = 0; run < runs; run++) {
            for (const scenario of scenarios) {
                const result = runOnce(scenario.args);
                scenario.times.push(result.lastResourceMs);
                scenario.resources = result.resources;
            }
            process.stdout.write(".");
        }
        process.stdout.write("\n\n");

        const baseline = median(scenarios[0].times);
        const rows = scenarios.map((scenario) => {
            const ratio = median(scenario.times) / baseline;
            return [
                scenario.name,
                String(scenario.resources),
                median(scenario.times).toFixed(0),
                Math.min(...scenario.times).toFixed(0),
                Math.max(...scenario.times).toFixed(0),
                ratio.toFixed(2),
                scenario === scenarios[0] ? "" : ratio <= goal ? "ok" : "over",
            ];
        });
        const header = ["scenario", "resources", "median ms", "min ms", "max ms", "ratio", `goal ≤ ${goal}`];
        const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
        const line = (cells: string[]) => cells.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column]))).join("  ");
        console.log(line(header));
        console.log(widths.map((width) => "-".repeat(width)).join("  "));
        rows.forEach((row) => console.log(line(row)));
        console.log("\nms: from process start to the last resource the mock monitor received; resources: registrations it received\n(stack, components and random passwords included); ratio: median / one-resource median.");
    } finally {
        cleanUp();
    }
}

main();
