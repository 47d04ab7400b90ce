import { strict as assert } from "assert";
import { listenersOf } from "../config/listeners";
import { kafkaPort, managerPorts, mysqlPort, zookeeperPorts } from "../config/names";
import type { SpNodeSpec } from "../config/nodes";
import { deploymentFlows, networkPolicies } from "../kube/networkPolicies";
import { nonEmpty, objectsOfKind, type ProgramRun, registeredBeforeError, runFixture, sharedFixture, setPath, type StackConfig, workloadNamed } from "./harness";
import { type Endpoint, type NetworkPolicy, NetworkPolicyEvaluator, type Pod } from "./networkPolicyEvaluator";

const workloadKinds = ["Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"];

/**
 * One pod of each workload the program runs, as its template describes it, by workload name; a
 * StatefulSet of several pods gives each of them, by pod name (`zookeeper-0`…).
 */
function podsOf(run: ProgramRun): Map<string, Pod> {
    const pods = new Map<string, Pod>();
    for (const workload of run.objects.filter((object) => workloadKinds.includes(object.kind))) {
        const template = workload.kind === "CronJob" ? workload.spec.jobTemplate.spec.template : workload.spec.template;
        const pod = (labels: Record<string, string>): Pod => ({
            namespace: workload.metadata.namespace,
            labels,
            ports: template.spec.containers.flatMap((container: { ports?: Pod["ports"] }) => container.ports ?? []),
        });
        if (workload.kind === "StatefulSet" && workload.spec.replicas > 1) {
            for (let ordinal = 0; ordinal < workload.spec.replicas; ordinal++) {
                const name = `${workload.metadata.name}-${ordinal}`;
                pods.set(name, pod({ ...template.metadata.labels, "statefulset.kubernetes.io/pod-name": name }));
            }
        } else {
            pods.set(workload.metadata.name, pod(template.metadata.labels));
        }
    }
    return pods;
}

/** The program's NetworkPolicies, and one pod per workload by name. */
function world(run: ProgramRun) {
    const evaluator = new NetworkPolicyEvaluator(objectsOfKind(run, "NetworkPolicy") as NetworkPolicy[]);
    const pods = podsOf(run);
    // A StatefulSet's name stands for its first pod (SP workers): every pod of the set has the same labels.
    const pod = (name: string): Pod => {
        const found = pods.get(name) ?? pods.get(`${name}-0`);
        assert.ok(found, `no workload ${name}; the program runs ${[...pods.keys()].join(", ")}`);
        return found;
    };
    return { evaluator, pods, pod, namespace: pod("wso2sp-manager-1").namespace };
}

/** Pods of other namespaces: NGINX's controller, the cluster DNS, and a stranger. */
const ingressNginx: Pod = { namespace: "ingress-nginx", labels: { "app.kubernetes.io/name": "ingress-nginx" } };
const kubeDns: Pod = { namespace: "kube-system", labels: { "k8s-app": "kube-dns" }, ports: [{ name: "dns", containerPort: 53, protocol: "UDP" }] };
const stranger: Pod = { namespace: "default", labels: { app: "curl" } };
const internet: Endpoint = { ip: "8.8.8.8" };

const managers = ["wso2sp-manager-1", "wso2sp-manager-2"];
const resourceNodes = ["wso2sp-worker", "wso2sp-receiver"];
const spNodes = [...managers, ...resourceNodes, "wso2sp-dashboard"];
const zookeepers = ["zookeeper-0", "zookeeper-1", "zookeeper-2"];

describe("the NetworkPolicy evaluator of the tests", () => {
    const ns = "team";
    const web: Pod = { namespace: ns, labels: { app: "web" }, ports: [{ name: "http", containerPort: 8080 }] };
    const db: Pod = { namespace: ns, labels: { app: "db", tier: "data" } };
    const policy = (name: string, spec: NetworkPolicy["spec"], namespace = ns): NetworkPolicy => ({ metadata: { name, namespace }, spec });

    it("allows everything when no policy selects either pod", () => {
        assert.ok(new NetworkPolicyEvaluator([]).canReach(web, db, 5432));
    });

    it("a policy isolates the pods it selects; the union of the selecting policies' rules admits", () => {
        const evaluator = new NetworkPolicyEvaluator([
            policy("deny", { podSelector: {}, policyTypes: ["Ingress"] }),
            policy("db", { podSelector: { matchLabels: { app: "db" } }, ingress: [{ from: [{ podSelector: { matchLabels: { app: "web" } } }], ports: [{ port: 5432 }] }] }),
        ]);
        assert.ok(evaluator.canReach(web, db, 5432));
        assert.ok(!evaluator.canReach(web, db, 5433), "another port");
        assert.ok(!evaluator.canReach(db, web, 8080), "web is isolated by deny, which admits nothing");
        assert.ok(!evaluator.canReach({ ...web, namespace: "other" }, db, 5432), "a podSelector alone means the policy's namespace");
    });

    it("needs the client's egress and the server's ingress to allow a connection", () => {
        const openDb = policy("db", { podSelector: { matchLabels: { app: "db" } }, ingress: [{}] });
        const denyWebEgress = policy("deny", { podSelector: { matchLabels: { app: "web" } }, policyTypes: ["Egress"] });
        assert.ok(new NetworkPolicyEvaluator([openDb]).canReach(web, db, 1), "a rule without peers and ports admits all");
        assert.ok(!new NetworkPolicyEvaluator([openDb, denyWebEgress]).canReach(web, db, 1));
    });

    it("without policyTypes a policy isolates ingress, and egress only when it has egress rules", () => {
        const noRules = new NetworkPolicyEvaluator([policy("web", { podSelector: { matchLabels: { app: "web" } } })]);
        assert.ok(!noRules.canReach(db, web, 8080));
        assert.ok(noRules.canReach(web, internet, 443));
        const egressRules = new NetworkPolicyEvaluator([
            policy("web", { podSelector: { matchLabels: { app: "web" } }, egress: [{ to: [{ podSelector: { matchLabels: { tier: "data" } } }] }] }),
        ]);
        assert.ok(egressRules.canReach(web, db, 1));
        assert.ok(!egressRules.canReach(web, internet, 443));
        assert.ok(!egressRules.canReach(db, web, 8080));
    });

    it("a namespaceSelector with a podSelector in one peer means both; in two peers either", () => {
        const both = [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "edge" } }, podSelector: { matchLabels: { app: "proxy" } } }];
        const either = [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "edge" } } }, { podSelector: { matchLabels: { app: "proxy" } } }];
        const proxyInEdge: Pod = { namespace: "edge", labels: { app: "proxy" } };
        const otherInEdge: Pod = { namespace: "edge", labels: { app: "other" } };
        const proxyHere: Pod = { namespace: ns, labels: { app: "proxy" } };
        const check = (from: NonNullable<NetworkPolicy["spec"]["ingress"]>[number]["from"]) =>
            [proxyInEdge, otherInEdge, proxyHere].map((client) => new NetworkPolicyEvaluator([policy("db", { podSelector: {}, ingress: [{ from }] })]).canReach(client, db, 1));
        assert.deepEqual(check(both), [true, false, false]);
        assert.deepEqual(check(either), [true, true, true]);
    });

    it("matches namespaces by their labels and pods by matchExpressions", () => {
        const evaluator = new NetworkPolicyEvaluator(
            [policy("db", { podSelector: { matchExpressions: [{ key: "tier", operator: "In", values: ["data"] }] }, ingress: [{ from: [{ namespaceSelector: { matchLabels: { env: "prod" } } }] }] })],
            { shop: { env: "prod" } },
        );
        assert.ok(evaluator.canReach({ namespace: "shop", labels: {} }, db, 1));
        assert.ok(!evaluator.canReach({ namespace: "lab", labels: {} }, db, 1));
    });

    it("ipBlock admits its CIDR minus the exceptions, and addresses only, not pods", () => {
        const evaluator = new NetworkPolicyEvaluator([policy("db", { podSelector: {}, ingress: [{ from: [{ ipBlock: { cidr: "10.0.0.0/16", except: ["10.0.9.0/24"] } }] }] })]);
        assert.deepEqual(["10.0.1.2", "10.0.9.2", "10.1.0.1"].map((ip) => evaluator.canReach({ ip }, db, 1)), [true, false, false]);
        assert.ok(!evaluator.canReach(web, db, 1));
    });

    it("resolves a named port on the destination pod, and honours protocol and port ranges", () => {
        const evaluator = new NetworkPolicyEvaluator([
            policy("web", { podSelector: { matchLabels: { app: "web" } }, ingress: [{ ports: [{ port: "http" }, { port: 9000, endPort: 9002, protocol: "UDP" }] }] }),
        ]);
        assert.ok(evaluator.canReach(db, web, 8080));
        assert.ok(evaluator.canReach(db, web, "http"));
        assert.ok(!evaluator.canReach(db, web, 8081));
        assert.ok(evaluator.canReach(db, web, 9001, "UDP"));
        assert.ok(!evaluator.canReach(db, web, 9001, "TCP"));
    });
});

describe("network isolation: every dependency in the cluster", () => {
    let run: ProgramRun;
    let w: ReturnType<typeof world>;
    before(async () => {
        run = await sharedFixture("in-cluster");
        w = world(run);
    });
    const reach = (from: Endpoint | string, to: Endpoint | string, port: number | string, protocol?: "TCP" | "UDP") =>
        w.evaluator.canReach(typeof from === "string" ? w.pod(from) : from, typeof to === "string" ? w.pod(to) : to, port, protocol);
    /** The node's own HTTPS API, by the name its container gives the port. */
    const api = "https";

    it("isolates every pod of the namespace for ingress and egress", () => {
        for (const [name, pod] of w.pods) {
            const namespaceWide = w.evaluator.selecting(pod).filter((policy) => Object.keys(policy.spec.podSelector.matchLabels ?? {}).length === 0);
            assert.ok(namespaceWide.some((policy) => policy.spec.policyTypes?.includes("Ingress") && policy.spec.policyTypes.includes("Egress") && !policy.spec.ingress && !policy.spec.egress), `${name}: no default deny`);
            assert.ok(!reach(stranger, name, pod.ports?.[0]?.containerPort ?? 1), `${name} is reachable from another namespace`);
            assert.ok(!reach(name, internet, 443), `${name} reaches the internet`);
        }
    });

    it("workers and the receiver reach both managers' HTTPS API, at the address they register with and send heartbeats to", () => {
        for (const node of resourceNodes) {
            const workload = workloadNamed(run, node);
            const env = new Map<string, string>(workload.spec.template.spec.containers[0].env.map((variable: any) => [variable.name, variable.value]));
            const registersWith = [1, 2].map((manager) => ({ host: env.get(`MANAGER_${manager}_HOST`)!, port: Number(env.get(`MANAGER_${manager}_PORT`)) }));
            assert.deepEqual(registersWith.map(({ host }) => host), managers, node);
            for (const { host, port } of registersWith) {
                assert.equal(w.pod(host).ports?.find((declared) => declared.name === api)?.containerPort, port, `${host} serves its API where ${node} registers`);
                assert.ok(reach(node, host, port), `${node} → ${host}:${port}`);
            }
        }
    });

    it("managers reach the workers' and the receiver's HTTPS API to deploy partial apps", () => {
        for (const manager of managers) {
            resourceNodes.forEach((node) => assert.ok(reach(manager, node, api), `${manager} → ${node}`));
        }
    });

    it("the dashboard reaches every SP node's HTTPS API to monitor it", () => {
        [...managers, ...resourceNodes].forEach((node) => assert.ok(reach("wso2sp-dashboard", node, api), node));
    });

    it("the dashboard reaches MySQL, where what users set up in its UIs lives, on MySQL's port only", () => {
        assert.ok(reach("wso2sp-dashboard", "sp-rdbms", mysqlPort));
        assert.ok(!reach("wso2sp-dashboard", "sp-rdbms", mysqlPort + 1));
    });

    it("SP nodes reach MySQL and Kafka; managers alone reach ZooKeeper", () => {
        for (const node of [...managers, ...resourceNodes]) {
            assert.ok(reach(node, "sp-rdbms", mysqlPort), `${node} → MySQL`);
            assert.ok(reach(node, "kafka-service", kafkaPort), `${node} → Kafka`);
        }
        for (const manager of managers) {
            zookeepers.forEach((zoo) => assert.ok(reach(manager, zoo, zookeeperPorts.client), `${manager} → ${zoo}`));
        }
    });

    it("preflight pods, MySQL's among them, reach none of the namespace's servers and nothing reaches them", () => {
        const preflightPods = [...w.pods.keys()].filter((name) => /-preflight-[0-9a-f]{10}$/.test(name));
        assert.ok(preflightPods.some((name) => name.startsWith("sp-rdbms-preflight-")), preflightPods.join(", "));
        for (const name of preflightPods) {
            assert.ok(!reach(name, "sp-rdbms", mysqlPort), `${name} → MySQL`);
            assert.ok(!reach(name, "kafka-service", kafkaPort), `${name} → Kafka`);
            assert.ok(!reach(name, "zookeeper-0", zookeeperPorts.client), `${name} → ZooKeeper`);
            assert.ok(!reach(name, "wso2sp-manager-1", api), `${name} → manager`);
            assert.ok(!reach("wso2sp-manager-1", name, managerPorts.manager1), `manager → ${name}`);
        }
    });

    it("Kafka reaches ZooKeeper, and the ZooKeeper servers reach each other on the quorum ports", () => {
        zookeepers.forEach((zoo) => assert.ok(reach("kafka-service", zoo, zookeeperPorts.client), zoo));
        for (const from of zookeepers) {
            for (const to of zookeepers.filter((other) => other !== from)) {
                for (const port of [zookeeperPorts.follower, zookeeperPorts.election]) {
                    assert.ok(reach(from, to, port), `${from} → ${to}:${port}`);
                }
            }
        }
    });

    it("every pod resolves names through the cluster DNS, over UDP and TCP", () => {
        for (const name of w.pods.keys()) {
            assert.ok(reach(name, kubeDns, 53, "UDP") && reach(name, kubeDns, 53, "TCP"), name);
        }
    });

    it("the ingress controller reaches exactly the ports the Ingresses forward to", () => {
        for (const ingress of nonEmpty(objectsOfKind(run, "Ingress"), "Ingress")) {
            const backend = ingress.spec.rules[0].http.paths[0].backend.service;
            assert.ok(reach(ingressNginx, backend.name, backend.port.number), `${ingress.metadata.name}`);
            for (const port of (w.pod(backend.name).ports ?? []).filter((port) => port.containerPort !== backend.port.number)) {
                assert.ok(!reach(ingressNginx, backend.name, port.containerPort), `${backend.name}:${port.containerPort} is not exposed`);
            }
        }
        for (const name of ["wso2sp-worker", "wso2sp-receiver", "sp-rdbms", "kafka-service", zookeepers[0]]) {
            for (const port of w.pod(name).ports ?? []) {
                assert.ok(!reach(ingressNginx, name, port.containerPort), `${name}:${port.containerPort}`);
            }
        }
    });

    it("refuses what no node needs: other namespaces to MySQL, MySQL to the nodes, managers to each other, workers to ZooKeeper", () => {
        assert.ok(!reach(stranger, "sp-rdbms", mysqlPort));
        for (const node of spNodes) {
            assert.ok(!reach("sp-rdbms", node, api), `MySQL → ${node}`);
        }
        assert.ok(!reach("wso2sp-manager-1", "wso2sp-manager-2", managerPorts.manager2));
        assert.ok(!reach("wso2sp-worker", "wso2sp-receiver", api));
        for (const node of [...resourceNodes, "wso2sp-dashboard", "sp-rdbms"]) {
            assert.ok(!reach(node, zookeepers[0], zookeeperPorts.client), `${node} → ZooKeeper`);
        }
        assert.ok(!reach("wso2sp-dashboard", "kafka-service", kafkaPort));
        assert.ok(!reach("sp-rdbms", "kafka-service", kafkaPort));
    });

    it("admits nothing else to ZooKeeper than the managers, Kafka and its peers", () => {
        const allowed = new Set([...managers, "kafka-service", ...zookeepers]);
        const clients: [string, Endpoint][] = [...w.pods].filter(([name]) => !allowed.has(name));
        clients.push(["ingress-nginx", ingressNginx], ["a pod of another namespace", stranger], ["an outside address", internet]);
        for (const [name, client] of clients) {
            for (const port of Object.values(zookeeperPorts)) {
                assert.ok(!reach(client, zookeepers[0], port), `${name} → ${zookeepers[0]}:${port}`);
            }
        }
    });

    it("no rule admits every source or every destination", () => {
        for (const policy of objectsOfKind(run, "NetworkPolicy") as NetworkPolicy[]) {
            for (const rule of policy.spec.ingress ?? []) {
                assert.ok((rule.from ?? []).length > 0, `${policy.metadata.name}: an ingress rule without from admits every source`);
                assert.ok(!(rule.from ?? []).some((peer) => peer.ipBlock?.cidr.endsWith("/0")), `${policy.metadata.name}: /0`);
                assert.ok((rule.ports ?? []).length > 0, `${policy.metadata.name}: an ingress rule without ports admits every port`);
            }
            for (const rule of policy.spec.egress ?? []) {
                assert.ok((rule.to ?? []).length > 0 && (rule.ports ?? []).length > 0, `${policy.metadata.name}: an open egress rule`);
            }
        }
    });

    it("admits no event publisher unless the stack lists it", () => {
        for (const node of resourceNodes) {
            for (const port of w.pod(node).ports ?? []) {
                assert.ok(!reach({ ip: "192.0.2.7" }, node, port.containerPort), `${node}:${port.containerPort}`);
                assert.ok(!reach(stranger, node, port.containerPort), `${node}:${port.containerPort}`);
            }
        }
    });
});

describe("network isolation: settings", () => {
    it("listed client networks and namespaces reach the workers' and receiver's event, http-source and HTTPS store-API ports, and nothing else", async () => {
        const run = await runFixture("in-cluster", (config) => {
            setPath(config, "networkPolicies.clients.cidrs", ["192.0.2.0/24"]);
            setPath(config, "networkPolicies.clients.namespaces", ["publishers"]);
            setPath(config, "httpSourcePorts", [8280, 8006]);
        });
        const w = world(run);
        const publishers: Endpoint[] = [{ ip: "192.0.2.7" }, { namespace: "publishers", labels: { app: "feeder" } }];
        const clientPorts = ["thrift", "thrift-ssl", "binary", "binary-ssl", "store-https", 8280, 8006];
        for (const node of resourceNodes) {
            for (const publisher of publishers) {
                for (const port of clientPorts) {
                    assert.ok(w.evaluator.canReach(publisher, w.pod(node), port), `${JSON.stringify(publisher)} → ${node}:${port}`);
                }
                assert.ok(!w.evaluator.canReach(publisher, w.pod(node), "https"), `${node}'s HTTPS API`);
                // The MSF4J default listener (every microservice, /siddhi-apps PUT and DELETE included) and the store API's plain HTTP.
                for (const adminPort of [9090, 7070]) {
                    assert.ok(!w.evaluator.canReach(publisher, w.pod(node), adminPort), `${JSON.stringify(publisher)} → ${node}:${adminPort}`);
                }
            }
        }
        for (const node of [...managers, "wso2sp-dashboard", "sp-rdbms"]) {
            for (const port of w.pod(node).ports ?? []) {
                publishers.forEach((publisher) => assert.ok(!w.evaluator.canReach(publisher, w.pod(node), port.containerPort), `${node}:${port.containerPort}`));
            }
        }
        assert.ok(!w.evaluator.canReach({ ip: "198.51.100.1" }, w.pod("wso2sp-worker"), 8280), "an unlisted network");
    });

    it("a manager without an Ingress host is not reachable from the ingress controller; the dashboard still is", async () => {
        const w = world(await runFixture("in-cluster", (config) => setPath(config, "ingress.hosts.manager1", "")));
        assert.ok(!w.evaluator.canReach(ingressNginx, w.pod("wso2sp-manager-1"), managerPorts.manager1));
        assert.ok(w.evaluator.canReach(ingressNginx, w.pod("wso2sp-manager-2"), managerPorts.manager2));
        assert.ok(w.evaluator.canReach(ingressNginx, w.pod("wso2sp-dashboard"), "https"));
    });

    it("another ingress controller is admitted by its namespace and labels, in place of NGINX", async () => {
        const w = world(
            await runFixture("in-cluster", (config) => {
                setPath(config, "networkPolicies.ingressController.namespace", "traefik");
                setPath(config, "networkPolicies.ingressController.podLabels", "app.kubernetes.io/name=traefik,app.kubernetes.io/instance=traefik-traefik");
            }),
        );
        const traefik: Pod = { namespace: "traefik", labels: { "app.kubernetes.io/name": "traefik", "app.kubernetes.io/instance": "traefik-traefik" } };
        assert.ok(w.evaluator.canReach(traefik, w.pod("wso2sp-dashboard"), "https"));
        assert.ok(!w.evaluator.canReach({ ...traefik, labels: { "app.kubernetes.io/name": "traefik" } }, w.pod("wso2sp-dashboard"), "https"), "both labels are required");
        assert.ok(!w.evaluator.canReach(ingressNginx, w.pod("wso2sp-dashboard"), "https"));
    });

    it("appEgress lets the workers' and receiver's Siddhi apps reach the listed destinations only", async () => {
        const w = world(await runFixture("in-cluster", (config) => setPath(config, "networkPolicies.appEgress", [{ cidrs: ["198.51.100.0/24"], ports: [443] }])));
        const sink: Endpoint = { ip: "198.51.100.20" };
        resourceNodes.forEach((node) => assert.ok(w.evaluator.canReach(w.pod(node), sink, 443), node));
        assert.ok(!w.evaluator.canReach(w.pod("wso2sp-worker"), sink, 80));
        assert.ok(!w.evaluator.canReach(w.pod("wso2sp-manager-1"), sink, 443));
    });

    it("an appEgress entry without ports is refused: an egress rule with no port would open every port", async () => {
        const error = await runFixture("in-cluster", (config) => setPath(config, "networkPolicies.appEgress", [{ cidrs: ["198.51.100.0/24"], ports: [] }])).then(
            () => assert.fail("accepted"),
            (thrown: Error) => thrown.message,
        );
        assert.deepEqual(registeredBeforeError().filter((resource) => resource.type.startsWith("kubernetes:")), []);
        const line = error.split("\n").find((text) => text.includes("wso2-sp:networkPolicies.appEgress[0].ports "));
        assert.ok(line, error);
        assert.match(line, /must list at least one port/);
    });

    it("networkPolicies.enabled false deploys no NetworkPolicy", async () => {
        const run = await runFixture("in-cluster", (config) => setPath(config, "networkPolicies.enabled", false));
        assert.deepEqual(objectsOfKind(run, "NetworkPolicy"), []);
    });

    it("an external dependency without CIDRs is refused while policies are on, naming the setting and the fix", async () => {
        const error = await runFixture("external", (config) => setPath(config, "networkPolicies.externalCidrs.kafka", [])).then(
            () => assert.fail("accepted"),
            (thrown: Error) => thrown.message,
        );
        assert.deepEqual(registeredBeforeError().filter((resource) => resource.type.startsWith("kubernetes:")), []);
        const line = error.split("\n").find((text) => text.includes("wso2-sp:networkPolicies.externalCidrs.kafka "));
        assert.ok(line, error);
        assert.match(line, /kafka-1\.prod\.example\.com:9092/);
        assert.match(line, /pulumi config set --path 'networkPolicies\.externalCidrs\.kafka\[0\]' \d+\.\d+\.\d+\.\d+\/\d+/);
        assert.match(line, /networkPolicies\.enabled false/);
        await runFixture("external", (config: StackConfig) => {
            setPath(config, "networkPolicies.externalCidrs.kafka", []);
            setPath(config, "networkPolicies.enabled", false);
        });
    });

    for (const [setting, value, message] of [
        ["networkPolicies.clients.cidrs", ["0.0.0.0/0"], /must not admit every address/],
        ["networkPolicies.clients.cidrs", ["10.0.0.300/8"], /must be a CIDR/],
        ["networkPolicies.ingressController.podLabels", "app.kubernetes.io/name", /pod labels "key=value,key=value"/],
    ] as const) {
        it(`${setting} = ${JSON.stringify(value)} is refused`, async () => {
            const error = await runFixture("in-cluster", (config) => setPath(config, setting, value)).then(
                () => assert.fail("accepted"),
                (thrown: Error) => thrown.message,
            );
            assert.match(error, message);
            assert.match(error, new RegExp(`wso2-sp:${setting.replace(/\./g, "\\.")}`));
        });
    }
});

describe("network isolation: MySQL, Kafka and ZooKeeper outside the cluster", () => {
    let w: ReturnType<typeof world>;
    before(async () => {
        w = world(await sharedFixture("external"));
    });
    // Addresses within the fixture's networkPolicies.externalCidrs.
    const database = { ip: "10.20.1.5" };
    const kafka = { ip: "10.20.2.5" };
    const zookeeper = { ip: "10.20.3.5" };

    const preflightPods = () => [...w.pods.keys()].filter((name) => /-preflight-[0-9a-f]{10}$/.test(name));

    it("runs no MySQL, Kafka or ZooKeeper of its own", () => {
        // Besides the SP nodes (the workers' pods by ordinal) only Jobs run, whose names carry a digest: siddhi-apps, its reconciler, and each node's preflight ones.
        const jobs = (name: string) =>
            name
                .replace(/^wso2sp-siddhi-apps-reconciler-.*/, "wso2sp-siddhi-apps-reconciler")
                .replace(/^wso2sp-siddhi-apps-[0-9a-f]+$/, "wso2sp-siddhi-apps")
                .replace(/-preflight-[0-9a-f]{10}$/, "-preflight")
                .replace(/^wso2sp-worker-\d+$/, "wso2sp-worker");
        assert.deepEqual(
            [...new Set([...w.pods.keys()].map(jobs))].sort(),
            [...spNodes, ...spNodes.map((node) => `${node}-preflight`), "wso2sp-siddhi-apps", "wso2sp-siddhi-apps-reconciler"].sort(),
        );
    });

    it("preflight pods, which only read what they mount, reach nothing and nothing reaches them (default deny)", () => {
        assert.ok(preflightPods().length >= spNodes.length);
        for (const name of preflightPods()) {
            assert.ok(!w.evaluator.canReach(w.pod(name), database, 3306), `${name} → database`);
            assert.ok(!w.evaluator.canReach(w.pod(name), kafka, 9092), `${name} → Kafka`);
            assert.ok(!w.evaluator.canReach(w.pod(name), w.pod("wso2sp-manager-1"), 9543), `${name} → manager`);
            assert.ok(!w.evaluator.canReach(w.pod("wso2sp-manager-1"), w.pod(name), 9543), `manager → ${name}`);
        }
    });

    it("SP nodes reach the database and Kafka networks on their ports; managers alone reach ZooKeeper's", () => {
        for (const node of [...managers, ...resourceNodes]) {
            assert.ok(w.evaluator.canReach(w.pod(node), database, 3306), `${node} → database`);
            assert.ok(w.evaluator.canReach(w.pod(node), kafka, 9092), `${node} → Kafka`);
            assert.ok(!w.evaluator.canReach(w.pod(node), database, 9092), `${node} → database network on the Kafka port`);
        }
        managers.forEach((manager) => assert.ok(w.evaluator.canReach(w.pod(manager), zookeeper, 2181), manager));
        resourceNodes.forEach((node) => assert.ok(!w.evaluator.canReach(w.pod(node), zookeeper, 2181), node));
        assert.ok(!w.evaluator.canReach(w.pod("wso2sp-manager-1"), { ip: "10.20.4.5" }, 3306), "another network");
    });

    it("the dashboard reaches the database network on the database port, and neither Kafka's nor ZooKeeper's", () => {
        const dashboard = w.pod("wso2sp-dashboard");
        assert.ok(w.evaluator.canReach(dashboard, database, 3306));
        assert.ok(!w.evaluator.canReach(dashboard, database, 9092), "the database network on the Kafka port");
        assert.ok(!w.evaluator.canReach(dashboard, { ip: "10.20.4.5" }, 3306), "another network");
        assert.ok(!w.evaluator.canReach(dashboard, kafka, 9092));
        assert.ok(!w.evaluator.canReach(dashboard, zookeeper, 2181));
    });

    it("keeps the SP nodes' paths among themselves and from the ingress controller", () => {
        resourceNodes.forEach((node) => managers.forEach((manager) => assert.ok(w.evaluator.canReach(w.pod(node), w.pod(manager), "https"))));
        managers.forEach((manager) => assert.ok(w.evaluator.canReach(ingressNginx, w.pod(manager), "https")));
        assert.ok(!w.evaluator.canReach(stranger, w.pod("wso2sp-manager-1"), "https"));
    });
});

describe("network isolation: an external ZooKeeper with Kafka in the cluster", () => {
    it("the in-cluster Kafka and the managers reach the ZooKeeper network; nothing runs ZooKeeper in the namespace", async () => {
        const w = world(
            await runFixture("in-cluster", (config) => {
                setPath(config, "zookeeper.inCluster", false);
                setPath(config, "zookeeper.connect", "zk-a.example.com:2182,zk-b.example.com:2182");
                setPath(config, "networkPolicies.externalCidrs.zookeeper", ["10.20.3.0/24"]);
            }),
        );
        const zookeeper = { ip: "10.20.3.5" };
        for (const client of ["kafka-service", ...managers]) {
            assert.ok(w.evaluator.canReach(w.pod(client), zookeeper, 2182), client);
            assert.ok(!w.evaluator.canReach(w.pod(client), zookeeper, zookeeperPorts.client), `${client}: the port comes from zookeeper.connect`);
        }
        assert.ok(!w.evaluator.canReach(w.pod("wso2sp-worker"), zookeeper, 2182));
        assert.ok(!zookeepers.some((name) => w.pods.has(name)));
    });
});

describe("network isolation: other pods that call the managers' API", () => {
    it("a listed client (the Siddhi-apps sync Job) reaches both managers' HTTPS API and nothing else", () => {
        const node = (name: string, kind: SpNodeSpec["kind"], port: number, offset: number): SpNodeSpec =>
            ({ name, kind, nodePort: port, listeners: listenersOf(kind === "dashboard" ? "dashboard" : kind === "manager" ? "manager" : "worker", offset, port), ingressHost: "", dependsOn: [] as SpNodeSpec["dependsOn"] }) as SpNodeSpec;
        const nodes = [node("wso2sp-manager-1", "manager", managerPorts.manager1, 0), node("wso2sp-manager-2", "manager", managerPorts.manager2, 1), node("wso2sp-worker", "worker", 9443, 0)];
        const jobLabels = { "app.kubernetes.io/name": "wso2sp", "app.kubernetes.io/instance": "wso2sp-siddhi-apps" };
        const flows = deploymentFlows({
            nodes,
            endpoints: { database: { host: "sp-rdbms", port: mysqlPort, username: "wso2carbon", tls: false }, kafkaBootstrapServers: `kafka-service:${kafkaPort}`, zookeeperConnect: `zoo1:${zookeeperPorts.client}` },
            inCluster: { database: true, kafka: true, zookeeper: true },
            settings: {
                enabled: true,
                ingressController: { namespace: "ingress-nginx", podLabels: {} },
                dns: { namespace: "kube-system", podLabels: { "k8s-app": "kube-dns" }, port: 53 },
                clients: { cidrs: [], namespaces: [] },
                externalCidrs: { database: [], kafka: [], zookeeper: [] },
                appEgress: [],
            },
            managerApiClients: [{ kind: "pods", policyName: "wso2sp-siddhi-apps", labels: jobLabels }],
        });
        const evaluator = new NetworkPolicyEvaluator(networkPolicies(flows).map(({ name, spec }) => ({ metadata: { name, namespace: "wso2" }, spec }) as NetworkPolicy));
        const pod = (instance: string): Pod => ({ namespace: "wso2", labels: { "app.kubernetes.io/name": "wso2sp", "app.kubernetes.io/instance": instance } });
        const job = pod("wso2sp-siddhi-apps");
        assert.ok(evaluator.canReach(job, pod("wso2sp-manager-1"), managerPorts.manager1));
        assert.ok(evaluator.canReach(job, pod("wso2sp-manager-2"), managerPorts.manager2));
        assert.ok(!evaluator.canReach(job, pod("wso2sp-manager-1"), 9090), "the manager's plain HTTP port");
        assert.ok(!evaluator.canReach(job, pod("wso2sp-worker"), 9443));
        assert.ok(!evaluator.canReach(job, { namespace: "wso2", labels: { "app.kubernetes.io/name": "mysql" } }, mysqlPort));
        assert.ok(!evaluator.canReach(job, internet, 443));
    });
});
