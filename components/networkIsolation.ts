import * as networkingv1 from "@pulumi/kubernetes/networking/v1";
import * as pulumi from "@pulumi/pulumi";
import { commonLabels } from "../config/names";
import type { Flow } from "../config/traffic";
import { networkPolicies } from "../kube/networkPolicies";

export interface NetworkIsolationArgs {
    /** Namespace whose pods the policies isolate. */
    namespace: pulumi.Input<string>;
    /** Every path the deployment uses (kube/networkPolicies.ts `deploymentFlows`); all others are refused. */
    flows: Flow[];
}

/**
 * The namespace's NetworkPolicies: a default deny for ingress and egress, and one allow-list per
 * group of pods generated from `flows`.
 */
export class NetworkIsolation extends pulumi.ComponentResource {
    constructor(name: string, args: NetworkIsolationArgs, opts?: pulumi.ComponentResourceOptions) {
        super("wso2sp:network:NetworkIsolation", name, {}, opts);

        for (const policy of networkPolicies(args.flows)) {
            new networkingv1.NetworkPolicy(
                `${name}-${policy.name}`,
                { metadata: { name: policy.name, namespace: args.namespace, labels: commonLabels }, spec: policy.spec },
                { parent: this },
            );
        }
        this.registerOutputs({});
    }
}
