import type * as inputs from "@pulumi/kubernetes/types/input";
import type { ListenerRole } from "../config/listeners";
import { appNames, zookeeperPorts } from "../config/names";
import type { Endpoints, SpNodeSpec } from "../config/nodes";
import type { Settings } from "../config/settings";
import { type Flow, type Peer, type Pods, type Port, tcp } from "../config/traffic";
import { appSelector, workloadSelector } from "./workloads";

type NetworkPolicyPeer = inputs.networking.v1.NetworkPolicyPeer;
type NetworkPolicyRule = { ports: Port[] } & ({ from: NetworkPolicyPeer[] } | { to: NetworkPolicyPeer[] });

/** A NetworkPolicy's name and spec, before it is given a namespace. */
export interface NamedPolicy {
    name: string;
    spec: inputs.networking.v1.NetworkPolicySpec;
}

/** The policy that isolates every pod of the namespace in both directions: what is not allowed below is refused. */
export const defaultDenyPolicyName = "default-deny";

/**
 * The namespace's NetworkPolicies: a default deny, and for each group of pods one policy whose
 * ingress rules are the flows towards it and whose egress rules are the flows from it. A flow
 * between two groups of the namespace therefore appears twice (egress of the client, ingress of
 * the server), as Kubernetes requires both sides to allow a connection.
 */
export function networkPolicies(flows: Flow[]): NamedPolicy[] {
    const groups = new Map<string, Pods>();
    for (const peer of flows.flatMap((flow) => [flow.from, flow.to])) {
        if (peer.kind === "pods") {
            const known = groups.get(peer.policyName);
            if (known && JSON.stringify(known.labels) !== JSON.stringify(peer.labels)) {
                throw new Error(`network policy ${peer.policyName} is given two pod selectors`);
            }
            groups.set(peer.policyName, peer);
        }
    }
    const rules = (pods: Pods, direction: "from" | "to"): NetworkPolicyRule[] =>
        direction === "from"
            ? flows.filter((flow) => samePods(flow.to, pods)).map((flow) => ({ from: policyPeers(flow.from), ports: flow.ports }))
            : flows.filter((flow) => samePods(flow.from, pods)).map((flow) => ({ to: policyPeers(flow.to), ports: flow.ports }));
    const perGroup = [...groups.values()].map((pods): NamedPolicy => {
        const ingress = mergeSamePorts(rules(pods, "from"));
        const egress = mergeSamePorts(rules(pods, "to"));
        return {
            name: pods.policyName,
            spec: {
                podSelector: { matchLabels: pods.labels },
                policyTypes: [...(ingress.length > 0 ? ["Ingress"] : []), ...(egress.length > 0 ? ["Egress"] : [])],
                ...(ingress.length > 0 ? { ingress } : {}),
                ...(egress.length > 0 ? { egress } : {}),
            },
        };
    });
    return [{ name: defaultDenyPolicyName, spec: { podSelector: {}, policyTypes: ["Ingress", "Egress"] } }, ...perGroup];
}

/** Rules with the same ports become one rule listing every peer. */
function mergeSamePorts(rules: NetworkPolicyRule[]): NetworkPolicyRule[] {
    const merged = new Map<string, NetworkPolicyRule>();
    for (const rule of rules) {
        const key = JSON.stringify(rule.ports);
        const known = merged.get(key);
        if (!known) {
            merged.set(key, { ...rule });
        } else if ("from" in known && "from" in rule) {
            known.from = [...known.from, ...rule.from];
        } else if ("to" in known && "to" in rule) {
            known.to = [...known.to, ...rule.to];
        }
    }
    return [...merged.values()];
}

function samePods(peer: Peer, pods: Pods): boolean {
    return peer.kind === "pods" && peer.policyName === pods.policyName;
}

function policyPeers(peer: Peer): NetworkPolicyPeer[] {
    switch (peer.kind) {
        case "pods":
            return [{ podSelector: { matchLabels: peer.labels } }];
        case "namespace":
            // The API server labels every namespace with its name (Kubernetes 1.21 and later).
            return [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": peer.namespace } }, podSelector: { matchLabels: peer.labels } }];
        case "addresses":
            // An empty peer list would admit every address.
            if (peer.cidrs.length === 0) {
                throw new Error("a network policy peer needs at least one CIDR");
            }
            return peer.cidrs.map((cidr) => ({ ipBlock: { cidr } }));
    }
}

/** What the deployment's allow-lists are generated from: the same data that names its Services and ports. */
export interface DeploymentTraffic {
    /** The SP nodes (config/nodes.ts): names, listeners and their roles, Ingress hosts. */
    nodes: SpNodeSpec[];
    /** Where SP finds MySQL, Kafka and ZooKeeper, in the cluster or outside; the ports come from here. */
    endpoints: Endpoints;
    /** Which dependencies run in the namespace. */
    inCluster: { database: boolean; kafka: boolean; zookeeper: boolean };
    /** The networkPolicies settings. */
    settings: Settings["networkPolicies"];
    /** Other pods of the namespace that call the managers' HTTPS API (a Siddhi-apps sync Job). */
    managerApiClients: Pods[];
}

/**
 * Ports of the event publishers and store-query clients outside the deployment: event and data
 * ports only, never a node's API (its HTTPS one, or the plain `pod-local` ones no policy names).
 */
const clientRoles: ListenerRole[] = ["event-receiver", "http-source", "store-api"];

/**
 * Every path the deployment uses, from the product's sources (carbon-analytics v2.1.22, the version
 * SP 4.4.0 ships; docs/ports.md, docs/dependencies.md):
 * - workers and receiver → managers' HTTPS API: registration and heartbeats
 *   (sp.distributed.resource.core `HeartbeatSender`, to `resourceManagers` and to the leader's
 *   `httpsInterface`, a manager's Service name and NODE_PORT);
 * - leader manager → workers' and receiver's HTTPS API: deploying partial apps (sp.jobmanager.core
 *   `SiddhiAppDeployer`, to each worker's `httpsInterface`, its pod IP and NODE_PORT);
 * - dashboard → every SP node's HTTPS API: monitoring (status.dashboard.core `WorkerServiceStub`,
 *   `/managers/…` on managers, statistics on workers);
 * - every node that waits for the database (its `dependsOn`, config/nodes.ts) → MySQL: managers
 *   (SP_MGT_DB), workers and receiver (SP_WORKER_STATE_DB), dashboard (what users set up in its
 *   UIs, docs/dashboard.md);
 * - managers → ZooKeeper (topic creation, `KafkaSiddhiAppCreator`) and Kafka; workers and receiver
 *   → Kafka (the partial apps' Kafka sources and sinks use the bootstrap servers only); managers
 *   never call each other (they coordinate through SP_MGT_DB), workers never call each other (they
 *   exchange events through Kafka);
 * - Kafka → ZooKeeper and other brokers; ZooKeeper servers → each other; every pod → cluster DNS;
 * - the ingress controller → the node port of each node with an Ingress;
 * - the settings' clients → workers' and receiver's event receivers, apps' `http` sources and
 *   HTTPS store API (never 9090 or 7070, which listen on 127.0.0.1 only), and the
 *   workers' and receiver's Siddhi apps → the settings' `appEgress` destinations.
 */
export function deploymentFlows(traffic: DeploymentTraffic): Flow[] {
    const { nodes, endpoints, inCluster, settings } = traffic;
    const pods = (node: SpNodeSpec): Pods => ({ kind: "pods", policyName: node.name, labels: workloadSelector(appNames.sp, node.name) });
    const ofKinds = (...kinds: SpNodeSpec["kind"][]) => nodes.filter((node) => kinds.includes(node.kind));
    const managers = ofKinds("manager");
    const resourceNodes = ofKinds("worker", "receiver");
    const dashboards = ofKinds("dashboard");
    // A node that connects to the database waits for it first, so the two cannot drift apart.
    const databaseClients = nodes.filter((node) => node.dependsOn.some((dependency) => dependency.name === "database"));
    const listenerPorts = (node: SpNodeSpec, roles: ListenerRole[]) => node.listeners.filter((listener) => roles.includes(listener.role)).map((listener) => tcp(listener.port));
    const calls = (clients: SpNodeSpec[], servers: SpNodeSpec[], roles: ListenerRole[]): Flow[] =>
        clients.flatMap((client) => servers.map((server) => ({ from: pods(client), to: pods(server), ports: listenerPorts(server, roles) })));
    const dependency = (isInCluster: boolean, app: string, cidrs: string[]): Peer =>
        isInCluster ? { kind: "pods", policyName: app, labels: appSelector(app) } : { kind: "addresses", cidrs };
    const database = dependency(inCluster.database, appNames.mysql, settings.externalCidrs.database);
    const kafka = dependency(inCluster.kafka, appNames.kafka, settings.externalCidrs.kafka);
    const zookeeper = dependency(inCluster.zookeeper, appNames.zookeeper, settings.externalCidrs.zookeeper);
    const databasePorts = [tcp(endpoints.database.port)];
    const kafkaPorts = portsOf(endpoints.kafkaBootstrapServers);
    const zookeeperClientPorts = portsOf(endpoints.zookeeperConnect);
    const uses = (clients: SpNodeSpec[], server: Peer, ports: Port[]): Flow[] => clients.map((client) => ({ from: pods(client), to: server, ports }));
    const clientSources: Peer[] = [
        ...(settings.clients.cidrs.length > 0 ? [{ kind: "addresses" as const, cidrs: settings.clients.cidrs }] : []),
        ...settings.clients.namespaces.map((namespace) => ({ kind: "namespace" as const, namespace, labels: {} })),
    ];
    const { ingressController, dns } = settings;

    return [
        ...calls(resourceNodes, managers, ["node-api"]),
        ...calls(managers, resourceNodes, ["node-api"]),
        ...calls(dashboards, [...managers, ...resourceNodes], ["node-api"]),
        ...traffic.managerApiClients.flatMap((client) => managers.map((manager) => ({ from: client, to: pods(manager), ports: listenerPorts(manager, ["node-api"]) }))),
        ...uses(databaseClients, database, databasePorts),
        ...uses(managers, zookeeper, zookeeperClientPorts),
        ...uses(managers, kafka, kafkaPorts),
        ...uses(resourceNodes, kafka, kafkaPorts),
        ...(inCluster.kafka
            ? [
                  { from: kafka, to: zookeeper, ports: zookeeperClientPorts },
                  { from: kafka, to: kafka, ports: kafkaPorts },
              ]
            : []),
        ...(inCluster.zookeeper ? [{ from: zookeeper, to: zookeeper, ports: Object.values(zookeeperPorts).map(tcp) }] : []),
        ...nodes
            .filter((node) => node.ingressHost !== "")
            .map((node) => ({
                from: { kind: "namespace" as const, namespace: ingressController.namespace, labels: ingressController.podLabels },
                to: pods(node),
                // The port the node's Ingress forwards to (components/spNode.ts).
                ports: [tcp(node.nodePort)],
            })),
        ...clientSources.flatMap((source) => resourceNodes.map((node) => ({ from: source, to: pods(node), ports: listenerPorts(node, clientRoles) }))),
        ...settings.appEgress.flatMap(({ cidrs, ports }) => uses(resourceNodes, { kind: "addresses", cidrs }, ports.map(tcp))),
        {
            from: { kind: "pods", policyName: dnsPolicyName, labels: {} },
            to: { kind: "namespace", namespace: dns.namespace, labels: dns.podLabels },
            ports: [
                { port: dns.port, protocol: "UDP" },
                { port: dns.port, protocol: "TCP" },
            ],
        },
    ];
}

/** The policy that lets every pod of the namespace resolve names. */
export const dnsPolicyName = "allow-dns";

/** The distinct ports of a `host:port,host:port` list. */
function portsOf(addresses: string): Port[] {
    const ports = addresses.split(",").map((address) => Number(address.slice(address.lastIndexOf(":") + 1)));
    return [...new Set(ports)].map(tcp);
}
