/**
 * Who talks to whom: the vocabulary in which the program describes its traffic (groups of pods,
 * other namespaces, outside addresses, ports), shared by what declares a group of pods (the Siddhi
 * apps job in config/siddhiApps.ts) and what turns the flows into NetworkPolicies
 * (kube/networkPolicies.ts).
 */
type Labels = Record<string, string>;
type Protocol = "TCP" | "UDP";

/** Pods of the deployment's own namespace; `policyName` names the NetworkPolicy that admits their traffic. */
export interface Pods {
    kind: "pods";
    policyName: string;
    /** Their labels; empty selects every pod of the namespace. */
    labels: Labels;
}

/** Pods of another namespace (every pod of it when `labels` is empty). */
export interface NamespacePods {
    kind: "namespace";
    namespace: string;
    labels: Labels;
}

/** Addresses outside the cluster's pod network. */
export interface Addresses {
    kind: "addresses";
    cidrs: string[];
}

export type Peer = Pods | NamespacePods | Addresses;

export interface Port {
    port: number;
    protocol: Protocol;
}

/** One permitted path: `from` may open connections to `to` on `ports`. */
export interface Flow {
    from: Peer;
    to: Peer;
    ports: Port[];
}

export const tcp = (port: number): Port => ({ port, protocol: "TCP" });
