/**
 * Leaf rules: what one setting must be on its own, each in our words. A message follows
 * "wso2-sp:<setting> " in the error (problems.ts).
 */
import * as path from "path";
import { z } from "zod";
import { imageReferencePattern } from "../image";
import { quantityBytes } from "../memory";

const ipv4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
/** A DNS name as resolvers take it: labels of 1–63 letters, digits and inner hyphens, 253 in all. */
const dnsName = (value: string) =>
    value.length <= 253 && value.split(".").every((label) => /^[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?$/.test(label));
/** `300.1.1.1` is neither an address nor, by intent, a name: refuse dotted numbers that are no IPv4 address. */
const looksLikeIpv4 = (value: string) => /^[\d.]+$/.test(value);
export const isHost = (value: string, allowIpv6: boolean) =>
    ipv4.test(value) || (allowIpv6 && z.ipv6().safeParse(value).success) || (!looksLikeIpv4(value) && dnsName(value));

export const text = (message: string) => z.string({ error: message });
export const host = text("must be an IPv4 address, an IPv6 address or a DNS name").refine((value) => isHost(value, true), {
    error: "must be an IPv4 address, an IPv6 address or a DNS name",
});
export const absolutePath = text("must be an absolute path (starting with /)")
    .regex(/^\/\S*$/, { error: "must be an absolute path (starting with /, no spaces)" })
    .refine((value) => path.posix.normalize(value) === value && !value.includes("//"), {
        error: "must be a plain absolute path (no //, . or .. segments)",
    });
/**
 * An NFS export path: absolute, no `.` or `..` segments. A doubled or trailing `/` is accepted, and
 * tidied (tidyPath) before it names anything.
 */
export const exportPath = text("must be an absolute path (starting with /)")
    .regex(/^\/\S*$/, { error: "must be an absolute path (starting with /, no spaces)" })
    .refine((value) => !value.split("/").some((segment) => segment === "." || segment === ".."), {
        error: "must be a plain absolute path (no . or .. segments)",
    });
/** `/exports//x/` → `/exports/x`: the one spelling of an export path. */
export function tidyPath(value: string): string {
    const single = value.replace(/\/+/g, "/");
    return single.length > 1 ? single.replace(/\/$/, "") : single;
}
/** `<server>:<path>`, optionally after `fresh `: where an NFS move goes (config/settings/nfs.ts). */
export const moveConfirmation = text('must be the new location, "<server>:<path>"').regex(/^(fresh )?[^\s/]+:\/\S*$/, {
    error: 'must be the new location as "<server>:<path>", or "fresh <server>:<path>" for an export meant to start empty',
});
export const dnsLabel = text("must be a DNS label: lower-case letters, digits and -, at most 63 characters").regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, {
    error: "must be a DNS label: lower-case letters, digits and -, at most 63 characters, starting and ending with a letter or digit",
});
/** Kubernetes manages these; the program would take over (and on destroy, keep or protect) one of them. */
const builtInNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"];
export const namespaceName = dnsLabel.refine((value) => !builtInNamespaces.includes(value) && !value.startsWith("kube-"), {
    error: "is a namespace Kubernetes owns (default, kube-*); give the deployment a namespace of its own",
});
export const boolean = z.preprocess((value) => (value === "true" ? true : value === "false" ? false : value), z.boolean({ error: "must be true or false" }));
export const integer = (message: string) =>
    z.preprocess((value) => (typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value), z.number({ error: message }).int({ error: message }));

/** A quantity with a unit: a bare number means bytes, `m` thousandths of one, both unusable here. */
export function quantity(minimum: string, use: string) {
    const min = quantityBytes(minimum)!;
    return text(`must be a quantity such as ${minimum}`)
        .regex(/^(\d+(\.\d+)?|\.\d+)([KMGTPE]i|[kMGTPE])$/, { error: `must be a quantity with a unit (Mi, Gi, M, G …), such as ${minimum}` })
        .refine((value) => (quantityBytes(value) ?? 0) >= min, { error: `must be at least ${minimum} for ${use}` });
}

/**
 * An image reference the kubelet pulls as written (config/image.ts `imageReferencePattern`) and
 * pinned: a tag other than latest, or a digest.
 */
export const imageRef = text("must be an image such as repository:tag").superRefine((value, context) => {
    const match = imageReferencePattern.exec(value);
    if (!match) {
        context.addIssue({
            code: "custom",
            message: "is not an image reference the kubelet can pull: lower-case repository path, no empty segments, then :tag",
        });
    } else if (match.groups?.tag === undefined && match.groups?.digest === undefined) {
        context.addIssue({ code: "custom", message: "has no tag: pin one (repository:tag), never latest" });
    } else if (match.groups?.tag === "latest") {
        context.addIssue({ code: "custom", message: "is tagged latest: pin a version so every node runs the same image" });
    }
});
export const imageTagPattern = /^\w[\w.-]{0,127}$/;

/** `host:port,host:port`: the form the Kafka and ZooKeeper clients of SP take (no scheme, no listener name). */
export const hostPortList = text('must be a list "host:port,host:port"').superRefine((value, context) => {
    if (value === "") {
        return;
    }
    const entries = value.split(",");
    for (const entry of entries) {
        const match = /^([^\s:,]+):(\d{1,5})$/.exec(entry);
        if (!match) {
            const which = entries.length > 1 ? `; ${JSON.stringify(entry)} is not host:port` : "";
            context.addIssue({ code: "custom", message: `must be a list "host:port,host:port" without scheme, listener name or spaces${which}` });
        } else if (!isHost(match[1], false)) {
            context.addIssue({ code: "custom", message: `names ${JSON.stringify(match[1])}, which is neither an IPv4 address nor a DNS name` });
        } else if (Number(match[2]) < 1 || Number(match[2]) > 65535) {
            context.addIssue({ code: "custom", message: `gives port ${match[2]} for ${match[1]}; ports are 1–65535` });
        }
    }
    const duplicate = entries.find((entry, index) => entries.indexOf(entry) !== index);
    if (duplicate !== undefined) {
        context.addIssue({ code: "custom", message: `lists ${duplicate} twice; list each server once` });
    }
});

/** What an Ingress accepts as host: a lower-case DNS name, optionally a wildcard, never an IP address. */
const dnsSubdomain = /^(\*\.)?[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?(\.[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)*$/;
export const ingressHost = text("must be a lower-case DNS name, or empty to disable").refine(
    (value) => value === "" || (value.length <= 253 && dnsSubdomain.test(value) && !looksLikeIpv4(value)),
    { error: "must be a lower-case DNS name (no IP address, no trailing dot, labels of at most 63 characters), or empty to disable" },
);

export const strict = <T extends z.core.$ZodLooseShape>(shape: T, description: string) =>
    z.strictObject(shape, { error: `must be a mapping with ${description}` });
/** A whole number from `min` to `max`. */
export const between = (min: number, max: number) =>
    integer(`must be a whole number from ${min} to ${max}`).refine((value) => value >= min && value <= max, { error: `must be a whole number from ${min} to ${max}` });
export const port = integer("must be a port number, 1–65535").refine((value) => value >= 1 && value <= 65535, { error: "must be a port number, 1–65535" });

// Network isolation (networkPolicies; README "Network policies").
export const cidr = z.union([z.cidrv4(), z.cidrv6()], { error: "must be a CIDR such as 10.20.0.0/16" });
export const cidrs = z.array(cidr, { error: "must be a list of CIDRs such as 10.20.0.0/16" });
const labelKey = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const labelValue = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
/** `key=value,key=value` (kubectl's equality selector) → labels; empty selects every pod. */
export const podLabels = text('must be pod labels "key=value,key=value" (empty: every pod of the namespace)')
    .refine((value) => value === "" || value.split(",").every((pair) => /^[^=]+=[^=]*$/.test(pair) && labelKey.test(pair.split("=")[0]) && labelValue.test(pair.split("=")[1])), {
        error: 'must be pod labels "key=value,key=value" (empty: every pod of the namespace)',
    })
    .transform((value) => Object.fromEntries(value === "" ? [] : value.split(",").map((pair) => pair.split("=") as [string, string])));

// Production hardening (README "High availability", "Resources", "Exposure", "TLS").
export const cpuQuantity = text("must be a CPU quantity such as 500m or 1").regex(/^(\d+(\.\d+)?|\d+m)$/, { error: "must be a CPU quantity such as 500m or 1" });
/** A DNS subdomain (RFC 1123): what the API server takes as most objects' names. */
const objectNamePattern = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const objectName = text("must be a Kubernetes object name")
    .max(253, { error: "must be a Kubernetes object name of at most 253 characters" })
    .regex(objectNamePattern, { error: "must be a Kubernetes object name: lower-case letters, digits, - and ." });
/** A key of a ConfigMap or Secret as the API server takes it (and never `.`, `..` or `..…`, which would leave its volume). */
export const objectKey = text("must be a key of a ConfigMap or Secret")
    .regex(/^[-._a-zA-Z0-9]{1,253}$/, { error: "must be a key of a ConfigMap or Secret: 1–253 letters, digits, -, _ and ." })
    .refine((value) => value !== "." && !value.startsWith(".."), { error: "must be a key of a ConfigMap or Secret, not . or starting with .." });
/**
 * A setting that names a Kubernetes Secret, or empty for none. The API server takes any DNS
 * subdomain as a Secret's name, also where an Ingress's TLS block names one (kubernetes
 * pkg/apis/networking/validation/validation.go, validateTLSSecretName: ValidateSecretName, which is
 * NameIsDNSSubdomain): `sp.tls` is a name.
 */
const secretNameRule =
    "must be the name of a Secret (lower-case letters, digits, - and ., at most 253 characters, starting and ending with a letter or digit) or empty";
export const secretName = text(secretNameRule).refine((value) => value === "" || (value.length <= 253 && objectNamePattern.test(value)), { error: secretNameRule });
