/**
 * What a compromised container can do: no root, no privilege escalation, no capabilities beyond
 * the restricted Pod Security Standard, which the namespace also enforces.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { parseKubernetesType, workloadPod } from "./workloads";

// pods-not-root

export const podsNotRoot: ResourceValidationPolicy = {
    name: "pods-not-root",
    description: "Pods must not run as root: every container and initContainer needs an effective runAsNonRoot: true or " +
        "a non-zero runAsUser (container securityContext overrides the pod's), and runAsUser 0 is never allowed.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const pod = workloadPod(args);
        if (!pod) {
            return;
        }
        const podContext = pod.spec.securityContext ?? {};
        // Reported even when every container overrides it: the next container added would inherit it.
        if (podContext.runAsUser === 0) {
            reportViolation("pod securityContext.runAsUser is 0 (root).");
        }
        for (const { container, label } of pod.containers) {
            const own = container.securityContext ?? {};
            const runAsUser = own.runAsUser ?? podContext.runAsUser;
            const runAsNonRoot = own.runAsNonRoot ?? podContext.runAsNonRoot;
            if (own.runAsUser === 0) {
                reportViolation(`${label}: securityContext.runAsUser is 0 (root).`);
            } else if (runAsUser === 0) {
                reportViolation(`${label} inherits runAsUser 0 (root) from the pod securityContext.`);
            } else if (runAsUser === undefined && runAsNonRoot !== true) {
                reportViolation(`${label} may run as root: set securityContext.runAsNonRoot: true ` +
                    "or a non-zero securityContext.runAsUser on the container or the pod.");
            }
        }
    },
};

// containers-hardened

export const containersHardened: ResourceValidationPolicy = {
    name: "containers-hardened",
    description: "Every container and initContainer runs under a RuntimeDefault or Localhost seccomp profile (its own or the " +
        "pod's), with allowPrivilegeEscalation: false, not privileged, dropping ALL capabilities and adding none but " +
        "NET_BIND_SERVICE: the Pod Security Standard \"restricted\" beyond running as non-root.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const pod = workloadPod(args);
        if (!pod) {
            return;
        }
        for (const { container, label } of pod.containers) {
            const own = container.securityContext ?? {};
            const problems: string[] = [];
            const seccomp = own.seccompProfile?.type ?? pod.spec.securityContext?.seccompProfile?.type;
            if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost") {
                problems.push(`seccompProfile.type is ${seccomp === undefined ? "not set (Unconfined on most runtimes)" : JSON.stringify(seccomp)}; set RuntimeDefault`);
            }
            if (own.allowPrivilegeEscalation !== false) {
                problems.push("securityContext.allowPrivilegeEscalation must be false");
            }
            if (own.privileged === true) {
                problems.push("securityContext.privileged must not be true");
            }
            if (!(own.capabilities?.drop ?? []).includes("ALL")) {
                problems.push("securityContext.capabilities.drop must include ALL");
            }
            const added = (own.capabilities?.add ?? []).filter((capability) => capability !== "NET_BIND_SERVICE");
            if (added.length > 0) {
                problems.push(`securityContext.capabilities.add must not add ${added.join(", ")}`);
            }
            if (problems.length > 0) {
                reportViolation(`${label}: ${problems.join("; ")}.`);
            }
        }
    },
};

// namespace-enforces-restricted

const POD_SECURITY_ENFORCE = "pod-security.kubernetes.io/enforce";

export const namespaceEnforcesRestricted: ResourceValidationPolicy = {
    name: "namespace-enforces-restricted",
    description: `Namespaces carry the Pod Security Admission label ${POD_SECURITY_ENFORCE}: restricted, so the API server ` +
        "itself refuses a pod that would weaken the deployment (whoever creates it).",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const type = parseKubernetesType(args.type);
        if (type?.group !== "core" || type.kind !== "Namespace") {
            return;
        }
        const labels = (args.props.metadata as { labels?: Record<string, unknown> } | undefined)?.labels ?? {};
        const level = labels[POD_SECURITY_ENFORCE];
        if (level !== "restricted") {
            reportViolation(`metadata.labels["${POD_SECURITY_ENFORCE}"] is ${level === undefined ? "not set" : JSON.stringify(level)}; set it to "restricted".`);
        }
    },
};
