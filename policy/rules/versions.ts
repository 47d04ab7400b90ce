/**
 * What runs is the version that was reviewed, and the cluster keeps accepting it: images pinned, no
 * API version a supported Kubernetes release no longer serves.
 */
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { parseKubernetesType, workloadPod } from "./workloads";

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

export const noUntaggedOrLatestImage: ResourceValidationPolicy = {
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

export const noRemovedApiVersions: ResourceValidationPolicy = {
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
