/**
 * One measured run, in a fresh process started by scripts/bench.ts:
 *   node -r ts-node/register scripts/bench/runner.ts one-resource
 *   node -r ts-node/register scripts/bench/runner.ts stack <stack> [--confs <dir>] [--volumes <count>]
 * Runs the program under the mock runtime and prints, as one JSON line, the time from process
 * start (performance.timeOrigin) to the last resource the mock monitor received, in milliseconds,
 * and the CPU time the process had used by then (all its threads).
 * --confs points confsDir at another confs/ tree; --volumes adds that many additionalVolumes
 * entries, each mounted on every SP node kind.
 */
import * as path from "path";
import { performance } from "perf_hooks";
import { readStackConfig, runProgram, StackConfig } from "../../tests/harness";

/** `count` additional NFS volumes, each on its own export and mount path, on every SP node kind. */
function extraVolumes(count: number): Record<string, unknown>[] {
    return Array.from({ length: count }, (_, index) => ({
        name: `bench-volume-${index}`,
        path: `/exports/wso2sp/bench-${index}`,
        mountPath: `/home/wso2carbon/bench-${index}`,
        nodes: ["manager", "worker", "receiver", "dashboard"],
    }));
}

function stackConfig(stack: string, options: string[]): { config: StackConfig; secretKeys: string[] } {
    const { config, secretKeys } = readStackConfig(stack);
    for (let index = 0; index < options.length; index += 2) {
        const [option, value] = [options[index], options[index + 1]];
        if (option === "--confs" && value) {
            config.confsDir = value;
        } else if (option === "--volumes" && /^\d+$/.test(value ?? "")) {
            config.additionalVolumes = [...((config.additionalVolumes as unknown[]) ?? []), ...extraVolumes(Number(value))];
        } else {
            throw new Error(`unknown option ${option} ${value ?? ""}`);
        }
    }
    return { config, secretKeys };
}

async function main(args: string[]): Promise<void> {
    let lastResourceMs = 0;
    let lastResourceCpu = { user: 0, system: 0 };
    const onNewResource = () => {
        lastResourceMs = performance.now();
        lastResourceCpu = process.cpuUsage();
    };
    let resources: number;
    if (args[0] === "one-resource" && args.length === 1) {
        resources = (await runProgram({}, { stack: "bench", programFile: path.join(__dirname, "one-resource.ts"), onNewResource, mapStackTraces: true })).resources.length;
    } else if (args[0] === "stack" && args[1]) {
        const { config, secretKeys } = stackConfig(args[1], args.slice(2));
        resources = (await runProgram(config, { stack: args[1], secretKeys, onNewResource, mapStackTraces: true })).resources.length;
    } else {
        throw new Error("usage: runner.ts one-resource | stack <stack> [--confs <dir>] [--volumes <count>]");
    }
    const cpuMs = (lastResourceCpu.user + lastResourceCpu.system) / 1000;
    console.log(JSON.stringify({ lastResourceMs, cpuMs, resources, doneMs: performance.now() }));
}

main(process.argv.slice(2)).catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
});
