/**
 * Time-to-ready model for `npm run bench`: how long after its dependency starts answering does an
 * init container that waits for it let its pod start?
 *
 * It runs the wait the program really emits: each init container with DEPENDENCY and ADDRESSES in
 * its environment, taken from the registered Kubernetes objects (command + args, and any file they
 * name under a ConfigMap mount, with that ConfigMap's content). It runs under /bin/sh with a PATH
 * holding only stubs (scripts/bench/stubs/): `nc` answers from a virtual clock (refused before the
 * dependency is ready, as kube-proxy refuses connections to a Service without ready endpoints, and
 * connected from then on) and `sleep` advances that clock, so nothing really waits.
 *
 * When the script exits non-zero the kubelet restarts the init container after a back-off, as
 * documented in https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-restarts:
 * 10 s, doubled after each restart up to 300 s, and reset to 10 s once a run has lasted 10 minutes.
 * The kubelet's own latencies (noticing the exit, starting the container) are left out.
 */
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export const backOff = { initialSeconds: 10, maxSeconds: 300, resetAfterRunSeconds: 600 };
const stubsDir = path.join(__dirname, "stubs");
/** A wait still running this long after its dependency became ready is reported as a failure. */
const horizonSeconds = 3600;

type KubernetesObject = Record<string, any>;

/** One init container's wait, ready to run locally. */
export interface Wait {
    /** `<workload>/<init container>` of every pod that runs this same wait. */
    usedBy: string[];
    container: string;
    dependency: string;
    addresses: string;
    /** What /bin/sh runs: the container's command and args, ConfigMap files replaced by local copies. */
    shellArgs: string[];
    env: Record<string, string>;
}

export interface WaitResult {
    wait: Wait;
    /** Seconds from the dependency answering to the script's successful exit, one per ready time. */
    extraSeconds: number[];
    /** Restarts of the init container, one per ready time. */
    restarts: number[];
    /** What the script printed on its first run (for the log's wording). */
    firstLog: string;
}

/** Ready times spread over [from, to] s: a golden-ratio sequence, so they fall on every phase of any polling period. */
export function readyTimes(count: number, from = 20, to = 300): number[] {
    const golden = (Math.sqrt(5) - 1) / 2;
    return Array.from({ length: count }, (_, index) => Math.round((from + (to - from) * ((0.5 + index * golden) % 1)) * 1000) / 1000);
}

/** The waits the program emits: init containers with DEPENDENCY and ADDRESSES, identical ones merged. */
export function emittedWaits(objects: KubernetesObject[], filesDir: string): Wait[] {
    const waits = new Map<string, Wait>();
    for (const workload of objects) {
        const pod = workload.spec?.template?.spec;
        for (const container of (pod?.initContainers ?? []) as KubernetesObject[]) {
            const env: Record<string, string> = Object.fromEntries(
                ((container.env ?? []) as KubernetesObject[]).filter((variable) => typeof variable.value === "string").map((variable) => [variable.name, variable.value]),
            );
            if (env.DEPENDENCY === undefined || env.ADDRESSES === undefined) {
                continue;
            }
            const argv: string[] = [...(container.command ?? []), ...(container.args ?? [])];
            const where = `${workload.metadata.name}/${container.name}`;
            if (argv.length < 2 || !["sh", "/bin/sh"].includes(argv[0])) {
                throw new Error(`${where}: the model runs \`sh …\` commands; this one is ${JSON.stringify(argv)}`);
            }
            const files = argv.slice(1).map((arg) => (arg.startsWith("/") ? configMapFile(objects, workload, container, arg) : undefined));
            const key = JSON.stringify({ argv, files, env });
            const existing = waits.get(key);
            if (existing) {
                existing.usedBy.push(where);
                continue;
            }
            const shellArgs = argv.slice(1).map((arg, index) => {
                const content = files[index];
                if (content === undefined) {
                    return arg;
                }
                const local = path.join(filesDir, String(waits.size), path.basename(arg));
                fs.mkdirSync(path.dirname(local), { recursive: true });
                fs.writeFileSync(local, content);
                return local;
            });
            waits.set(key, { usedBy: [where], container: container.name, dependency: env.DEPENDENCY, addresses: env.ADDRESSES, shellArgs, env });
        }
    }
    return [...waits.values()];
}

/** The content of `file` when the container sees it through a ConfigMap volume; undefined otherwise. */
function configMapFile(objects: KubernetesObject[], workload: KubernetesObject, container: KubernetesObject, file: string): string | undefined {
    const mounts = ((container.volumeMounts ?? []) as KubernetesObject[])
        .filter((mount) => file === mount.mountPath || file.startsWith(`${String(mount.mountPath).replace(/\/$/, "")}/`))
        .sort((a, b) => b.mountPath.length - a.mountPath.length);
    const mount = mounts[0];
    const volume = mount && (workload.spec.template.spec.volumes ?? []).find((candidate: KubernetesObject) => candidate.name === mount.name);
    if (!volume?.configMap) {
        return undefined;
    }
    const relative = mount.subPath ?? path.posix.relative(mount.mountPath, file);
    const item = ((volume.configMap.items ?? []) as KubernetesObject[]).find((candidate) => candidate.path === relative);
    const key = item ? item.key : relative;
    const map = objects.find(
        (object) => object.kind === "ConfigMap" && object.metadata?.name === volume.configMap.name && object.metadata?.namespace === workload.metadata.namespace,
    );
    const content = map?.data?.[key];
    if (typeof content !== "string") {
        throw new Error(`${workload.metadata.name}/${container.name} runs ${file}, but ConfigMap ${volume.configMap.name} has no key ${key}`);
    }
    return content;
}

interface ScriptRun {
    exitCode: number;
    endMs: number;
    log: string;
}

/** One run of the wait script from virtual time `startMs`, its dependency answering from `readyMs`. */
function runScript(wait: Wait, clockFile: string, startMs: number, readyMs: number): Promise<ScriptRun> {
    const errorsFile = `${clockFile}.errors`;
    fs.writeFileSync(clockFile, `${startMs}\n`);
    fs.writeFileSync(errorsFile, "");
    const env = { ...wait.env, PATH: stubsDir, MODEL_CLOCK: clockFile, MODEL_ERRORS: errorsFile, MODEL_READY_MS: String(readyMs), MODEL_ADDRESSES: wait.addresses };
    return new Promise((resolve, reject) => {
        const child = spawn("/bin/sh", wait.shellArgs, { env, stdio: ["ignore", "pipe", "pipe"], timeout: 60_000 });
        let log = "";
        child.stdout.on("data", (chunk: Buffer) => (log += chunk.toString()));
        child.stderr.on("data", (chunk: Buffer) => (log += chunk.toString()));
        child.on("error", reject);
        child.on("close", (code, signal) => {
            const endMs = Number(fs.readFileSync(clockFile, "utf8"));
            const misuse = fs.readFileSync(errorsFile, "utf8");
            if (code === null || code === 127 || misuse !== "" || /not found/.test(log)) {
                reject(new Error(`${wait.usedBy[0]}: the wait script cannot run under the model (exit ${code ?? signal}):\n${misuse}${log}`));
            } else {
                resolve({ exitCode: code, endMs, log });
            }
        });
    });
}

/** The init container's life for one ready time: runs, back-offs and restarts until the script exits 0. */
async function simulate(wait: Wait, clockFile: string, readySeconds: number): Promise<{ extraSeconds: number; restarts: number; firstLog: string }> {
    const readyMs = Math.round(readySeconds * 1000);
    let nowMs = 0;
    let delaySeconds = 0;
    let restarts = 0;
    let firstLog: string | undefined;
    for (;;) {
        const run = await runScript(wait, clockFile, nowMs, readyMs);
        firstLog ??= run.log;
        if (run.exitCode === 0) {
            if (run.endMs < readyMs) {
                throw new Error(`${wait.usedBy[0]}: the wait exited 0 at ${run.endMs / 1000} s, before ${wait.dependency} answered (${readySeconds} s)`);
            }
            return { extraSeconds: (run.endMs - readyMs) / 1000, restarts, firstLog };
        }
        const ranSeconds = (run.endMs - nowMs) / 1000;
        delaySeconds =
            delaySeconds === 0 || ranSeconds >= backOff.resetAfterRunSeconds ? backOff.initialSeconds : Math.min(delaySeconds * 2, backOff.maxSeconds);
        nowMs = run.endMs + delaySeconds * 1000;
        restarts++;
        if (nowMs > readyMs + horizonSeconds * 1000) {
            throw new Error(`${wait.usedBy[0]}: still waiting ${horizonSeconds} s after ${wait.dependency} answered`);
        }
    }
}

/** Runs the model for every wait and ready time, `parallel` scripts at a time. */
export async function timeToReady(waits: Wait[], times: number[], parallel = os.cpus().length): Promise<WaitResult[]> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wso2sp-ready-"));
    try {
        const jobs = waits.flatMap((wait, waitIndex) => times.map((time, timeIndex) => ({ wait, waitIndex, time, timeIndex })));
        const outcomes = waits.map(() => [] as { extraSeconds: number; restarts: number; firstLog: string }[]);
        let next = 0;
        const worker = async (slot: number) => {
            const clockFile = path.join(dir, `clock-${slot}`);
            while (next < jobs.length) {
                const job = jobs[next++];
                outcomes[job.waitIndex][job.timeIndex] = await simulate(job.wait, clockFile, job.time);
            }
        };
        await Promise.all(Array.from({ length: Math.max(1, parallel) }, (_, slot) => worker(slot)));
        return waits.map((wait, index) => ({
            wait,
            extraSeconds: outcomes[index].map((outcome) => outcome.extraSeconds),
            restarts: outcomes[index].map((outcome) => outcome.restarts),
            firstLog: outcomes[index][0]?.firstLog ?? "",
        }));
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
