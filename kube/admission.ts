/**
 * Namespace labels for Pod Security Admission: the API server refuses (enforce), records (audit) and
 * reports to the client (warn) any pod that breaks the "restricted" standard. Pinned to the
 * standard's version of the oldest supported cluster (README, Prerequisites) rather than `latest`,
 * so a cluster upgrade cannot start refusing pods on its own.
 */
export const podSecurityStandard = "restricted";
export const podSecurityVersion = "v1.27";

export const podSecurityAdmission: Record<string, string> = Object.fromEntries(
    ["enforce", "audit", "warn"].flatMap((mode) => [
        [`pod-security.kubernetes.io/${mode}`, podSecurityStandard],
        [`pod-security.kubernetes.io/${mode}-version`, podSecurityVersion],
    ]),
);

/**
 * A ValidatingAdmissionPolicy and its binding that refuse, in every namespace but `exemptNamespaces`,
 * a pod with an inline `nfs:` volume. NFS AUTH_SYS trusts whatever uid a client claims, so a pod
 * that names the export inline reads and writes the stack's code and data as 802 without any claim;
 * the stack's own pods mount their exports through PersistentVolumes, which this leaves alone.
 * Cluster-scoped objects: named after the stack's namespace so two stacks never share one.
 * admissionregistration.k8s.io/v1 serves these from Kubernetes 1.30.
 */
export function inlineNfsAdmission(stackNamespace: string, exemptNamespaces: string[]) {
    const name = `wso2sp-${stackNamespace}-no-inline-nfs`;
    return {
        policy: {
            metadata: { name },
            spec: {
                failurePolicy: "Fail",
                matchConstraints: {
                    resourceRules: [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["pods"] }],
                },
                validations: [
                    {
                        expression: "!has(object.spec.volumes) || object.spec.volumes.all(volume, !has(volume.nfs))",
                        message: "inline nfs volumes are not allowed: mount NFS exports through a PersistentVolume and claim",
                        reason: "Forbidden",
                    },
                ],
            },
        },
        binding: {
            metadata: { name },
            spec: {
                policyName: name,
                validationActions: ["Deny"],
                ...(exemptNamespaces.length > 0
                    ? {
                          matchResources: {
                              namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "NotIn", values: exemptNamespaces }] },
                          },
                      }
                    : {}),
            },
        },
    };
}
