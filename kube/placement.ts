import type * as inputs from "@pulumi/kubernetes/types/input";
import { appNames } from "../config/names";
import type { SpNodeSpec } from "../config/nodes";
import { componentSelector, workloadSelector } from "./workloads";

/**
 * How strictly pods are kept apart: `required` makes the scheduler leave a pod pending rather than
 * break the rule; `preferred` lets a single-node test cluster run everything.
 */
export type PlacementMode = "required" | "preferred";

/** One failure domain per node: a drain or a node failure takes out what runs there. */
const nodeTopology = "kubernetes.io/hostname";

/** Keeps the pod off any node that runs a pod matching `peers` (the other manager, the other ZooKeeper servers). */
export function apartFrom(peers: Record<string, string>, mode: PlacementMode): inputs.core.v1.Affinity {
    const term = { labelSelector: { matchLabels: peers }, topologyKey: nodeTopology };
    return {
        podAntiAffinity:
            mode === "required"
                ? { requiredDuringSchedulingIgnoredDuringExecution: [term] }
                : { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: term }] },
    };
}

/**
 * Spreads the replicas matching `selector` evenly over the nodes (at most one more on any node than
 * on another). Nodes whose taints the pods do not tolerate (control planes) are not counted, or they
 * would hold the skew open forever.
 */
export function spreadOverNodes(selector: Record<string, string>, mode: PlacementMode): inputs.core.v1.TopologySpreadConstraint[] {
    return [
        {
            maxSkew: 1,
            topologyKey: nodeTopology,
            whenUnsatisfiable: mode === "required" ? "DoNotSchedule" : "ScheduleAnyway",
            labelSelector: { matchLabels: selector },
            nodeTaintsPolicy: "Honor",
        },
    ];
}

/** Both SP managers: kept apart from each other, and one of them kept through drains. */
export const spManagers = componentSelector(appNames.sp, "manager");

/** Scheduling per SP node kind: the managers apart from each other, the workers spread over nodes. */
export function scheduling(spec: SpNodeSpec, mode: PlacementMode): Pick<inputs.core.v1.PodSpec, "affinity" | "topologySpreadConstraints"> {
    return spec.kind === "manager"
        ? { affinity: apartFrom(spManagers, mode) }
        : spec.kind === "worker"
          ? { topologySpreadConstraints: spreadOverNodes(workloadSelector(appNames.sp, spec.name), mode) }
          : {};
}
