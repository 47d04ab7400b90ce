import * as policyv1 from "@pulumi/kubernetes/policy/v1";
import type * as pulumi from "@pulumi/pulumi";

export interface DisruptionBudgetArgs {
    namespace: pulumi.Input<string>;
    /** Object name. */
    name: string;
    labels: Record<string, string>;
    /** Pods the budget protects. */
    selector: Record<string, string>;
    /** Pods that a voluntary disruption (a drain, an eviction) must leave running. */
    minAvailable: number;
}

/**
 * A PodDisruptionBudget: `kubectl drain` and other evictions wait rather than take more of the
 * selected pods than the budget allows. A pod that is not ready (crash-looping) may still be evicted,
 * so a broken pod never blocks a drain.
 */
export function disruptionBudget(resourceName: string, args: DisruptionBudgetArgs, opts?: pulumi.CustomResourceOptions): policyv1.PodDisruptionBudget {
    return new policyv1.PodDisruptionBudget(
        resourceName,
        {
            metadata: { name: args.name, namespace: args.namespace, labels: args.labels },
            spec: { minAvailable: args.minAvailable, selector: { matchLabels: args.selector }, unhealthyPodEvictionPolicy: "AlwaysAllow" },
        },
        opts,
    );
}
