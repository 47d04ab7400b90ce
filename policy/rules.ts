import { PolicyResource, ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";

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

interface ExecHandler {
    exec?: { command?: string[] };
}

interface Container {
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

interface PodSpec {
    containers?: Container[];
    initContainers?: Container[];
    securityContext?: SecurityContext;
}

/** A container together with how violation messages should name it. */
interface ContainerRef {
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
function parseKubernetesType(type: string): KubernetesType | undefined {
    const match = /^kubernetes:([^/:]+)\/([^/:]+):([^/:]+)$/.exec(type);
    return match ? { group: match[1], version: match[2], kind: match[3] } : undefined;
}

function isObject(value: unknown): value is Record<string, unknown> {
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
function workloadPod(args: Pick<ResourceValidationArgs, "type" | "props">):
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

// ---------------------------------------------------------------------------------------------
// no-untagged-or-latest-image

// An OCI digest such as `@sha256:<hex>`; a digest pins the image even if a tag is also present.
const IMAGE_DIGEST = /@[a-z0-9]+(?:[+._-][a-z0-9]+)*:[0-9a-f]{32,}$/i;

/** Why an image reference is not pinned to a fixed version, or undefined when it is. */
function imagePinProblem(image: string | undefined): string | undefined {
    if (!image) {
        return "sets no image";
    }
    if (image.includes("@")) {
        return IMAGE_DIGEST.test(image) ? undefined : `image "${image}" has a malformed digest`;
    }
    // The tag can only be in the last path segment: a colon before the last "/" is a registry port.
    const lastSegment = image.slice(image.lastIndexOf("/") + 1);
    const colon = lastSegment.indexOf(":");
    const tag = colon < 0 ? "" : lastSegment.slice(colon + 1);
    if (!tag) {
        return `image "${image}" has no tag or digest (it would float to "latest")`;
    }
    return tag === "latest" ? `image "${image}" uses the mutable "latest" tag` : undefined;
}

const noUntaggedOrLatestImage: ResourceValidationPolicy = {
    name: "no-untagged-or-latest-image",
    description: "Every container and initContainer image must be pinned by a tag other than \"latest\" or by a digest, " +
        "so a rollout or node restart cannot silently change the WSO2 SP version.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        for (const { container, label } of workloadPod(args)?.containers ?? []) {
            const problem = imagePinProblem(container.image);
            if (problem) {
                reportViolation(`${label}: ${problem}.`);
            }
        }
    },
};

// ---------------------------------------------------------------------------------------------
// container-resources-and-readiness

function isUnset(value: unknown): boolean {
    return value === undefined || value === null || value === "";
}

const containerResourcesAndReadiness: ResourceValidationPolicy = {
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

// ---------------------------------------------------------------------------------------------
// persistent-volume-retain

const persistentVolumeRetain: ResourceValidationPolicy = {
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

// ---------------------------------------------------------------------------------------------
// no-literal-password

// Env var and ConfigMap key names that hold a credential.
const SECRET_NAME = /PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL/i;

// A `key: value` or `key=value` line inside a config file whose key *ends* in a credential word
// (including the `keyPass`/`certPass` style of WSO2 transports). Inside files the key must end with
// it because settings such as `secretPropertiesFile:` or `tokenExpiryTime:` merely mention one.
// A trailing JSON comma is not part of the value.
const SECRET_SETTING_LINE =
    /^\s*(?:-\s+)?["']?([\w.-]*(?:pass|password|passwd|pwd|secret|token|credentials?))["']?\s*[:=]\s*(.*?),?\s*$/i;

function unquote(value: string): string {
    const match = /^(["'])(.*)\1$/.exec(value);
    return match ? match[2] : value;
}

// `${NAME}` (config templating, WSO2 `${sec:…}`), `$(NAME)` (Kubernetes env expansion, command
// substitution) and `$NAME` (shell) all point at a value kept elsewhere.
const VALUE_REFERENCE = /^\$(?:\{[^}]+\}|\([^)]+\)|[A-Za-z_]\w*)$/;

/** True when a configured value is a literal secret, i.e. neither empty nor a reference to one kept elsewhere. */
function isLiteralSecret(value: string): boolean {
    const unquoted = unquote(value.trim());
    return unquoted !== "" && !VALUE_REFERENCE.test(unquoted);
}

/** Violation messages for one ConfigMap entry. They never echo the value: policy output ends up in CI logs. */
function configMapEntryProblems(field: string, key: string, content: string): string[] {
    const where = `${field}[${JSON.stringify(key)}]`;
    if (SECRET_NAME.test(key)) {
        return isLiteralSecret(content) ? [`${where} holds a literal credential; move it to a Secret.`] : [];
    }
    return content.split("\n").flatMap((line, index) => {
        const match = SECRET_SETTING_LINE.exec(line.replace(/\s+#.*$/, ""));
        return match && isLiteralSecret(match[2])
            ? [`${where} line ${index + 1} sets "${match[1]}" to a literal value; use a \${NAME} placeholder fed from a Secret.`]
            : [];
    });
}

/** The command lines a container runs, with the field they come from. */
function commandLines(container: Container): { field: string; line: string }[] {
    const handlers: [string, ExecHandler | undefined][] = [
        ["readinessProbe", container.readinessProbe],
        ["livenessProbe", container.livenessProbe],
        ["startupProbe", container.startupProbe],
        ["lifecycle.postStart", container.lifecycle?.postStart],
        ["lifecycle.preStop", container.lifecycle?.preStop],
    ];
    return [
        // command and args form one argv, so `mysql` in command and `-p…` in args belong together.
        { field: "command/args", line: [...(container.command ?? []), ...(container.args ?? [])].join(" ") },
        ...handlers.flatMap(([field, handler]) =>
            handler?.exec?.command ? [{ field: `${field}.exec.command`, line: handler.exec.command.join(" ") }] : []),
    ];
}

// A shell word: runs of quoted strings, `$(…)` substitutions and plain characters.
const SHELL_WORD = /(?:"[^"]*"|'[^']*'|\$\([^)]*\)|[^\s"'])+/g;
const MYSQL_CLIENT = /(?:^|\/)mysql[\w-]*$/;

/** The password-passing flag of each literal password on a command line, e.g. `--password=` or `-p`. */
function literalPasswordFlags(line: string): string[] {
    // Split into simple commands first: `-p<x>` means "password" only to MySQL clients, whereas
    // `mkdir -pv` in the same script does not.
    return line.split(/[;&|\n]+/).flatMap((command) => {
        const words = (command.match(SHELL_WORD) ?? []).map(unquote);
        const isMysql = words.some((word) => MYSQL_CLIENT.test(word));
        return words.flatMap((word) => {
            const longForm = /^--password=(.*)$/.exec(word);
            if (longForm) {
                return isLiteralSecret(longForm[1]) ? ["--password="] : [];
            }
            const shortForm = isMysql ? /^-p(.+)$/.exec(word) : null;
            return shortForm && isLiteralSecret(shortForm[1]) ? ["-p"] : [];
        });
    });
}

function validateConfigMap(props: Record<string, unknown>, reportViolation: ReportViolation): void {
    // binaryData is base64 on the wire but is just as readable by anyone who can read the ConfigMap.
    const sources: [field: string, decode: (value: string) => string][] = [
        ["data", (value) => value],
        ["binaryData", (value) => Buffer.from(value, "base64").toString("utf8")],
    ];
    for (const [field, decode] of sources) {
        const entries = props[field];
        if (!isObject(entries)) {
            continue;
        }
        for (const [key, value] of Object.entries(entries)) {
            if (typeof value === "string") {
                configMapEntryProblems(field, key, decode(value)).forEach((message) => reportViolation(message));
            }
        }
    }
}

function validateContainerCredentials(containers: ContainerRef[], reportViolation: ReportViolation): void {
    for (const { container, label } of containers) {
        for (const env of container.env ?? []) {
            if (env.name && SECRET_NAME.test(env.name) && typeof env.value === "string" && isLiteralSecret(env.value)) {
                reportViolation(`${label}: env ${env.name} has a literal value; use valueFrom.secretKeyRef.`);
            }
        }
        for (const { field, line } of commandLines(container)) {
            for (const flag of literalPasswordFlags(line)) {
                reportViolation(`${label}: ${field} passes a literal password with "${flag}…"; ` +
                    `reference an env var from a Secret instead (e.g. ${flag}"$MYSQL_PASSWORD").`);
            }
        }
    }
}

const noLiteralPassword: ResourceValidationPolicy = {
    name: "no-literal-password",
    description: "Credentials must come from Secrets: no literal passwords, secrets or tokens in ConfigMap data, " +
        "in credential-named container env vars, or as MySQL-style -p<password>/--password=<password> arguments.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const type = parseKubernetesType(args.type);
        if (type?.group === "core" && type.kind === "ConfigMap") {
            validateConfigMap(args.props, reportViolation);
        }
        validateContainerCredentials(workloadPod(args)?.containers ?? [], reportViolation);
    },
};

// ---------------------------------------------------------------------------------------------
// no-removed-api-versions

// The set of API versions removed by Kubernetes 1.16–1.26, by the release that stopped serving them
// (https://kubernetes.io/docs/reference/using-api/deprecation-guide/). Listed per kind, not per
// group/version, because several of these group/versions were later reused for new kinds that are
// still served (e.g. networking.k8s.io/v1beta1 IPAddress, storage.k8s.io/v1beta1 VolumeAttributesClass).
const REMOVED_API_VERSIONS: Readonly<Record<string, readonly string[]>> = {
    "1.16": [
        "extensions/v1beta1:DaemonSet", "extensions/v1beta1:Deployment", "extensions/v1beta1:ReplicaSet",
        "extensions/v1beta1:NetworkPolicy", "extensions/v1beta1:PodSecurityPolicy",
        "apps/v1beta1:Deployment", "apps/v1beta1:StatefulSet", "apps/v1beta1:ReplicaSet", "apps/v1beta1:ControllerRevision",
        "apps/v1beta2:DaemonSet", "apps/v1beta2:Deployment", "apps/v1beta2:StatefulSet", "apps/v1beta2:ReplicaSet",
        "apps/v1beta2:ControllerRevision",
    ],
    "1.22": [
        "extensions/v1beta1:Ingress", "networking.k8s.io/v1beta1:Ingress", "networking.k8s.io/v1beta1:IngressClass",
        "rbac.authorization.k8s.io/v1beta1:ClusterRole", "rbac.authorization.k8s.io/v1beta1:ClusterRoleBinding",
        "rbac.authorization.k8s.io/v1beta1:Role", "rbac.authorization.k8s.io/v1beta1:RoleBinding",
        "admissionregistration.k8s.io/v1beta1:MutatingWebhookConfiguration",
        "admissionregistration.k8s.io/v1beta1:ValidatingWebhookConfiguration",
        "apiextensions.k8s.io/v1beta1:CustomResourceDefinition",
        "apiregistration.k8s.io/v1beta1:APIService",
        "certificates.k8s.io/v1beta1:CertificateSigningRequest",
        "coordination.k8s.io/v1beta1:Lease",
        "scheduling.k8s.io/v1beta1:PriorityClass",
        "storage.k8s.io/v1beta1:CSIDriver", "storage.k8s.io/v1beta1:CSINode", "storage.k8s.io/v1beta1:StorageClass",
        "storage.k8s.io/v1beta1:VolumeAttachment",
    ],
    "1.25": [
        "batch/v1beta1:CronJob",
        "discovery.k8s.io/v1beta1:EndpointSlice",
        "events.k8s.io/v1beta1:Event",
        "autoscaling/v2beta1:HorizontalPodAutoscaler",
        "policy/v1beta1:PodDisruptionBudget", "policy/v1beta1:PodSecurityPolicy",
        "node.k8s.io/v1beta1:RuntimeClass",
    ],
    "1.26": [
        "autoscaling/v2beta2:HorizontalPodAutoscaler",
        "flowcontrol.apiserver.k8s.io/v1beta1:FlowSchema",
        "flowcontrol.apiserver.k8s.io/v1beta1:PriorityLevelConfiguration",
    ],
};

const REMOVED_IN: ReadonlyMap<string, string> = new Map(
    Object.entries(REMOVED_API_VERSIONS).flatMap(([release, kinds]) => kinds.map((kind) => [kind, release] as const)));

const noRemovedApiVersions: ResourceValidationPolicy = {
    name: "no-removed-api-versions",
    description: "Kubernetes resources must not use an API version that Kubernetes 1.16–1.26 stopped serving; " +
        "the API server would reject them.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const type = parseKubernetesType(args.type);
        if (!type) {
            return;
        }
        // The provider's …Patch and …List resources go through the same API version as the kind itself.
        const kind = type.kind.replace(/(?:Patch|List)$/, "");
        const apiVersion = `${type.group}/${type.version}`;
        const release = REMOVED_IN.get(`${apiVersion}:${kind}`);
        if (release) {
            reportViolation(`${kind} ${apiVersion} is no longer served since Kubernetes ${release}; ` +
                "use a current apiVersion (see https://kubernetes.io/docs/reference/using-api/deprecation-guide/).");
        }
    },
};

// ---------------------------------------------------------------------------------------------
// pods-not-root

const podsNotRoot: ResourceValidationPolicy = {
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

// ---------------------------------------------------------------------------------------------
// containers-hardened

const containersHardened: ResourceValidationPolicy = {
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

// ---------------------------------------------------------------------------------------------
// namespace-enforces-restricted

const POD_SECURITY_ENFORCE = "pod-security.kubernetes.io/enforce";

const namespaceEnforcesRestricted: ResourceValidationPolicy = {
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

// ---------------------------------------------------------------------------------------------
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

const disruptionBudgetForReplicatedWorkloads: StackValidationPolicy = {
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

// ---------------------------------------------------------------------------------------------
// network-policy-coverage

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

interface NetworkPolicySpec {
    podSelector?: LabelSelector;
    policyTypes?: string[];
    egress?: unknown[];
}

/** The directions a NetworkPolicy isolates: as written, or by Kubernetes' default (Ingress, and Egress when it has egress rules). */
export function policyTypesOf(spec: NetworkPolicySpec): string[] {
    return spec.policyTypes ?? ["Ingress", ...(spec.egress ? ["Egress"] : [])];
}

const networkPolicyCoverage: StackValidationPolicy = {
    name: "network-policy-coverage",
    description: "Every workload's pods must be selected by a NetworkPolicy of their namespace for Ingress and for Egress, " +
        "so that they accept and open only the connections an allow-list grants.",
    enforcementLevel: "mandatory",
    validateStack: (args, reportViolation) => {
        const networkPolicies = args.resources
            .filter((resource) => {
                const type = parseKubernetesType(resource.type);
                return type?.group === "networking.k8s.io" && type.kind === "NetworkPolicy";
            })
            .map((resource) => ({
                namespace: (resource.props.metadata as { namespace?: string } | undefined)?.namespace,
                spec: (resource.props.spec ?? {}) as NetworkPolicySpec,
            }));
        for (const resource of args.resources) {
            const pod = workloadPod(resource);
            if (!pod) {
                continue;
            }
            // Compared as given: a namespace not known yet in a preview is undefined on both sides.
            const namespace = (resource.props.metadata as { namespace?: string } | undefined)?.namespace;
            const selecting = networkPolicies.filter((policy) => policy.namespace === namespace && selectorMatches(policy.spec.podSelector, pod.labels));
            const open = ["Ingress", "Egress"].filter((direction) => !selecting.some((policy) => policyTypesOf(policy.spec).includes(direction)));
            if (open.length > 0) {
                reportViolation(`${resource.type} ${resource.name}: no NetworkPolicy of its namespace selects its pods for ${open.join(" and ")}; ` +
                    "add a default-deny policy (podSelector: {}) and allow-lists.", resource.urn);
            }
        }
    },
};

/** Rules that need every resource of the stack at once. */
export const stackPolicies: StackValidationPolicy[] = [networkPolicyCoverage, disruptionBudgetForReplicatedWorkloads];

export const policies: ResourceValidationPolicy[] = [
    noUntaggedOrLatestImage,
    containerResourcesAndReadiness,
    persistentVolumeRetain,
    noLiteralPassword,
    noRemovedApiVersions,
    podsNotRoot,
    containersHardened,
    namespaceEnforcesRestricted,
];
