/**
 * Answers "can A open a connection to B on port P" under Kubernetes NetworkPolicy semantics
 * (https://kubernetes.io/docs/concepts/services-networking/network-policies/), for the tests of the
 * program's allow-lists:
 * - a pod is isolated for a direction once any policy of its namespace selects it with that
 *   direction in its policyTypes (default: Ingress, plus Egress when the policy has egress rules);
 * - an isolated pod admits what the union of those policies' rules admits; a connection needs
 *   the egress side of the client and the ingress side of the server to allow it;
 * - a rule without peers admits every peer, a rule without ports every port; a peer is an ipBlock
 *   (CIDR minus exceptions, for addresses outside the pod network), a namespaceSelector, a
 *   podSelector (in the policy's own namespace) or both (pods matching both); a port is a number,
 *   a range (endPort), or a name resolved on the destination pod's container ports.
 * Addresses outside the cluster carry no policies of their own.
 */
import { policyTypesOf } from "../policy/rules/exposure";
import { type LabelSelector, selectorMatches } from "../policy/rules/workloads";

type Protocol = "TCP" | "UDP" | "SCTP";

/** A pod: its namespace, labels and container ports (for named ports). */
export interface Pod {
    namespace: string;
    labels: Record<string, string>;
    ports?: { name?: string; containerPort: number; protocol?: Protocol }[];
}

/** An address outside the pod network. */
export interface Address {
    ip: string;
}

export type Endpoint = Pod | Address;

interface PolicyPort {
    port?: number | string;
    endPort?: number;
    protocol?: Protocol;
}

interface PolicyPeer {
    podSelector?: LabelSelector;
    namespaceSelector?: LabelSelector;
    ipBlock?: { cidr: string; except?: string[] };
}

interface PolicyRule {
    from?: PolicyPeer[];
    to?: PolicyPeer[];
    ports?: PolicyPort[];
}

export interface NetworkPolicy {
    metadata: { name?: string; namespace: string };
    spec: { podSelector: LabelSelector; policyTypes?: string[]; ingress?: PolicyRule[]; egress?: PolicyRule[] };
}

export class NetworkPolicyEvaluator {
    /**
     * @param policies every NetworkPolicy of the cluster
     * @param namespaceLabels labels of namespaces beyond the `kubernetes.io/metadata.name` label every namespace carries
     */
    constructor(
        private readonly policies: NetworkPolicy[],
        private readonly namespaceLabels: Record<string, Record<string, string>> = {},
    ) {}

    /** Whether `from` can open a `protocol` connection to `to` on `port` (a number, or a name of `to`'s container ports). */
    canReach(from: Endpoint, to: Endpoint, port: number | string, protocol: Protocol = "TCP"): boolean {
        const number = typeof port === "number" ? port : isPod(to) ? namedPort(to, port, protocol) : undefined;
        if (number === undefined) {
            throw new Error(`the destination has no ${protocol} port named ${port}`);
        }
        return this.allows(from, "Egress", to, number, protocol) && this.allows(to, "Ingress", from, number, protocol);
    }

    /** The policies that select `pod` (for either direction). */
    selecting(pod: Pod): NetworkPolicy[] {
        return this.policies.filter((policy) => policy.metadata.namespace === pod.namespace && selectorMatches(policy.spec.podSelector, pod.labels));
    }

    /** Whether `subject`'s side of a connection with `peer` allows it; `port` is the server's port. */
    private allows(subject: Endpoint, direction: "Ingress" | "Egress", peer: Endpoint, port: number, protocol: Protocol): boolean {
        if (!isPod(subject)) {
            return true;
        }
        const isolating = this.selecting(subject).filter((policy) => policyTypesOf(policy.spec).includes(direction));
        if (isolating.length === 0) {
            return true;
        }
        const server = direction === "Ingress" ? subject : peer;
        return isolating.some((policy) =>
            (direction === "Ingress" ? (policy.spec.ingress ?? []) : (policy.spec.egress ?? [])).some(
                (rule) =>
                    this.peersAdmit(direction === "Ingress" ? rule.from : rule.to, policy.metadata.namespace, peer) &&
                    portsAdmit(rule.ports, server, port, protocol),
            ),
        );
    }

    private peersAdmit(peers: PolicyPeer[] | undefined, policyNamespace: string, endpoint: Endpoint): boolean {
        if (peers === undefined || peers.length === 0) {
            return true;
        }
        return peers.some((peer) => {
            if (peer.ipBlock) {
                return !isPod(endpoint) && inCidr(endpoint.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((cidr) => inCidr(endpoint.ip, cidr));
            }
            if (!isPod(endpoint)) {
                return false;
            }
            const namespaceMatches = peer.namespaceSelector
                ? selectorMatches(peer.namespaceSelector, { ...this.namespaceLabels[endpoint.namespace], "kubernetes.io/metadata.name": endpoint.namespace })
                : endpoint.namespace === policyNamespace;
            return namespaceMatches && selectorMatches(peer.podSelector ?? {}, endpoint.labels);
        });
    }
}

function isPod(endpoint: Endpoint): endpoint is Pod {
    return "namespace" in endpoint;
}

function namedPort(pod: Pod, name: string, protocol: Protocol): number | undefined {
    return pod.ports?.find((port) => port.name === name && (port.protocol ?? "TCP") === protocol)?.containerPort;
}

function portsAdmit(ports: PolicyPort[] | undefined, server: Endpoint, port: number, protocol: Protocol): boolean {
    if (ports === undefined || ports.length === 0) {
        return true;
    }
    return ports.some((entry) => {
        if ((entry.protocol ?? "TCP") !== protocol) {
            return false;
        }
        if (entry.port === undefined) {
            return true;
        }
        if (typeof entry.port === "string") {
            // A name means the port of that name on the destination pod; an address has none.
            return isPod(server) && namedPort(server, entry.port, protocol) === port;
        }
        return entry.endPort === undefined ? entry.port === port : entry.port <= port && port <= entry.endPort;
    });
}

/** IPv4 only: the tests' addresses. */
function inCidr(ip: string, cidr: string): boolean {
    const [network, bits] = cidr.split("/");
    const mask = Number(bits) === 0 ? 0 : (~0 << (32 - Number(bits))) >>> 0;
    return ((ipv4(ip) & mask) >>> 0) === ((ipv4(network) & mask) >>> 0);
}

function ipv4(address: string): number {
    const parts = address.split(".").map(Number);
    if (parts.length !== 4 || parts.some((part) => !Number.isInteger(part) || part < 0 || part > 255)) {
        throw new Error(`not an IPv4 address: ${address}`);
    }
    return parts.reduce((value, part) => value * 256 + part, 0);
}
