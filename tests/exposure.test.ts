/**
 * Exposure (issue "Trust and exposure", items 2–4): SP's plain-HTTP admin listener answers inside
 * the pod only, the apps' `http` sources get ports of their own, every Ingress is rate-limited,
 * and preview warns about the settings that leave the deployment open.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { configuredListenersOf, workerProfileNodes } from "../config/listeners";
import { managerPorts } from "../config/names";
import { objectNamed, objectsOfKind, type ProgramRun, projectDir, runFixture, setPath, sharedFixture } from "./harness";

const managers = ["wso2sp-manager-1", "wso2sp-manager-2"];
const resourceNodes = ["wso2sp-worker", "wso2sp-receiver"];
const spNodes = [...managers, ...resourceNodes, "wso2sp-dashboard"];
const container = (deployment: Record<string, any>) => deployment.spec.template.spec.containers[0];
const containerPorts = (run: ProgramRun, name: string): number[] => container(objectNamed(run, "Deployment", name)).ports.map((port: any) => port.containerPort);
const servicePorts = (run: ProgramRun, name: string): number[] => objectNamed(run, "Service", name).spec.ports.map((port: any) => port.port);

/** The `wso2.transport.http` and store-API listeners a profile's deployment.yaml in confs/ configures. */
function confListeners(profile: "manager" | "worker" | "dashboard"): { id: string; host: string; port: unknown }[] {
    const conf = parseYaml(fs.readFileSync(path.join(projectDir, "confs", profile, "conf", profile, "deployment.yaml"), "utf8"));
    return ["wso2.transport.http", "siddhi.stores.query.api"].flatMap((namespace) => conf[namespace]?.listenerConfigurations ?? []);
}

describe("the plain-HTTP admin listeners answer inside the pod only", () => {
    let run: ProgramRun;
    before(async () => {
        run = await sharedFixture("in-cluster");
    });

    it("confs/ binds every pod-local listener (MSF4J default 9090, store API 7070) to 127.0.0.1, and no other to it", () => {
        const local = (profile: "manager" | "worker") =>
            configuredListenersOf(profile, 0, profile === "manager" ? managerPorts.manager1 : workerProfileNodes.worker.nodePort)
                .filter((listener) => listener.role === "pod-local")
                .map((listener) => listener.port);
        for (const profile of ["manager", "worker"] as const) {
            const ports = local(profile);
            assert.ok(ports.includes(9090), `${profile}: ${ports.join(", ")}`);
            const listeners = confListeners(profile);
            for (const port of ports) {
                const bound = listeners.filter((listener) => listener.port === port);
                assert.ok(bound.length > 0, `${profile}: nothing configures port ${port}`);
                bound.forEach((listener) => assert.equal(listener.host, "127.0.0.1", `${profile}: ${listener.id} on ${port}`));
            }
            listeners
                .filter((listener) => !ports.includes(listener.port as number))
                .forEach((listener) => assert.notEqual(listener.host, "127.0.0.1", `${profile}: ${listener.id} would be unreachable`));
        }
        assert.deepEqual(local("worker").sort(), [7070, 9090]);
        assert.ok(confListeners("dashboard").every((listener) => listener.port === 9643), "the dashboard has its HTTPS UI only");
    });

    it("no SP node declares 9090 or 7070 as a container or Service port", () => {
        for (const name of spNodes) {
            for (const port of [9090, 7070]) {
                assert.ok(!containerPorts(run, name).includes(port), `${name} container port ${port}`);
                assert.ok(!servicePorts(run, name).includes(port), `${name} Service port ${port}`);
            }
        }
    });

    it("every probe checks a port the container declares, so nothing probes a loopback-only port", () => {
        for (const deployment of objectsOfKind(run, "Deployment").filter((each) => spNodes.includes(each.metadata.name))) {
            const declared = containerPorts(run, deployment.metadata.name);
            for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
                const port = container(deployment)[probe]?.tcpSocket?.port;
                assert.ok(declared.includes(port), `${deployment.metadata.name} ${probe} on ${port}`);
            }
        }
    });
});

describe("httpSourcePorts: the ports of the apps' http sources", () => {
    it("become container and Service ports of the workers and the receiver only, named for the port", async () => {
        const run = await runFixture("in-cluster", (config) => setPath(config, "httpSourcePorts", [8280, 8006]));
        for (const name of resourceNodes) {
            const ports = container(objectNamed(run, "Deployment", name)).ports.filter((port: any) => [8280, 8006].includes(port.containerPort));
            assert.deepEqual(
                ports.map((port: any) => port.name),
                ["http-src-8280", "http-src-8006"],
                name,
            );
            assert.ok([8280, 8006].every((port) => servicePorts(run, name).includes(port)), name);
        }
        for (const name of [...managers, "wso2sp-dashboard"]) {
            assert.ok(!containerPorts(run, name).includes(8280), name);
        }
    });

    it("are none by default", async () => {
        const run = await sharedFixture("in-cluster");
        resourceNodes.forEach((name) => assert.ok(!container(objectNamed(run, "Deployment", name)).ports.some((port: any) => port.name.startsWith("http-src")), name));
    });

    for (const [value, message] of [
        [[80], /httpSourcePorts\[0\] must be 1024 or higher/],
        [[9090], /httpSourcePorts\[0\] is a port SP itself listens on/],
        [[7612], /httpSourcePorts\[0\] is a port SP itself listens on/],
        [[8280, 8006, 8280], /httpSourcePorts\[2\] lists port 8280 again .*Fix: pulumi config rm --path 'httpSourcePorts\[2\]'/],
        [["http"], /httpSourcePorts\[0\] must be a port number/],
    ] as const) {
        it(`${JSON.stringify(value)} is refused, naming the setting`, async () => {
            await assert.rejects(
                runFixture("in-cluster", (config) => setPath(config, "httpSourcePorts", value)),
                (error: Error) => message.test(error.message) && /wso2-sp:httpSourcePorts/.test(error.message),
            );
        });
    }
});
