/**
 * What the rules read of Kubernetes resources: the fields of the core/v1 shapes, where each workload
 * kind keeps its pods, and which objects a label selector picks.
 */
import type { ResourceValidationArgs } from "@pulumi/policy";

// The rules dispatch on the resource type token and read `args.props` as plain objects, rather than
// going through `args.asType(k8s.apps.v1.Deployment)`, so that one walker covers every workload kind
// and API version and so the tests can feed literal objects without a Pulumi runtime.

// The fields of the Kubernetes core/v1 shapes these rules read; all optional, as inputs are unvalidated.

interface SecurityContext {
    runAsUser?: number;
    runAsNonRoot?: boolean;
    seccompProfile?: { type?: string };
    allowPrivilegeEscalation?: boolean;
    privileged?: boolean;
    capabilities?: { add?: string[]; drop?: string[] };
}

interface EnvVar {
    name?: string;
    value?: string;
}

export interface ExecHandler {
    exec?: { command?: string[] };
}

export interface Container {
    name?: string;
    image?: string;
    command?: string[];
    args?: string[];
    env?: EnvVar[];
    resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
    readinessProbe?: ExecHandler;
    livenessProbe?: ExecHandler;
    startupProbe?: ExecHandler;
    lifecycle?: { postStart?: ExecHandler; preStop?: ExecHandler };
    securityContext?: SecurityContext;
}

export interface PodSpec {
    containers?: Container[];
    initContainers?: Container[];
    securityContext?: SecurityContext;
}

/** A container together with how violation messages should name it. */
export interface ContainerRef {
    container: Container;
    init: boolean;
    label: string;
}

interface KubernetesType {
    group: string;
    version: string;
    kind: string;
}

/** Splits a `kubernetes:<group>/<version>:<Kind>` token; anything else (other providers, `kubernetes:yaml:…`) is not ours. */
export function parseKubernetesType(type: string): KubernetesType | undefined {
    const match = /^kubernetes:([^/:]+)\/([^/:]+):([^/:]+)$/.exec(type);
    return match ? { group: match[1], version: match[2], kind: match[3] } : undefined;
}

export function isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

const POD_TEMPLATE_SPEC = ["spec", "template", "spec"];

// Where the pod spec sits inside each built-in workload, keyed by `<group>/<Kind>` so that every
// version of a kind (apps/v1, apps/v1beta2, extensions/v1beta1, batch/v1beta1, …) is checked while a
// custom resource that reuses a kind name such as "Job" in its own group is not mistaken for one.
const POD_SPEC_PATHS: ReadonlyMap<string, readonly string[]> = new Map([
    ["core/Pod", ["spec"]],
    ["apps/Deployment", POD_TEMPLATE_SPEC],
    ["apps/StatefulSet", POD_TEMPLATE_SPEC],
    ["apps/DaemonSet", POD_TEMPLATE_SPEC],
    ["apps/ReplicaSet", POD_TEMPLATE_SPEC],
    ["extensions/Deployment", POD_TEMPLATE_SPEC],
    ["extensions/DaemonSet", POD_TEMPLATE_SPEC],
    ["extensions/ReplicaSet", POD_TEMPLATE_SPEC],
    ["batch/Job", POD_TEMPLATE_SPEC],
    ["batch/CronJob", ["spec", "jobTemplate", ...POD_TEMPLATE_SPEC]],
]);

/**
 * The pod spec of a workload resource and its init and app containers, or undefined when the
 * resource is not a workload. This is the only place that knows where each kind keeps its pods.
 */
export function workloadPod(args: Pick<ResourceValidationArgs, "type" | "props">):
    { spec: PodSpec; containers: ContainerRef[]; labels: Record<string, string> } | undefined {
    const type = parseKubernetesType(args.type);
    const path = type && POD_SPEC_PATHS.get(`${type.group}/${type.kind}`);
    if (!path) {
        return undefined;
    }
    let node: unknown = args.props;
    let podObject: unknown;
    for (const key of path) {
        podObject = node;
        node = isObject(node) ? node[key] : undefined;
    }
    if (!isObject(node)) {
        return undefined;
    }
    // The pod's labels sit in the metadata beside its spec (the Pod's own, or the template's).
    const metadata = isObject(podObject) ? podObject.metadata : undefined;
    const labels = (isObject(metadata) && isObject(metadata.labels) ? metadata.labels : {}) as Record<string, string>;
    // Trusted to be a PodSpec: the provider validates the shape against the Kubernetes schema.
    const spec = node as PodSpec;
    const containers = [
        ...(spec.initContainers ?? []).map((container) =>
            ({ container, init: true, label: `initContainer "${container.name}"` })),
        ...(spec.containers ?? []).map((container) =>
            ({ container, init: false, label: `container "${container.name}"` })),
    ];
    return { spec, containers, labels };
}

export interface LabelSelector {
    matchLabels?: Record<string, string>;
    matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** Whether a Kubernetes label selector selects an object with `labels`; an empty selector selects every object. */
export function selectorMatches(selector: LabelSelector | undefined, labels: Record<string, string>): boolean {
    const byLabels = Object.entries(selector?.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
    return byLabels && (selector?.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
        switch (operator) {
            case "In":
                return key in labels && values.includes(labels[key]);
            case "NotIn":
                return !(key in labels) || !values.includes(labels[key]);
            case "Exists":
                return key in labels;
            case "DoesNotExist":
                return !(key in labels);
            default:
                return false;
        }
    });
}
