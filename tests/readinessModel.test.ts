/**
 * The benchmark's time-to-ready model (scripts/bench/readiness.ts), on hand-made pods: both shapes
 * of wait it must run (an inline `sh -c` script, and a script file from a ConfigMap volume) and the
 * kubelet back-off it applies between runs. `npm run bench` runs it on the program's own objects.
 */
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { emittedWaits, timeToReady } from "../scripts/bench/readiness";

const oneAttempt = `for address in $ADDRESSES; do
  if nc -z -w 5 "\${address%:*}" "\${address##*:}"; then echo "$DEPENDENCY is reachable at $address"; exit 0; fi
done
echo "waiting for $DEPENDENCY" >&2
exit 1`;

/** Polls every 2 s and gives up (exit 1) after LIMIT seconds. */
const polling = `waited=0
until nc -z -w 2 "\${ADDRESSES%:*}" "\${ADDRESSES##*:}"; do
  if [ "$waited" -ge "$LIMIT" ]; then echo "gave up on $DEPENDENCY at $ADDRESSES" >&2; exit 1; fi
  sleep 2
  waited=$((waited + 2))
done
echo "$DEPENDENCY answers at $ADDRESSES"`;

function deployment(initContainer: Record<string, unknown>, volumes: unknown[] = []) {
    return { kind: "Deployment", metadata: { name: "app", namespace: "ns" }, spec: { template: { spec: { initContainers: [initContainer], containers: [], volumes } } } };
}

const env = (limit = "600") => [
    { name: "DEPENDENCY", value: "database" },
    { name: "ADDRESSES", value: "db:3306" },
    { name: "LIMIT", value: limit },
];

function pollingPod(limit?: string) {
    return [
        deployment({ name: "wait-for-database", command: ["sh", "/opt/wait/wait-for.sh"], env: env(limit), volumeMounts: [{ name: "wait", mountPath: "/opt/wait" }] }, [
            { name: "wait", configMap: { name: "wait-scripts" } },
        ]),
        { kind: "ConfigMap", metadata: { name: "wait-scripts", namespace: "ns" }, data: { "wait-for.sh": polling } },
    ];
}

describe("The benchmark's time-to-ready model", () => {
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "wso2sp-model-test-"))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("a one-attempt wait waits out the kubelet's back-off: 10 s, then 20 s, 40 s, 80 s", async () => {
        const waits = emittedWaits([deployment({ name: "wait-for-database", command: ["sh", "-c", oneAttempt], env: env() })], dir);
        assert.equal(waits.length, 1);
        // Runs at 0, 10, 30, 70, 150 s: ready at 25 s → passes at 30 s; at 100 s → passes at 150 s.
        const [result] = await timeToReady(waits, [25, 100]);
        assert.deepEqual(result.extraSeconds, [5, 50]);
        assert.deepEqual(result.restarts, [2, 4]);
    });

    it("runs a script file from the ConfigMap mounted where the command names it, on the virtual clock", async () => {
        const waits = emittedWaits(pollingPod(), dir);
        assert.equal(fs.readFileSync(waits[0].shellArgs[0], "utf8"), polling);
        const [result] = await timeToReady(waits, [5, 5.5, 8]);
        assert.deepEqual(result.extraSeconds, [1, 0.5, 0]);
        assert.deepEqual(result.restarts, [0, 0, 0]);
        assert.match(result.firstLog, /database answers at db:3306/);
    });

    it("a bounded wait that gives up is restarted after the back-off and polls again", async () => {
        // Gives up at 6 s, restarted at 16 s, polls at 16, 18, 20 s.
        const [result] = await timeToReady(emittedWaits(pollingPod("6"), dir), [20]);
        assert.deepEqual(result.extraSeconds, [0]);
        assert.deepEqual(result.restarts, [1]);
    });

    it("refuses a script that uses a command the model does not stub or misuses a stub (even silenced), or passes before its dependency answers", async () => {
        const usesDate = emittedWaits([deployment({ name: "wait-for-database", command: ["sh", "-c", "date; exit 0"], env: env() })], dir);
        await assert.rejects(timeToReady(usesDate, [30]), /cannot run under the model/);
        const hidesMisuse = emittedWaits([deployment({ name: "wait-for-database", command: ["sh", "-c", "nc db 3306 2>/dev/null; exit 0"], env: env() })], dir);
        await assert.rejects(timeToReady(hidesMisuse, [30]), /stub nc: unsupported usage nc db 3306/);
        const skips = emittedWaits([deployment({ name: "wait-for-database", command: ["sh", "-c", "exit 0"], env: env() })], dir);
        await assert.rejects(timeToReady(skips, [30]), /exited 0 at 0 s, before database answered/);
    });
});
