/**
 * One measured run, in a fresh process started by scripts/bench.ts:
 *   node -r ts-node/register scripts/bench/runner.ts one-resource
 *   node -r ts-node/register scripts/bench/runner.ts stack <stack> [<confsDir>]
 * Runs the program under the mock runtime and prints, as one JSON line, the time from process
 * start (performance.timeOrigin) to the last resource the mock monitor received, in milliseconds.
 */
import * as path from "path";
import { performance } from "perf_hooks";
import { readStackConfig, runProgram } from "../../tests/harness";

async function main(args: string[]): Promise<void> {
    let lastResourceMs = 0;
    const onNewResource = () => {
        lastResourceMs = performance.now();
    };
    let resources: number;
    if (args[0] === "one-resource") {
        resources = (await runProgram({}, { stack: "bench", programFile: path.join(__dirname, "one-resource.ts"), onNewResource })).resources.length;
    } else if (args[0] === "stack" && args[1]) {
        const { config, secretKeys } = readStackConfig(args[1]);
        if (args[2]) {
            config.confsDir = args[2];
        }
        resources = (await runProgram(config, { stack: args[1], secretKeys, onNewResource })).resources.length;
    } else {
        throw new Error("usage: runner.ts one-resource | stack <stack> [<confsDir>]");
    }
    console.log(JSON.stringify({ lastResourceMs, resources, doneMs: performance.now() }));
}

main(process.argv.slice(2)).catch((error) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
});
