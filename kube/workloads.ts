import type * as inputs from "@pulumi/kubernetes/types/input";
import type * as pulumi from "@pulumi/pulumi";
import { commonLabels } from "../config/names";

type Container = inputs.core.v1.Container;

/**
 * Labels of one workload; `selector` is the immutable subset its Deployment and Service select on.
 * `app.kubernetes.io/version` is the image tag when that is a valid label value (not for an image
 * pinned by digest).
 */
export function workloadLabels(name: string, instance: string, component: string, image: string) {
    const selector = workloadSelector(name, instance);
    const labels: Record<string, string> = { ...commonLabels, ...selector, "app.kubernetes.io/component": component };
    const tag = image.includes("@") ? undefined : /:([^:/]+)$/.exec(image)?.[1];
    if (tag !== undefined && labelValue.test(tag)) {
        labels["app.kubernetes.io/version"] = tag;
    }
    return { selector, labels };
}

/** The labels that select the pods of one workload: its controller's and its Service's selector. */
export function workloadSelector(name: string, instance: string): Record<string, string> {
    return { ...appSelector(name), "app.kubernetes.io/instance": instance };
}

/** The labels every pod of one application carries, whichever workload runs it. */
export function appSelector(name: string): Record<string, string> {
    return { "app.kubernetes.io/name": name };
}

/** Selects the pods of every workload of one component (both managers, the ZooKeeper servers). */
export function componentSelector(name: string, component: string): Record<string, string> {
    return { ...appSelector(name), "app.kubernetes.io/component": component };
}

const labelValue = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;

/** Pod-level security shared by every pod: a fixed non-root user, its group owning mounted volumes. */
export function podSecurity(uid: number): inputs.core.v1.PodSecurityContext {
    return { runAsUser: uid, runAsGroup: uid, fsGroup: uid, runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } };
}

/** Container-level security shared by every container. */
export const containerSecurity: inputs.core.v1.SecurityContext = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } };

/**
 * Memory request equal to the limit, so a pod is never killed for using what it asked for; a CPU
 * request and no CPU limit: a CFS quota throttles a JVM's GC and JIT threads in bursts (long pauses,
 * missed heartbeats), while a request alone guarantees the share and lets idle CPU be used.
 */
export function resources(memory: string, cpu: string): inputs.core.v1.ResourceRequirements {
    return { requests: { cpu, memory }, limits: { memory } };
}

/**
 * TCP probes on the port a server opens once it is up: the startup probe allows a slow (JVM)
 * start of `startupSeconds` before liveness applies, instead of a fixed initial delay.
 */
export function tcpProbes(port: number, startupSeconds: number): Pick<Container, "startupProbe" | "readinessProbe" | "livenessProbe"> {
    const periodSeconds = 10;
    const probe = (failureThreshold: number) => ({ tcpSocket: { port }, periodSeconds, failureThreshold });
    return { startupProbe: probe(Math.ceil(startupSeconds / periodSeconds)), readinessProbe: probe(3), livenessProbe: probe(3) };
}

/** What a Deployment and a StatefulSet spec take alike: how many pods, and what they are. */
interface WorkloadPods {
    replicas: number;
    selector: Record<string, string>;
    labels: Record<string, string>;
    /** Pod annotations; a changed value rolls the pods. */
    podAnnotations?: Record<string, pulumi.Input<string>>;
    pod: inputs.core.v1.PodSpec;
}

/**
 * A Deployment spec with the pod defaults every workload here shares: no API token (nothing calls
 * the Kubernetes API) and no Service env links (they clash with the images' own env, e.g. KAFKA_*).
 * A `singleton` (one identity, or one data directory) is replaced, never surged, on rollout.
 */
export function deploymentSpec(args: WorkloadPods & { singleton: boolean }): inputs.apps.v1.DeploymentSpec {
    return {
        replicas: args.replicas,
        strategy: args.singleton ? { type: "Recreate" } : { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        selector: { matchLabels: args.selector },
        template: podTemplate(args),
    };
}

/** The pod defaults every workload shares (see deploymentSpec). */
function podTemplate(args: WorkloadPods): inputs.core.v1.PodTemplateSpec {
    return {
        metadata: { labels: args.labels, annotations: args.podAnnotations },
        spec: { automountServiceAccountToken: false, enableServiceLinks: false, ...args.pod },
    };
}

/**
 * A StatefulSet spec, for the workloads whose pods have an identity of their own: a stable name
 * `<name>-<ordinal>`, resolvable as `<pod>.<service>` under the governing headless Service (SP
 * workers register with the managers under it), and never two pods of one identity at once: the
 * controller creates a pod of an identity only once the previous pod of that identity is gone,
 * also when a drain evicts it, where a Deployment would start the replacement at once. Updates roll
 * one pod at a time, highest ordinal first, each only after the one before is ready again.
 * `parallelStart` starts (and scales) all pods at once, for an ensemble whose pods become ready
 * only together; it does not change how updates roll.
 */
export function statefulSetSpec(
    args: WorkloadPods & {
        /** The Service that governs the set: a headless one gives each pod `<pod>.<service>` in DNS. */
        serviceName: string;
        parallelStart: boolean;
    },
): inputs.apps.v1.StatefulSetSpec {
    return {
        replicas: args.replicas,
        serviceName: args.serviceName,
        podManagementPolicy: args.parallelStart ? "Parallel" : "OrderedReady",
        updateStrategy: { type: "RollingUpdate" },
        selector: { matchLabels: args.selector },
        template: podTemplate(args),
    };
}

/**
 * Fields of a StatefulSet that Kubernetes cannot change in place: changing any of them (or the
 * name or namespace) makes Pulumi replace the set, and every pod with it at once.
 * pulumi-kubernetes lists the same ones (provider/pkg/provider/diff.go, `statefulSet`).
 */
export function statefulSetIdentity(name: string, spec: inputs.apps.v1.StatefulSetSpec) {
    const { serviceName, podManagementPolicy, selector, volumeClaimTemplates, revisionHistoryLimit } = spec;
    return { name, serviceName, podManagementPolicy, selector, volumeClaimTemplates, revisionHistoryLimit };
}

/**
 * How long `pulumi up` waits for a Deployment to become ready: dependencies start in a chain
 * (MySQL, ZooKeeper, Kafka, managers, workers), each behind init-container back-off and a JVM start,
 * which a fresh cluster can stretch past the provider's 10-minute default.
 */
export const rolloutTimeouts = { create: "30m", update: "30m" };

/** Resource options that keep data-bearing objects through `pulumi destroy` (volumeProtection). */
export function keepOnDestroy(protection: "retainOnDelete" | "protect"): { protect: true } | { retainOnDelete: true } {
    return protection === "protect" ? { protect: true } : { retainOnDelete: true };
}
