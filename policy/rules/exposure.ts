/**
 * Who can reach the pods: every pod of the stack is selected by a NetworkPolicy in each direction,
 * so only the flows that are allowed get through.
 */
import type { StackValidationPolicy } from "@pulumi/policy";
import { parseKubernetesType, workloadPod, type LabelSelector, selectorMatches } from "./workloads";

// network-policy-coverage

interface NetworkPolicySpec {
    podSelector?: LabelSelector;
    policyTypes?: string[];
    egress?: unknown[];
}

/** The directions a NetworkPolicy isolates: as written, or by Kubernetes' default (Ingress, and Egress when it has egress rules). */
export function policyTypesOf(spec: NetworkPolicySpec): string[] {
    return spec.policyTypes ?? ["Ingress", ...(spec.egress ? ["Egress"] : [])];
}

export const networkPolicyCoverage: StackValidationPolicy = {
    name: "network-policy-coverage",
    description: "Every workload's pods must be selected by a NetworkPolicy of their namespace for Ingress and for Egress, " +
        "so that they accept and open only the connections an allow-list grants.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const networkPolicies = args.resources
            .filter((resource) => {
                const type = parseKubernetesType(resource.type);
                return type?.group === "networking.k8s.io" && type.kind === "NetworkPolicy";
            })
            .map((resource) => ({
                namespace: (resource.props.metadata as { namespace?: string } | undefined)?.namespace,
                spec: (resource.props.spec ?? {}) as NetworkPolicySpec,
            }));
        for (const resource of args.resources) {
            const pod = workloadPod(resource);
            if (!pod) {
                continue;
            }
            // Compared as given: a namespace not known yet in a preview is undefined on both sides.
            const namespace = (resource.props.metadata as { namespace?: string } | undefined)?.namespace;
            const selecting = networkPolicies.filter((policy) => policy.namespace === namespace && selectorMatches(policy.spec.podSelector, pod.labels));
            const open = ["Ingress", "Egress"].filter((direction) => !selecting.some((policy) => policyTypesOf(policy.spec).includes(direction)));
            if (open.length > 0) {
                reportViolation(`${resource.type} ${resource.name}: no NetworkPolicy of its namespace selects its pods for ${open.join(" and ")}; ` +
                    "add a default-deny policy (podSelector: {}) and allow-lists.", resource.urn);
            }
        }
    },
};
