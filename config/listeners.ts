/**
 * What each SP profile listens on, and how the port offset moves it: the one description that
 * container ports, Service ports, probes, Ingress backends and network policies derive from.
 *
 * From the SP 4.4.0 sources (docs/ports.md, with the upstream files it was read from): the HTTP(S)
 * listeners keep the port written in `deployment.yaml` (9090, `${NODE_PORT}`, 7070/7443, 9643), while
 * `wso2.carbon.ports.offset` (`OFFSET`) moves the data-bridge event receivers: Thrift 7611/7711 by
 * the offset, Binary 9611/9711 by the offset plus one (carbon-analytics-common 6.1.26
 * `BinaryDataReceiverConfiguration.getPortOffset`, docs/ports.md). The confs/ files write these ports.
 *
 * The MSF4J `default` listener (9090, which serves every SP microservice in clear text, app
 * deployment included) and the store API's plain HTTP (7070) are bound to 127.0.0.1 in
 * confs/manager and confs/worker (role `pod-local`): no inter-node call uses them (docs/ports.md),
 * so they are no container or Service port and no NetworkPolicy admits anyone to them;
 * `kubectl port-forward` still reaches them from inside the pod.
 */

export type SpProfile = "manager" | "worker" | "dashboard";

/** Who a listener serves; network policies decide sources by role. */
export type ListenerRole =
    /** The node's own HTTPS REST API (`NODE_PORT`): managers and workers call each other here, the dashboard monitors it. */
    | "node-api"
    /**
     * The ports the apps' Siddhi `http` sources listen on: siddhi-io-http opens a listener of its own
     * at each `receiver.url` (docs/ports.md), declared by the `httpSourcePorts` setting.
     */
    | "http-source"
    /** Data-bridge event receivers (Thrift, Binary; TCP and SSL). */
    | "event-receiver"
    /** Siddhi store query API over HTTPS (7443); its plain HTTP 7070 is local to the pod. */
    | "store-api"
    /**
     * Bound to 127.0.0.1 (each profile's deployment.yaml in confs/): the MSF4J `default` listener 9090 and the store
     * API's plain HTTP 7070. Reachable from inside the pod only; no container or Service port.
     */
    | "pod-local"
    /** The status dashboard's UIs (HTTPS). */
    | "dashboard-ui";

/** A port an SP server listens on. */
export interface Listener {
    /** Port name: a Kubernetes IANA_SVC_NAME (at most 15 characters). */
    name: string;
    port: number;
    role: ListenerRole;
}

interface ListenerSpec {
    name: string;
    /** The port written in deployment.yaml; `node` for the node's own `${NODE_PORT}`. */
    port: number | "node";
    role: ListenerRole;
    /** How `wso2.carbon.ports.offset` moves it: not at all, by the offset, or by the offset plus one. */
    movedBy: "nothing" | "offset" | "offset+1";
}

const eventReceivers: ListenerSpec[] = [
    { name: "thrift", port: 7611, role: "event-receiver", movedBy: "offset" },
    { name: "thrift-ssl", port: 7711, role: "event-receiver", movedBy: "offset" },
    { name: "binary", port: 9611, role: "event-receiver", movedBy: "offset+1" },
    { name: "binary-ssl", port: 9711, role: "event-receiver", movedBy: "offset+1" },
];

const profiles: Record<SpProfile, ListenerSpec[]> = {
    manager: [
        { name: "http", port: 9090, role: "pod-local", movedBy: "nothing" },
        { name: "https", port: "node", role: "node-api", movedBy: "nothing" },
        ...eventReceivers,
    ],
    worker: [
        { name: "http", port: 9090, role: "pod-local", movedBy: "nothing" },
        { name: "https", port: "node", role: "node-api", movedBy: "nothing" },
        { name: "store-http", port: 7070, role: "pod-local", movedBy: "nothing" },
        { name: "store-https", port: 7443, role: "store-api", movedBy: "nothing" },
        ...eventReceivers,
    ],
    // Its deployment.yaml also configures data-bridge receivers (offset 2), but nothing in this
    // deployment sends events to the dashboard: only its HTTPS UI is declared and reachable.
    dashboard: [{ name: "https", port: "node", role: "dashboard-ui", movedBy: "nothing" }],
};

/** The two nodes of the worker profile: each one's port offset and own HTTPS port (`OFFSET`, `NODE_PORT`). */
export const workerProfileNodes = { worker: { offset: 0, nodePort: 9443 }, receiver: { offset: 1, nodePort: 9444 } } as const;

/**
 * The ports other pods reach a node of `profile` on, with its offset and its own HTTPS port, and
 * those of its apps' `http` sources (given for the workers only, which run the apps). Its container
 * and Service ports.
 */
export function listenersOf(profile: SpProfile, offset: number, nodePort: number, httpSourcePorts: number[] = []): Listener[] {
    const reachable = configuredListenersOf(profile, offset, nodePort).filter((listener) => listener.role !== "pod-local");
    const httpSources = httpSourcePorts.map((port): Listener => ({ name: `http-src-${port}`, port, role: "http-source" }));
    return [...reachable, ...httpSources];
}

/** Every listener the node's deployment.yaml configures, the `pod-local` ones included: the ports SP itself takes. */
export function configuredListenersOf(profile: SpProfile, offset: number, nodePort: number): Listener[] {
    const move = { nothing: 0, offset, "offset+1": offset + 1 };
    return profiles[profile].map(({ name, port, role, movedBy }) => ({
        name,
        role,
        port: port === "node" ? nodePort : port + move[movedBy],
    }));
}
