/**
 * How an SP pod starts, runs and stops (issue "SP runs right on a real cluster"): the heap, the
 * start script that replaces the image's init.sh, the preStop hook, and the dependency wait. The
 * scripts are run for real (POSIX sh), taken from the ConfigMap the program emits.
 */
import { strict as assert } from "assert";
import { execFile, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { nonEmpty, objectNamed, objectsOfKind, ProgramRun, runFixture, sharedFixture, setPath, workloadNamed } from "./harness";
import { directoryWith, writeExecutable } from "./temporaryFiles";

const spNodes = ["wso2sp-manager-1", "wso2sp-manager-2", "wso2sp-worker", "wso2sp-receiver", "wso2sp-dashboard"];
const configVolume = "/home/wso2carbon/wso2-config-volume";
const overlays = "/home/wso2carbon/wso2-overlays";
const scriptsDir = "/home/wso2carbon/wso2sp-pod-scripts";

const podSpec = (deployment: Record<string, any>) => deployment.spec.template.spec;
const spContainer = (deployment: Record<string, any>) => podSpec(deployment).containers[0];
const env = (container: Record<string, any>, name: string): string | undefined => container.env.find((item: any) => item.name === name)?.value;
const mebibytes = { "1Gi": 1024, "2Gi": 2048, "3Gi": 3072, "4Gi": 4096 } as Record<string, number>;

/** The files of the ConfigMap a Deployment mounts at the pod-scripts directory. */
function podScripts(run: ProgramRun, deployment: Record<string, any>): Record<string, string> {
    const mount = spContainer(deployment).volumeMounts.find((item: any) => item.mountPath === scriptsDir);
    const volume = podSpec(deployment).volumes.find((item: any) => item.name === mount.name);
    return objectNamed(run, "ConfigMap", volume.configMap.name).data;
}


describe("SP pods: heap, start, stop and dependency waits", () => {
    let run: ProgramRun;
    let scripts: Record<string, string>;
    before(async () => {
        run = await sharedFixture("in-cluster");
        scripts = podScripts(run, workloadNamed(run, "wso2sp-worker"));
    });

    describe("the JVM heap", () => {
        it("every SP container gets a fixed heap of at most 75% of its memory limit through JAVA_OPTS", () => {
            for (const name of spNodes) {
                const container = spContainer(workloadNamed(run, name));
                const limit = mebibytes[container.resources.limits.memory];
                const options = env(container, "JAVA_OPTS") ?? "";
                const xmx = Number(/-Xmx(\d+)m/.exec(options)?.[1]);
                const xms = Number(/-Xms(\d+)m/.exec(options)?.[1]);
                assert.ok(xmx > 0 && xmx <= limit * 0.75, `${name}: ${options} with a ${limit} MiB limit`);
                assert.equal(xms, xmx, `${name}: ${options}`);
            }
        });

        it("raising a node's memory setting raises its heap", async () => {
            const bigger = await runFixture("in-cluster", (config) => setPath(config, "memory.dashboard", "3Gi"));
            const options = env(spContainer(workloadNamed(bigger, "wso2sp-dashboard")), "JAVA_OPTS");
            assert.match(options ?? "", /-Xms2304m -Xmx2304m/);
        });
    });

    describe("stopping", () => {
        it("every SP container stops the server from a preStop hook, with at least 60 s to do it", () => {
            for (const name of spNodes) {
                const deployment = workloadNamed(run, name);
                assert.deepEqual(spContainer(deployment).lifecycle.preStop.exec.command, ["sh", `${scriptsDir}/stop.sh`], name);
                assert.ok(podSpec(deployment).terminationGracePeriodSeconds >= 60, name);
                assert.ok(podScripts(run, deployment)["stop.sh"].length > 0, `${name} does not mount stop.sh`);
            }
        });

        it("stop.sh stops the server through bin/<profile>.sh stop and returns only once the JVM has exited", async function () {
            const home = directoryWith();
            const productHome = path.join(home, "wso2sp");
            // A stand-in JVM, a child of this process as the JVM is of the container's, so it is
            // reaped as soon as it exits; and the product's stop: TERM to the pid in runtime.pid, returning at once.
            const server = spawn("sleep", ["30"], { stdio: "ignore" });
            try {
                const pid = String(server.pid);
                writeExecutable(path.join(productHome, "wso2/worker/runtime.pid"), pid);
                writeExecutable(path.join(productHome, "bin/worker.sh"), `[ "$1" = stop ] && (sleep 0.5; kill -TERM $(cat "${productHome}/wso2/worker/runtime.pid")) >/dev/null &\nexit 0\n`);
                writeExecutable(path.join(home, "stop.sh"), scripts["stop.sh"]);
                const started = Date.now();
                const result = await promisify(execFile)("sh", [path.join(home, "stop.sh")], {
                    env: { ...process.env, WSO2_SERVER_HOME: productHome, WSO2_SERVER_PROFILE: "worker" },
                    timeout: 20_000,
                });
                assert.ok(Date.now() - started >= 450, "stop.sh returned before the server had exited");
                assert.equal(server.signalCode, "SIGTERM", "the server still runs");
                assert.match(result.stdout, new RegExp(`pid ${pid}\\) has stopped`));
            } finally {
                server.kill(); // when an assertion failed before stop.sh stopped it
            }
        });
    });

    describe("starting", () => {
        it("an SP node has 300 s to start before the kubelet restarts it; then liveness checks the same port", () => {
            for (const name of spNodes) {
                const { startupProbe, livenessProbe } = spContainer(workloadNamed(run, name));
                const budget = startupProbe.periodSeconds * startupProbe.failureThreshold;
                assert.ok(budget >= 300 && budget < 300 + startupProbe.periodSeconds, `${name}: ${budget} s to start`);
                assert.deepEqual(livenessProbe.tcpSocket, startupProbe.tcpSocket, name);
            }
        });

        it("every SP container starts through start.sh: confs/ first, then the overlay volumes in settings order", async () => {
            const withTwo = await runFixture("in-cluster", (config) => {
                setPath(config, "additionalVolumes[1]", { name: "sp-keystores", path: "/exports/wso2sp/keystores", nodes: ["worker", "manager"] });
                setPath(config, "additionalVolumes[2]", { name: "sp-plain", path: "/exports/wso2sp/plain", mountPath: "/opt/plain", nodes: ["worker"] });
            });
            const worker = spContainer(workloadNamed(withTwo, "wso2sp-worker"));
            assert.deepEqual(worker.command, ["sh", `${scriptsDir}/start.sh`]);
            assert.deepEqual(worker.args, [configVolume, `${overlays}/sp-extensions`, `${overlays}/sp-keystores`]);
            const mounts = worker.volumeMounts.map((mount: any) => mount.mountPath);
            assert.ok(mounts.includes("/opt/plain") && mounts.includes(`${overlays}/sp-keystores`), JSON.stringify(mounts));
            assert.deepEqual(spContainer(workloadNamed(withTwo, "wso2sp-dashboard")).args, [configVolume]);
        });

        it("overlay volumes are mounted read-only in every node; a volume with its own mountPath and the managers' Siddhi files stay writable", async () => {
            const withPlain = await runFixture("in-cluster", (config) => {
                setPath(config, "additionalVolumes[1]", { name: "sp-plain", path: "/exports/wso2sp/plain", mountPath: "/opt/plain", nodes: ["worker", "manager"] });
            });
            const overlayMounts = spNodes.flatMap((name) =>
                spContainer(workloadNamed(withPlain, name)).volumeMounts.filter((mount: any) => mount.mountPath.startsWith(`${overlays}/`)),
            );
            assert.ok(overlayMounts.length >= 3, JSON.stringify(overlayMounts));
            assert.ok(overlayMounts.every((mount: any) => mount.readOnly === true), JSON.stringify(overlayMounts));
            for (const name of ["wso2sp-worker", "wso2sp-manager-1"]) {
                const mounts = spContainer(workloadNamed(withPlain, name)).volumeMounts;
                const plain = mounts.find((mount: any) => mount.mountPath === "/opt/plain");
                assert.ok(plain && !plain.readOnly, `${name}: ${JSON.stringify(plain)}`);
            }
            const siddhiFiles = spContainer(workloadNamed(withPlain, "wso2sp-manager-1")).volumeMounts.find((mount: any) => mount.mountPath.endsWith("/deployment/siddhi-files/"));
            assert.ok(siddhiFiles && !siddhiFiles.readOnly, JSON.stringify(siddhiFiles));
        });

        /** Runs the emitted start.sh against a stand-in product home whose profile script records that it ran. */
        function start(home: string, dirs: string[], asUser?: number) {
            const productHome = path.join(home, "wso2sp");
            writeExecutable(path.join(productHome, "bin/worker.sh"), 'echo "server started"\n');
            writeExecutable(path.join(home, "start.sh"), scripts["start.sh"]);
            const command = asUser === undefined ? ["sh", path.join(home, "start.sh"), ...dirs] : ["setpriv", `--reuid=${asUser}`, `--regid=${asUser}`, "--clear-groups", "sh", path.join(home, "start.sh"), ...dirs];
            if (asUser !== undefined) {
                spawnSync("chown", ["-R", `${asUser}:${asUser}`, productHome]);
            }
            return spawnSync(command[0], command.slice(1), { encoding: "utf8", env: { ...process.env, WSO2_SERVER_HOME: productHome, WSO2_SERVER_PROFILE: "worker" } });
        }

        it("an empty or absent overlay directory is harmless: a log line says so and the server starts", () => {
            const home = directoryWith();
            const empty = path.join(home, "empty");
            fs.mkdirSync(empty);
            const absent = path.join(home, "absent");
            const result = start(home, [empty, absent]);
            assert.equal(result.status, 0, result.stderr);
            assert.match(result.stdout, new RegExp(`${empty} is empty; nothing to copy`));
            assert.match(result.stdout, new RegExp(`${absent} does not exist; nothing to copy from it`));
            assert.match(result.stdout, /server started/);
        });

        it("several overlays are copied over the product home in order, following links, the later one winning", () => {
            const home = directoryWith();
            const [first, second] = [path.join(home, "first"), path.join(home, "second")];
            fs.mkdirSync(path.join(first, "conf/worker"), { recursive: true });
            fs.writeFileSync(path.join(first, "conf/worker/deployment.yaml"), "from first");
            fs.writeFileSync(path.join(first, "conf/worker/only-first.yaml"), "kept");
            fs.mkdirSync(path.join(second, "conf/worker"), { recursive: true });
            fs.writeFileSync(path.join(home, "target.yaml"), "from second, through a link");
            fs.symlinkSync(path.join(home, "target.yaml"), path.join(second, "conf/worker/deployment.yaml"));
            fs.mkdirSync(path.join(second, "lib"));
            fs.writeFileSync(path.join(second, "lib/extension.jar"), "jar");
            fs.writeFileSync(path.join(second, ".hidden"), "not copied, as with init.sh");
            const result = start(home, [first, second]);
            assert.equal(result.status, 0, result.stderr);
            const productHome = path.join(home, "wso2sp");
            assert.equal(fs.readFileSync(path.join(productHome, "conf/worker/deployment.yaml"), "utf8"), "from second, through a link");
            assert.ok(!fs.lstatSync(path.join(productHome, "conf/worker/deployment.yaml")).isSymbolicLink());
            assert.equal(fs.readFileSync(path.join(productHome, "conf/worker/only-first.yaml"), "utf8"), "kept");
            assert.equal(fs.readFileSync(path.join(productHome, "lib/extension.jar"), "utf8"), "jar");
            assert.ok(!fs.existsSync(path.join(productHome, ".hidden")));
            assert.match(result.stdout, /server started/);
        });

        it("an overlay the server's user cannot read stops the start with the export and the fix named", () => {
            const home = directoryWith();
            const locked = path.join(home, "locked");
            fs.mkdirSync(locked);
            fs.writeFileSync(path.join(locked, "file"), "secret");
            fs.chmodSync(locked, 0o700);
            // As root every directory is readable: run as another user, like the pod's 802 on a squashed export.
            const asUser = process.getuid?.() === 0 ? 802 : undefined;
            if (asUser === undefined) {
                fs.chmodSync(locked, 0o000);
                after(() => fs.chmodSync(locked, 0o700));
            }
            const result = start(home, [locked], asUser);
            assert.equal(result.status, 1);
            assert.match(result.stderr, new RegExp(`cannot read ${locked} .*give the export to 802:802 with mode 700`));
            assert.doesNotMatch(result.stdout, /server started/);
        });
    });

    describe("waiting for dependencies", () => {
        /** Runs the emitted wait-for.sh with stand-ins for nc (answering from attempt `answersAt`) and sleep (counting). */
        function waitFor(answersAt: number, environment: Record<string, string> = {}) {
            const home = directoryWith();
            const bin = path.join(home, "bin");
            writeExecutable(path.join(bin, "nc"), `n=$(cat "${home}/attempts" 2>/dev/null || echo 0); n=$((n + 1)); echo $n > "${home}/attempts"; echo "$*" >> "${home}/nc-calls"; [ $n -ge ${answersAt} ]\n`);
            writeExecutable(path.join(bin, "sleep"), `echo "$1" >> "${home}/sleeps"\n`);
            writeExecutable(path.join(home, "wait-for.sh"), scripts["wait-for.sh"]);
            const result = spawnSync("sh", [path.join(home, "wait-for.sh")], {
                encoding: "utf8",
                env: { ...process.env, PATH: `${bin}:${process.env.PATH}`, DEPENDENCY: "database", ADDRESSES: "sp-rdbms:3306", ...environment },
            });
            const read = (file: string) => (fs.existsSync(path.join(home, file)) ? fs.readFileSync(path.join(home, file), "utf8").trim().split("\n") : []);
            return { result, sleeps: read("sleeps").map(Number), ncCalls: read("nc-calls") };
        }

        it("every init container of an SP pod runs wait-for.sh from the mounted scripts, read-only", () => {
            const inits = spNodes.flatMap((name) => (podSpec(workloadNamed(run, name)).initContainers ?? []).map((init: Record<string, any>) => ({ name, init })));
            for (const { name, init } of nonEmpty(inits, "init container of an SP pod")) {
                assert.deepEqual(init.command, ["sh", `${scriptsDir}/wait-for.sh`], `${name}/${init.name}`);
                assert.equal(init.securityContext.readOnlyRootFilesystem, true, `${name}/${init.name}`);
            }
        });

        it("polls every 2 seconds and goes on as soon as the dependency answers, naming it and where", () => {
            const { result, sleeps, ncCalls } = waitFor(5);
            assert.equal(result.status, 0, result.stderr);
            assert.deepEqual(sleeps, [2, 2, 2, 2]);
            assert.equal(ncCalls.length, 5);
            assert.match(ncCalls[0], /-z -w \d+ sp-rdbms 3306/);
            assert.match(result.stdout, /database answers at sp-rdbms:3306 \(waited 8s\)/);
        });

        it("is bounded: after the limit it exits non-zero, naming what it waited for, and the kubelet retries", () => {
            const { result, sleeps } = waitFor(Number.MAX_SAFE_INTEGER, { WAIT_LIMIT_SECONDS: "10" });
            assert.equal(result.status, 1);
            assert.equal(sleeps.length, 5);
            assert.match(result.stderr, /database does not answer at sp-rdbms:3306 after 10s/);
        });
    });

    it("the scripts are one immutable ConfigMap named from their content, mounted by every SP pod", () => {
        const configMaps = objectsOfKind(run, "ConfigMap").filter((configMap) => configMap.metadata.name.startsWith("wso2sp-pod-scripts-"));
        assert.equal(configMaps.length, 1);
        assert.equal(configMaps[0].immutable, true);
        assert.deepEqual(Object.keys(configMaps[0].data).sort(), ["start.sh", "stop.sh", "wait-for.sh"]);
        for (const name of spNodes) {
            assert.equal(podScripts(run, workloadNamed(run, name)), configMaps[0].data, name);
        }
    });
});

describe("SP memory settings", () => {
    it("a memory setting too small for an SP JVM is refused before anything is registered", async () => {
        await assert.rejects(runFixture("in-cluster", (config) => setPath(config, "memory.dashboard", "512Mi")), (error: Error) => {
            assert.match(error.message, /wso2-sp:memory\.dashboard must be at least 1Gi.*got "512Mi"/);
            return true;
        });
    });
});
