import * as admissionv1 from "@pulumi/kubernetes/admissionregistration/v1";
import * as pulumi from "@pulumi/pulumi";
import { commonLabels } from "../config/names";
import { inlineNfsAdmission } from "../kube/admission";

export interface InlineNfsAdmissionArgs {
    /** The stack's namespace: names the cluster-scoped policy and binding. */
    stackNamespace: string;
    /** Namespaces whose pods may still use inline `nfs:` volumes (none by default). */
    exemptNamespaces?: string[];
}

/**
 * The optional admission rule that forbids inline NFS volumes (kube/admission.ts
 * `inlineNfsAdmission`): the stack creates it only when asked, as it is cluster-wide and needs
 * rights on admissionregistration.k8s.io that a namespace owner may not have.
 */
export class InlineNfsAdmission extends pulumi.ComponentResource {
    public readonly policyName: pulumi.Output<string>;

    constructor(name: string, args: InlineNfsAdmissionArgs, opts?: pulumi.ComponentResourceOptions) {
        super("wso2sp:admission:InlineNfsAdmission", name, {}, opts);

        const { policy, binding } = inlineNfsAdmission(args.stackNamespace, args.exemptNamespaces ?? []);
        const created = new admissionv1.ValidatingAdmissionPolicy(name, { metadata: { ...policy.metadata, labels: commonLabels }, spec: policy.spec }, { parent: this });
        new admissionv1.ValidatingAdmissionPolicyBinding(
            name,
            { metadata: { ...binding.metadata, labels: commonLabels }, spec: binding.spec },
            { parent: this, dependsOn: [created] },
        );
        this.policyName = created.metadata.name;
        this.registerOutputs({ policyName: this.policyName });
    }
}
