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
