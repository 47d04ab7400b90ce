/**
 * What keeps the deployment serving and its data kept: sized and probed containers, retained
 * volumes, and disruption budgets for what runs replicated.
 */
import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { parseKubernetesType, workloadPod, type LabelSelector, selectorMatches } from "./workloads";

// container-resources-and-readiness

function isUnset(value: unknown): boolean {
    return value === undefined || value === null || value === "";
}

export const containerResourcesAndReadiness: ResourceValidationPolicy = {
    name: "container-resources-and-readiness",
    description: "Every container must declare a memory request and limit (the JVM-based SP nodes are otherwise " +
        "OOM-killed or starve their node) and a readinessProbe (so Services only route to started nodes); " +
        "initContainers and the containers of Jobs need the memory request and limit only.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        // A Job's pods run to completion and no Service routes to them: readiness means nothing there.
        const runsToCompletion = parseKubernetesType(args.type)?.group === "batch";
        for (const { container, init, label } of workloadPod(args)?.containers ?? []) {
            const required: [field: string, value: unknown][] = [
                ["resources.requests.memory", container.resources?.requests?.memory],
                ["resources.limits.memory", container.resources?.limits?.memory],
            ];
            // Kubernetes rejects probes on init containers (bar restartPolicy: Always sidecars): they
            // run to completion before the pod can serve traffic.
            if (!init && !runsToCompletion) {
                required.push(["readinessProbe", container.readinessProbe]);
            }
            const missing = required.filter(([, value]) => isUnset(value)).map(([field]) => field);
            if (missing.length > 0) {
                reportViolation(`${label} is missing ${missing.join(", ")}.`);
            }
        }
    },
};

// persistent-volume-retain

export const persistentVolumeRetain: ResourceValidationPolicy = {
    name: "persistent-volume-retain",
    description: "PersistentVolumes must set spec.persistentVolumeReclaimPolicy to \"Retain\" so that deleting a claim " +
        "(or the stack) never deletes the Siddhi state and database data behind it.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const type = parseKubernetesType(args.type);
        if (type?.group !== "core" || type.kind !== "PersistentVolume") {
            return;
        }
        const spec = args.props.spec as { persistentVolumeReclaimPolicy?: unknown } | undefined;
        const reclaimPolicy = spec?.persistentVolumeReclaimPolicy;
        if (reclaimPolicy !== "Retain") {
            const actual = reclaimPolicy === undefined ? "is not set" : `is ${JSON.stringify(reclaimPolicy)}`;
            reportViolation(`spec.persistentVolumeReclaimPolicy ${actual}; it must be "Retain".`);
        }
    },
};

// disruption-budget-for-replicated-workloads

interface Workload {
    resource: PolicyResource;
    namespace: unknown;
    labels: Record<string, string>;
    replicas: number;
}

const NAME_LABEL = "app.kubernetes.io/name";
const COMPONENT_LABEL = "app.kubernetes.io/component";

/** Workloads whose pods serve as one: a replicated one, or several with one name and component (an HA pair, an ensemble). */
function replicatedGroups(workloads: Workload[]): Workload[][] {
    const groups = new Map<string, Workload[]>();
    workloads.forEach((workload, index) => {
        const name = workload.labels[NAME_LABEL];
        const component = workload.labels[COMPONENT_LABEL];
        const key = name !== undefined && component !== undefined ? `${String(workload.namespace)}/${name}/${component}` : `#${index}`;
        groups.set(key, [...(groups.get(key) ?? []), workload]);
    });
    return [...groups.values()].filter((group) => group.reduce((pods, workload) => pods + workload.replicas, 0) > 1);
}

export const disruptionBudgetForReplicatedWorkloads: StackValidationPolicy = {
    name: "disruption-budget-for-replicated-workloads",
    description: "Pods of a workload with more than one replica, or of several workloads with one app.kubernetes.io/name " +
        "and component (an HA pair, an ensemble), are covered by a PodDisruptionBudget, so a drain cannot take them all at once.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const workloads: Workload[] = [];
        const budgets: { namespace: unknown; selector: LabelSelector }[] = [];
        for (const resource of args.resources) {
            const type = parseKubernetesType(resource.type);
            const metadata = resource.props.metadata as { namespace?: unknown } | undefined;
            if (type?.group === "policy" && type.kind === "PodDisruptionBudget") {
                const selector = (resource.props.spec as { selector?: LabelSelector } | undefined)?.selector;
                // policy/v1: no selector covers no pod, an empty one every pod of the namespace.
                if (selector) {
                    budgets.push({ namespace: metadata?.namespace, selector });
                }
                continue;
            }
            const spec = resource.props.spec as { replicas?: number; template?: { metadata?: { labels?: Record<string, string> } } } | undefined;
            if (type && ["Deployment", "StatefulSet", "ReplicaSet"].includes(type.kind) && workloadPod(resource)) {
                workloads.push({ resource, namespace: metadata?.namespace, labels: spec?.template?.metadata?.labels ?? {}, replicas: spec?.replicas ?? 1 });
            }
        }
        // A namespace still unknown in a preview (an output) matches any.
        const sameNamespace = (a: unknown, b: unknown) => typeof a !== "string" || typeof b !== "string" || a === b;
        for (const group of replicatedGroups(workloads)) {
            for (const workload of group) {
                const covered = budgets.some((budget) => sameNamespace(budget.namespace, workload.namespace) && selectorMatches(budget.selector, workload.labels));
                if (!covered) {
                    const pods = group.reduce((total, each) => total + each.replicas, 0);
                    reportViolation(`${workload.resource.type} ${workload.resource.name}: its pods (${pods} in its group) are covered by no ` +
                        "PodDisruptionBudget; add one whose selector matches them.", workload.resource.urn);
                }
            }
        }
    },
};
