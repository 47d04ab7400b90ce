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
import { objectNamed, objectsOfKind, type ProgramRun, projectDir, runFixture, setPath, sharedFixture, workloadNamed, workloads } from "./harness";

const managers = ["wso2sp-manager-1", "wso2sp-manager-2"];
const resourceNodes = ["wso2sp-worker", "wso2sp-receiver"];
const spNodes = [...managers, ...resourceNodes, "wso2sp-dashboard"];
const container = (deployment: Record<string, any>) => deployment.spec.template.spec.containers[0];
const containerPorts = (run: ProgramRun, name: string): number[] => container(workloadNamed(run, name)).ports.map((port: any) => port.containerPort);
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
        const nodes = workloads(run).filter((each) => spNodes.includes(each.metadata.name));
        assert.equal(nodes.length, spNodes.length);
        for (const deployment of nodes) {
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
            const ports = container(workloadNamed(run, name)).ports.filter((port: any) => [8280, 8006].includes(port.containerPort));
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
        resourceNodes.forEach((name) => assert.ok(!container(workloadNamed(run, name)).ports.some((port: any) => port.name.startsWith("http-src")), name));
    });

    for (const [value, message] of [
        [[80], /httpSourcePorts\[0\] must be 1024 or higher/],
        [[9090], /httpSourcePorts\[0\] is a port SP itself listens on/],
        [[7612], /httpSourcePorts\[0\] is a port SP itself listens on/],
        [[8280, 8006, 8280], /httpSourcePorts\[2\] lists port 8280 again .*Fix: pulumi config rm httpSourcePorts && pulumi config set --path 'httpSourcePorts\[0\]' 8280 && pulumi config set --path 'httpSourcePorts\[1\]' 8006$/m],
        [["http"], /httpSourcePorts\[0\] must be a port number/],
    ] as const) {
        it(`${JSON.stringify(value)} is refused, naming the setting`, async () => {
            await assert.rejects(
                runFixture("in-cluster", (config) => setPath(config, "httpSourcePorts", value)),
                (error: Error) => message.test(error.message) && /wso2-sp:httpSourcePorts/.test(error.message),
            );
        });
    }

    it("a refused port listed twice is named by its own rule at each entry, not as listed again", async () => {
        await assert.rejects(
            runFixture("in-cluster", (config) => setPath(config, "httpSourcePorts", [80, 80])),
            (error: Error) =>
                /httpSourcePorts\[0\] must be 1024 or higher/.test(error.message) &&
                /httpSourcePorts\[1\] must be 1024 or higher/.test(error.message) &&
                !/again/.test(error.message),
        );
    });
});

describe("exposure of the managers and limits on every Ingress", () => {
    const ingressNames = (run: ProgramRun) => objectsOfKind(run, "Ingress").map((ingress) => ingress.metadata.name).sort();
    const exposureWarning = (run: ProgramRun) => run.warnings.filter((message) => message.startsWith("wso2-sp:exposure.managers "));
    /** The in-cluster fixture as a stack that never set exposure.managers. */
    const unset = (config: Record<string, unknown>) => setPath(config, "exposure.managers", undefined);

    it("a stack that does not set exposure.managers publishes the dashboard only, and preview warns with the fix that publishes the managers again", async () => {
        const run = await runFixture("in-cluster", unset);
        assert.deepEqual(ingressNames(run), ["wso2sp-dashboard"]);
        assert.deepEqual(run.outputs.managerUrls, []);
        const [warning, ...others] = exposureWarning(run);
        assert.deepEqual(others, []);
        assert.match(warning, /now defaults to false \(it was true\)/);
        assert.match(warning, /loses the Ingresses of https:\/\/wso2sp-manager-1 and https:\/\/wso2sp-manager-2 on this update/);
        assert.match(warning, /silence this warning: pulumi config set --path exposure\.managers false/);
        assert.match(warning, /Fix: pulumi config set --path exposure\.managers true$/);
    });

    it("a stack that sets exposure.managers, either way, or has no manager hosts, gets no such warning", async () => {
        const published = await sharedFixture("in-cluster");
        assert.deepEqual(ingressNames(published), ["wso2sp-dashboard", "wso2sp-manager-1", "wso2sp-manager-2"]);
        const kept = await runFixture("in-cluster", (config) => setPath(config, "exposure.managers", false));
        const hostless = await runFixture("in-cluster", (config) => {
            unset(config);
            setPath(config, "ingress.hosts.manager1", "");
            setPath(config, "ingress.hosts.manager2", "");
        });
        for (const run of [published, kept, hostless]) {
            assert.deepEqual(exposureWarning(run), []);
        }
    });

    it("every Ingress carries NGINX's per-client request rate, burst and connection limits, by default 20/s, 5× burst, 20 connections", async () => {
        const run = await sharedFixture("in-cluster");
        const ingresses = objectsOfKind(run, "Ingress");
        assert.equal(ingresses.length, 3);
        for (const ingress of ingresses) {
            const annotations = ingress.metadata.annotations;
            assert.equal(annotations["nginx.ingress.kubernetes.io/limit-rps"], "20", ingress.metadata.name);
            assert.equal(annotations["nginx.ingress.kubernetes.io/limit-burst-multiplier"], "5", ingress.metadata.name);
            assert.equal(annotations["nginx.ingress.kubernetes.io/limit-connections"], "20", ingress.metadata.name);
        }
    });

    it("exposure.limits sets the limits of every Ingress", async () => {
        const run = await runFixture("external", (config) => setPath(config, "exposure.limits", { requestsPerSecond: 5, burstMultiplier: 2, connections: "8" }));
        const ingresses = objectsOfKind(run, "Ingress");
        assert.equal(ingresses.length, 3);
        for (const { metadata } of ingresses) {
            assert.deepEqual(
                ["limit-rps", "limit-burst-multiplier", "limit-connections"].map((name) => metadata.annotations[`nginx.ingress.kubernetes.io/${name}`]),
                ["5", "2", "8"],
                metadata.name,
            );
        }
    });

    for (const [setting, value, message] of [
        ["exposure.limits.requestsPerSecond", 0, /exposure\.limits\.requestsPerSecond must be a whole number from 1 to 1000 \(got 0\)/],
        ["exposure.limits.burstMultiplier", 2.5, /exposure\.limits\.burstMultiplier must be a whole number from 1 to 100/],
        ["exposure.limits.connections", 5000, /exposure\.limits\.connections must be a whole number from 1 to 1000/],
        ["exposure.limits.rpm", 600, /exposure\.limits\.rpm is not a setting of this project/],
    ] as const) {
        it(`${setting} = ${value} is refused before anything is deployed`, async () => {
            await assert.rejects(runFixture("in-cluster", (config) => setPath(config, setting, value)), message);
        });
    }
});

describe("database TLS and network policies: what preview warns about", () => {
    const warningsOf = (run: ProgramRun, setting: string) => run.warnings.filter((message) => message.startsWith(`wso2-sp:${setting} `));

    it("an external database without TLS gets a warning naming the server and the fix; with TLS, SP requires and verifies it", async () => {
        const plain = await runFixture("external", (config) => setPath(config, "database.tls", false));
        const [warning, ...others] = warningsOf(plain, "database.tls");
        assert.deepEqual(others, []);
        assert.match(warning, /mysql\.prod\.example\.com:3306 unencrypted/);
        assert.match(warning, /Fix: pulumi config set --path database\.tls true$/);
        const verified = await sharedFixture("external");
        assert.deepEqual(warningsOf(verified, "database.tls"), []);
        for (const name of spNodes.filter((node) => node !== "wso2sp-dashboard")) {
            const env = container(workloadNamed(verified, name)).env.find((variable: any) => variable.name === "DATABASE_JDBC_OPTIONS");
            assert.equal(env.value, "useSSL=true&requireSSL=true&verifyServerCertificate=true", name);
        }
    });

    it("the in-cluster MySQL, which has no certificate, gets no TLS warning", async () => {
        assert.deepEqual(warningsOf(await sharedFixture("in-cluster"), "database.tls"), []);
    });

    it("networkPolicies.enabled false gets a warning naming what is then open and the fix; on, none", async () => {
        const open = await runFixture("in-cluster", (config) => setPath(config, "networkPolicies.enabled", false));
        const [warning, ...others] = warningsOf(open, "networkPolicies.enabled");
        assert.deepEqual(others, []);
        assert.match(warning, /the in-cluster MySQL, Kafka, ZooKeeper/);
        assert.match(warning, /Kafka and ZooKeeper without TLS or authentication/);
        assert.match(warning, /Fix: pulumi config set --path networkPolicies\.enabled true$/);
        assert.deepEqual(warningsOf(await sharedFixture("in-cluster"), "networkPolicies.enabled"), []);
    });
});
