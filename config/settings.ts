import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { confNodes } from "./confs";
import { imageUserHome, overlayMountPath, productHome, reservedMountRoots, siddhiFilesMountPath } from "./image";
import { quantityBytes, spMinimumMemory } from "./memory";
import { mysqlDataClaimName, ownKeystoresVolumeName, siddhiFilesClaimName } from "./names";
import { passwordProblem, subscriptionPasswordProblem } from "./passwords";

/** The project directory: Pulumi.yaml, the default `confs/`. */
export const projectDir = path.resolve(__dirname, "..");

export const nodeKinds = ["manager", "worker", "receiver", "dashboard"] as const;
export type NodeKind = (typeof nodeKinds)[number];

/**
 * Secret settings. They are not declared in Pulumi.yaml (a declared key without a default is
 * required in every stack), so they are listed here for the unknown-key check.
 */
const secretKeys = ["subscriptionPassword", "databasePassword", "mysqlRootPassword", "adminPassword", "keystorePassword"] as const;
type SecretKey = (typeof secretKeys)[number];

// ---- Leaf rules. Every message is ours: it follows "wso2-sp:<setting> " in the error. ----

const ipv4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
/** A DNS name as resolvers take it: labels of 1–63 letters, digits and inner hyphens, 253 in all. */
const dnsName = (value: string) =>
    value.length <= 253 && value.split(".").every((label) => /^[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?$/.test(label));
/** `300.1.1.1` is neither an address nor, by intent, a name: refuse dotted numbers that are no IPv4 address. */
const looksLikeIpv4 = (value: string) => /^[\d.]+$/.test(value);
const isHost = (value: string, allowIpv6: boolean) =>
    ipv4.test(value) || (allowIpv6 && z.ipv6().safeParse(value).success) || (!looksLikeIpv4(value) && dnsName(value));

const text = (message: string) => z.string({ error: message });
const host = text("must be an IPv4 address, an IPv6 address or a DNS name").refine((value) => isHost(value, true), {
    error: "must be an IPv4 address, an IPv6 address or a DNS name",
});
const absolutePath = text("must be an absolute path (starting with /)")
    .regex(/^\/\S*$/, { error: "must be an absolute path (starting with /, no spaces)" })
    .refine((value) => path.posix.normalize(value) === value && !value.includes("//"), {
        error: "must be a plain absolute path (no //, . or .. segments)",
    });
const dnsLabel = text("must be a DNS label: lower-case letters, digits and -, at most 63 characters").regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, {
    error: "must be a DNS label: lower-case letters, digits and -, at most 63 characters, starting and ending with a letter or digit",
});
/** Kubernetes manages these; the program would take over (and on destroy, keep or protect) one of them. */
const builtInNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"];
const namespaceName = dnsLabel.refine((value) => !builtInNamespaces.includes(value) && !value.startsWith("kube-"), {
    error: "is a namespace Kubernetes owns (default, kube-*); give the deployment a namespace of its own",
});
const boolean = z.preprocess((value) => (value === "true" ? true : value === "false" ? false : value), z.boolean({ error: "must be true or false" }));
const integer = (message: string) =>
    z.preprocess((value) => (typeof value === "string" && /^\d+$/.test(value) ? Number(value) : value), z.number({ error: message }).int({ error: message }));

/** A quantity with a unit: a bare number means bytes, `m` thousandths of one, both unusable here. */
function quantity(minimum: string, use: string) {
    const min = quantityBytes(minimum)!;
    return text(`must be a quantity such as ${minimum}`)
        .regex(/^(\d+(\.\d+)?|\.\d+)([KMGTPE]i|[kMGTPE])$/, { error: `must be a quantity with a unit (Mi, Gi, M, G …), such as ${minimum}` })
        .refine((value) => (quantityBytes(value) ?? 0) >= min, { error: `must be at least ${minimum} for ${use}` });
}

/**
 * An image reference the kubelet pulls as written (distribution/reference grammar: lower-case
 * repository path, no empty segments) and pinned: a tag other than latest, or a digest.
 */
const imagePattern =
    /^(?:(?<registry>[A-Za-z0-9](?:[-A-Za-z0-9]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[-A-Za-z0-9]*[A-Za-z0-9])?)*(?::\d{1,5})?)\/)?(?<repository>[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)(?::(?<tag>\w[\w.-]{0,127}))?(?:@(?<digest>sha256:[a-f0-9]{64}))?$/;
const imageRef = text("must be an image such as repository:tag").superRefine((value, context) => {
    const match = imagePattern.exec(value);
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
const imageTagPattern = /^\w[\w.-]{0,127}$/;

/** `host:port,host:port`: the form the Kafka and ZooKeeper clients of SP take (no scheme, no listener name). */
const hostPortList = text('must be a list "host:port,host:port"').superRefine((value, context) => {
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
const ingressHost = text("must be a lower-case DNS name, or empty to disable").refine(
    (value) => value === "" || (value.length <= 253 && dnsSubdomain.test(value) && !looksLikeIpv4(value)),
    { error: "must be a lower-case DNS name (no IP address, no trailing dot, labels of at most 63 characters), or empty to disable" },
);

const strict = <T extends z.core.$ZodLooseShape>(shape: T, description: string) =>
    z.strictObject(shape, { error: `must be a mapping with ${description}` });
const port = integer("must be a port number, 1–65535").refine((value) => value >= 1 && value <= 65535, { error: "must be a port number, 1–65535" });

// ---- Network isolation (networkPolicies; README "Network policies"). ----
const cidr = z.union([z.cidrv4(), z.cidrv6()], { error: "must be a CIDR such as 10.20.0.0/16" });
const cidrs = z.array(cidr, { error: "must be a list of CIDRs such as 10.20.0.0/16" });
const labelKey = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const labelValue = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
/** `key=value,key=value` (kubectl's equality selector) → labels; empty selects every pod. */
const podLabels = text('must be pod labels "key=value,key=value" (empty: every pod of the namespace)')
    .refine((value) => value === "" || value.split(",").every((pair) => /^[^=]+=[^=]*$/.test(pair) && labelKey.test(pair.split("=")[0]) && labelValue.test(pair.split("=")[1])), {
        error: 'must be pod labels "key=value,key=value" (empty: every pod of the namespace)',
    })
    .transform((value) => Object.fromEntries(value === "" ? [] : value.split(",").map((pair) => pair.split("=") as [string, string])));
const networkPoliciesSchema = strict(
    {
        enabled: boolean,
        ingressController: strict({ namespace: dnsLabel, podLabels }, "namespace, podLabels"),
        dns: strict({ namespace: dnsLabel, podLabels, port }, "namespace, podLabels, port"),
        clients: strict(
            {
                // Admitting every address would undo the isolation of the event ports.
                cidrs: z.array(cidr.refine((value) => !value.endsWith("/0"), { error: "must not admit every address (/0); list the publishers' networks" }), {
                    error: "must be a list of CIDRs such as 10.30.0.0/16",
                }),
                namespaces: z.array(dnsLabel, { error: "must be a list of namespace names" }),
            },
            "cidrs, namespaces",
        ),
        externalCidrs: strict({ database: cidrs, kafka: cidrs, zookeeper: cidrs }, "database, kafka, zookeeper"),
        appEgress: z.array(
            strict(
                {
                    cidrs: cidrs.min(1, { error: "must list at least one CIDR" }),
                    ports: z.array(port, { error: "must be a list of port numbers" }).min(1, { error: "must list at least one port" }),
                },
                "cidrs, ports",
            ),
            { error: "must be a list of { cidrs, ports }" },
        ),
    },
    "enabled, ingressController, dns, clients, externalCidrs, appEgress",
);

// ---- Production hardening (issue 9; README "High availability", "Resources", "Exposure", "TLS"). ----
const cpuQuantity = text("must be a CPU quantity such as 500m or 1").regex(/^(\d+(\.\d+)?|\d+m)$/, { error: "must be a CPU quantity such as 500m or 1" });
const objectName = text("must be a Kubernetes object name")
    .max(253, { error: "must be a Kubernetes object name of at most 253 characters" })
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, { error: "must be a Kubernetes object name: lower-case letters, digits, - and ." });
const hardeningSchema = {
    placement: z.enum(["required", "preferred"], { error: "must be required or preferred" }),
    cpu: strict({ manager: cpuQuantity, worker: cpuQuantity, receiver: cpuQuantity, dashboard: cpuQuantity }, "manager, worker, receiver, dashboard"),
    exposure: strict({ sourceRanges: z.array(cidr, { error: "must be a list of CIDRs such as 203.0.113.0/24" }), managers: boolean }, "sourceRanges, managers"),
    tls: strict({ secretName: z.union([z.literal(""), objectName]) }, "secretName"),
};
/** Cross-setting rules of the hardening settings. */
function hardeningProblems(settings: ValidPart, secretSet: (key: SecretKey) => boolean): Problem[] {
    const problems: Problem[] = [];
    const secretName = settings.tls?.secretName;
    // cert-manager locks its JKS output with one password; SP needs it to open the stores.
    if (secretName !== undefined && secretName !== "" && !secretSet("keystorePassword")) {
        problems.push({ path: ["keystorePassword"], message: "is required when tls.secretName is set" });
    }
    if (secretName === "" && secretSet("keystorePassword")) {
        problems.push({ path: ["tls", "secretName"], message: "is required when keystorePassword is set" });
    }
    (settings.additionalVolumes ?? []).forEach((volume, index) => {
        if (volume?.name === ownKeystoresVolumeName) {
            problems.push({ path: ["additionalVolumes", index, "name"], message: "is the pod volume of the own keystores (tls.secretName); choose another name" });
        }
    });
    return problems;
}

const schema = z.strictObject({
    namespace: namespaceName,
    nfs: z.strictObject(
        {
            server: host,
            siddhiFilesPath: absolutePath,
            mysqlDataPath: absolutePath.optional(),
        },
        {
            error: (issue) =>
                issue.input === undefined ? "must be set: the NFS server and the Siddhi files export" : "must be a mapping with server, siddhiFilesPath, mysqlDataPath",
        },
    ),
    // The managers deploy Siddhi apps once two resource nodes have joined (minResourceCount: 2).
    workers: integer("must be a whole number of at least 2").refine((value) => value >= 2, {
        error: "must be at least 2: the managers deploy Siddhi apps only once two workers have joined",
    }),
    additionalVolumes: z.array(
        strict(
            {
                name: dnsLabel,
                path: absolutePath,
                server: host.optional(),
                // Unset: the volume overlays the product home at start (config/image.ts).
                mountPath: absolutePath.optional(),
                nodes: z
                    .array(z.enum(nodeKinds, { error: `must be one of ${nodeKinds.join(", ")}` }), { error: `must be a list of ${nodeKinds.join(", ")}` })
                    .min(1, { error: `must name at least one of ${nodeKinds.join(", ")}` }),
                size: quantity("1Mi", "an NFS volume").default("1Gi"),
            },
            "name, path, nodes and optionally server, mountPath, size",
        ),
        { error: "must be a list of volumes ({ name, path, nodes })" },
    ),
    volumeProtection: z.enum(["retainOnDelete", "protect"], { error: "must be retainOnDelete or protect" }),
    confsDir: text("must be a directory path").min(1, { error: "must name a directory (relative to the project)" }),
    siddhiAppsDir: text("must be a directory path").min(1, { error: "must name a directory (relative to the project)" }),
    imageRegistry: text("must be a registry/repository prefix").refine(
        (value) => value === "" || imagePattern.test(`${value}/wso2sp-manager:4.4.0`),
        { error: "must be a registry and repository prefix the kubelet can pull from, such as docker.example.com/wso2 (lower-case path, no trailing /)" },
    ),
    imageTag: text("must be an image tag").refine((value) => imageTagPattern.test(value) && value !== "latest", {
        error: "must be an image tag (letters, digits, _ . -, at most 128) other than latest",
    }),
    // Registries take `user:password` basic auth: a colon, a space or a control character breaks it.
    subscriptionUsername: text("must be a user name").refine((value) => /^[^\s:\p{Cc}]*$/u.test(value), {
        error: "must be a user name without spaces or colons (the registry's basic auth splits on the first colon)",
    }),
    ingress: strict(
        {
            className: dnsLabel,
            tlsSecretName: z.union([z.literal(""), dnsLabel], { error: "must be a Secret name (DNS label) or empty" }),
            hosts: strict({ manager1: ingressHost, manager2: ingressHost, dashboard: ingressHost }, "manager1, manager2, dashboard"),
        },
        "className, tlsSecretName, hosts",
    ),
    memory: strict(
        Object.fromEntries(nodeKinds.map((kind) => [kind, quantity(spMinimumMemory, "an SP JVM (heap, metaspace, threads)")])) as Record<
            NodeKind,
            ReturnType<typeof quantity>
        >,
        nodeKinds.join(", "),
    ),
    database: strict(
        {
            inCluster: boolean,
            // A DNS name or IPv4 address: an IPv6 literal would need brackets in the JDBC URL.
            host: text("must be a DNS name or an IPv4 address").refine((value) => value === "" || isHost(value, false), {
                error: "must be a DNS name or an IPv4 address (an IPv6 address would need brackets in SP's JDBC URL)",
            }),
            port,
            tls: boolean,
            username: text("must be a MySQL user name")
                .regex(/^[A-Za-z0-9_]{1,32}$/, { error: "must be a MySQL user name: 1–32 letters, digits or _" })
                .refine((username) => username.toLowerCase() !== "root", { error: "must not be root: SP connects as an application user" }),
            image: imageRef,
        },
        "inCluster, host, port, tls, username, image",
    ),
    kafka: strict({ inCluster: boolean, bootstrapServers: hostPortList, image: imageRef }, "inCluster, bootstrapServers, image"),
    zookeeper: strict({ inCluster: boolean, connect: hostPortList, image: imageRef }, "inCluster, connect, image"),
    networkPolicies: networkPoliciesSchema,
    ...hardeningSchema,
});

type ParsedSettings = z.infer<typeof schema>;

/** The validated stack settings, plus the secret settings the stack sets. */
export type Settings = ParsedSettings & { secrets: Partial<Record<SecretKey, pulumi.Output<string>>> };

type DeepPartial<T> = T extends (infer U)[] ? (DeepPartial<U> | undefined)[] : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;
/** The settings with every field that failed its own rule removed: what cross-setting checks see. */
type ValidPart = DeepPartial<ParsedSettings>;

type SettingPath = (string | number)[];

interface Problem {
    path: SettingPath;
    message: string;
    /** The command that fixes it; by default `pulumi config set` of the setting with an example value. */
    fix?: string;
    /** The value to show, when it is not in the settings (an unknown key); "hidden" for a secret. */
    value?: unknown;
}

/** Thrown for bad stack settings; Pulumi prints a RunError's message without a stack trace. */
export class SettingsError extends pulumi.RunError {}

/**
 * Reads every stack setting, fills in the defaults declared in Pulumi.yaml and validates the whole
 * set, throwing one SettingsError that lists each bad setting before any resource exists.
 */
export function loadSettings(): Settings {
    const project = pulumi.getProject();
    const declarations = readDeclarations();
    const stackConfig = pulumi.runtime.allConfig();
    const prefix = `${project}:`;
    const secretValue = (key: SecretKey): string | undefined => stackConfig[prefix + key];
    const problems: Problem[] = [];

    const raw: Record<string, unknown> = {};
    // What the stack itself sets, before defaults: a dependency setting given while unused is refused.
    const given: Record<string, unknown> = {};
    for (const [key, declaration] of Object.entries(declarations)) {
        const value = stackConfig[prefix + key];
        given[key] = value === undefined ? undefined : decode(value, declaration);
        raw[key] = value === undefined ? declaration.default : withDefaults(declaration.default, given[key]);
    }
    const known = [...Object.keys(declarations), ...secretKeys];
    for (const key of Object.keys(stackConfig)) {
        const name = key.slice(prefix.length);
        if (key.startsWith(prefix) && !known.includes(name)) {
            const secret = isConfigSecret(key);
            problems.push(unknownSetting([name], secret ? hidden : decode(stackConfig[key], {}), known.map((candidate) => [candidate])));
        }
    }

    const parsed = schema.safeParse(raw, { error: inOurWords });
    const failed: SettingPath[] = [];
    if (!parsed.success) {
        for (const issue of parsed.error.issues) {
            const issuePath = issue.path as SettingPath;
            if (issue.code === "unrecognized_keys") {
                const siblings = Object.keys(shapeAt(issuePath) ?? {}).map((sibling) => [...issuePath, sibling]);
                for (const key of issue.keys) {
                    problems.push(unknownSetting([...issuePath, key], valueAt(raw, [...issuePath, key]), siblings));
                }
            } else {
                failed.push(issuePath);
                problems.push({ path: issuePath, message: issue.message, fix: issuePath.length === 1 && issuePath[0] === "nfs" ? nfsFix(raw) : undefined });
            }
        }
    }
    // Cross-setting rules run on what is valid, so one run reports every problem.
    const valid = (parsed.success ? parsed.data : withoutPaths(raw, failed)) as ValidPart;
    const declared = Object.fromEntries(Object.entries(declarations).map(([key, declaration]) => [key, declaration.default]));
    problems.push(...crossChecks(valid, given, declared, secretValue));
    if (problems.length > 0) {
        throw settingsError(project, problems, raw, declarations, new Set(secretKeys.filter((key) => secretValue(key) !== undefined)));
    }

    const config = new pulumi.Config();
    const secrets: Settings["secrets"] = {};
    for (const key of secretKeys) {
        if (secretValue(key) !== undefined) {
            secrets[key] = config.requireSecret(key);
        }
    }
    return { ...parsed.data!, secrets };
}

/** Whether the stack holds `key` encrypted: the runtime knows, but does not declare the function in its types. */
function isConfigSecret(key: string): boolean {
    const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
    return runtime.isConfigSecret?.(key) ?? true;
}

/** Every field of a missing nfs block, as this stack's database needs them. */
function nfsFix(raw: Record<string, unknown>): string {
    const fields = ["server", "siddhiFilesPath", ...(valueAt(raw, ["database", "inCluster"]) === false ? [] : ["mysqlDataPath"])];
    return fields.map((field) => setCommand(["nfs", field], examples[`nfs.${field}`])).join(" && ");
}

/** Words for the few issues no rule above words itself (a wrong type, mostly). */
function inOurWords(issue: z.core.$ZodRawIssue): string {
    if (issue.code === "invalid_type") {
        const expected: Record<string, string> = {
            object: "must be a mapping of fields",
            array: "must be a list",
            string: "must be text",
            number: "must be a number",
            boolean: "must be true or false",
        };
        return issue.input === undefined ? "must be set" : (expected[issue.expected] ?? `must be a ${issue.expected}`);
    }
    return "is not a value this setting takes";
}

/** The zod object shape at a setting path (for suggestions), if it is an object. */
function shapeAt(settingPath: SettingPath): Record<string, unknown> | undefined {
    const node = schemaAt(settingPath);
    return node instanceof z.ZodObject ? node.shape : undefined;
}

/** The schema of the setting at a path, without optional/default wrappers. */
function schemaAt(settingPath: SettingPath): z.ZodType | undefined {
    let node: z.ZodType | undefined = schema;
    for (const part of settingPath) {
        if (node instanceof z.ZodArray) {
            node = node.element as z.ZodType;
        } else if (node instanceof z.ZodObject) {
            node = node.shape[part as string] as z.ZodType | undefined;
        }
        while (node instanceof z.ZodOptional || node instanceof z.ZodDefault) {
            node = node.unwrap() as z.ZodType;
        }
    }
    return node;
}

/** Stands for a secret's value in a Problem: never shown. */
const hidden = Symbol("hidden");

/** A misspelt or unknown key: its value, the setting it probably meant, and how to move it there. */
function unknownSetting(settingPath: SettingPath, value: unknown, candidates: SettingPath[]): Problem {
    const key = settingKey(settingPath);
    const meant = closest(key, candidates);
    const remove = settingPath.length === 1 ? `pulumi config rm ${shellWord(key)}` : `pulumi config rm --path ${shellWord(key)}`;
    if (meant === undefined) {
        return { path: settingPath, message: "is not a setting of this project (see Pulumi.yaml)", fix: remove, value };
    }
    const meantKey = settingKey(meant);
    const secret = value === hidden || (secretKeys as readonly string[]).includes(meantKey);
    const scalar = typeof value === "string" || typeof value === "number" || typeof value === "boolean";
    // An object value cannot be moved in one command: removing the misspelt key comes first.
    const move = secret ? `pulumi config set --secret ${meantKey}` : scalar ? setCommand(meant, String(value)) : undefined;
    return {
        path: settingPath,
        message: `is not a setting of this project; did you mean ${pulumi.getProject()}:${meantKey}?`,
        fix: move === undefined ? remove : `${remove} && ${move}`,
        value,
    };
}

/** The closest candidate within a small edit distance of the last name (or equal but for case), if any. */
function closest(key: string, candidates: SettingPath[]): SettingPath | undefined {
    const name = key.slice(key.lastIndexOf(".") + 1);
    const scored = candidates
        .map((candidate) => {
            const other = String(candidate[candidate.length - 1]);
            return { candidate, distance: other.toLowerCase() === name.toLowerCase() ? 0 : editDistance(name, other) };
        })
        .filter(({ distance }) => distance <= Math.max(2, Math.floor(name.length / 4)))
        .sort((a, b) => a.distance - b.distance);
    return scored[0]?.candidate;
}

function editDistance(a: string, b: string): number {
    let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
    for (let i = 1; i <= a.length; i++) {
        const current = [i];
        for (let j = 1; j <= b.length; j++) {
            current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
        previous = current;
    }
    return previous[b.length];
}

/** System directories an additional volume must not be mounted at or above: it would hide the JDK, the shell, libraries. */
const systemDirs = ["/bin", "/sbin", "/lib", "/lib64", "/usr", "/etc", "/opt/java", "/proc", "/sys", "/dev"];

/** Rules that span several settings; each looks only at settings that passed their own rule. */
function crossChecks(settings: ValidPart, given: Record<string, unknown>, declared: Record<string, unknown>, secretValue: (key: SecretKey) => string | undefined): Problem[] {
    /** The stack sets this field to something other than its declared default. */
    const changed = (...settingPath: SettingPath) => {
        const value = valueAt(given, settingPath);
        return value !== undefined && JSON.stringify(value) !== JSON.stringify(valueAt(declared, settingPath));
    };
    const secretSet = (key: SecretKey) => secretValue(key) !== undefined;
    const problems: Problem[] = [];
    const { nfs, database, kafka, zookeeper } = settings;

    // Two volumes on one export (or one inside the other) would share, and for MySQL corrupt, one directory.
    const exportsSeen: { key: string; server: string; path: string }[] = [];
    const claimExport = (settingPath: SettingPath, server: string | undefined, exportPath: string | undefined) => {
        if (server === undefined || exportPath === undefined) {
            return;
        }
        const normalized = trimSlash(exportPath);
        const clash = exportsSeen.find(
            (other) => other.server === server && (`${normalized}/`.startsWith(`${other.path}/`) || `${other.path}/`.startsWith(`${normalized}/`)),
        );
        if (clash) {
            problems.push({
                path: settingPath,
                message: `is the export of ${clash.key}, or inside or around it; each volume needs a directory of its own`,
                fix: setCommand(settingPath, `${normalized === "/" ? "" : normalized}-2`),
            });
        }
        exportsSeen.push({ key: settingKey(settingPath), server, path: normalized });
    };
    claimExport(["nfs", "siddhiFilesPath"], nfs?.server, nfs?.siddhiFilesPath);
    if (database?.inCluster !== false) {
        claimExport(["nfs", "mysqlDataPath"], nfs?.server, nfs?.mysqlDataPath);
    }

    const claimNames = new Set<string>([siddhiFilesClaimName, mysqlDataClaimName]);
    const mountPaths = new Set<string>([`manager:${trimSlash(siddhiFilesMountPath)}`]);
    (settings.additionalVolumes ?? []).forEach((volume, index) => {
        if (volume === undefined) {
            return;
        }
        const at = (field: string): SettingPath => ["additionalVolumes", index, field];
        // Volume names are also pod volume names, beside the `conf-…` ones of confs/.
        if (volume.name !== undefined && (!addOnce(claimNames, volume.name) || volume.name.startsWith("conf-"))) {
            problems.push({
                path: at("name"),
                message: "is the name of another volume (or starts with conf-, which confs/ uses); names must be unique",
                fix: setCommand(at("name"), `${volume.name.replace(/^conf-/, "")}-${index + 1}`),
            });
        }
        claimExport(at("path"), volume.server ?? nfs?.server, volume.path);
        if (volume.mountPath !== undefined) {
            const mountPath = trimSlash(volume.mountPath);
            const atOrAbove = (dir: string) => `${dir}/`.startsWith(`${mountPath === "/" ? "" : mountPath}/`);
            const within = (dir: string) => `${mountPath}/`.startsWith(`${dir}/`);
            if ([imageUserHome, productHome, ...reservedMountRoots].some(atOrAbove) || reservedMountRoots.some(within)) {
                problems.push({
                    path: at("mountPath"),
                    message: "would hide the product home or the program's own mounts; leave it unset to overlay the product home, or mount elsewhere",
                    fix: `pulumi config rm --path ${shellWord(settingKey(at("mountPath")))}`,
                });
            } else if (systemDirs.some(atOrAbove) || ["/proc", "/sys", "/dev"].some(within)) {
                problems.push({
                    path: at("mountPath"),
                    message: "would hide a system directory of the image (the JDK, the shell, libraries); mount it elsewhere, such as /mnt/<name>",
                    fix: setCommand(at("mountPath"), `/mnt/${volume.name ?? "extra"}`),
                });
            }
        }
        const mountPath = trimSlash(volume.mountPath ?? overlayMountPath(volume.name ?? `#${index}`));
        for (const node of volume.nodes ?? []) {
            if (node !== undefined && !addOnce(mountPaths, `${node}:${mountPath}`)) {
                problems.push({
                    path: at("mountPath"),
                    message: `is where another volume is mounted on ${node} already; give each volume of a node its own mountPath`,
                    fix: setCommand(at("mountPath"), `/mnt/${volume.name ?? "extra"}`),
                });
            }
        }
    });

    const hosts = Object.entries(settings.ingress?.hosts ?? {}).filter(([, value]) => value !== undefined && value !== "");
    hosts.forEach(([node, value], index) => {
        if (hosts.findIndex(([, other]) => other === value) < index) {
            problems.push({
                path: ["ingress", "hosts", node],
                message: "is the host of another ingress; each needs its own",
                fix: setCommand(["ingress", "hosts", node], `${node === "dashboard" ? "sp-dashboard" : `sp-${node.replace("manager", "manager-")}`}.example.com`),
            });
        }
    });

    for (const key of ["databasePassword", "mysqlRootPassword", "adminPassword", "keystorePassword"] as const) {
        const value = secretValue(key);
        const problem = value === undefined ? undefined : passwordProblem(value);
        if (problem !== undefined) {
            problems.push({ path: [key], message: problem });
        }
    }
    const subscriptionPassword = secretValue("subscriptionPassword");
    const subscriptionProblem = subscriptionPassword === undefined ? undefined : subscriptionPasswordProblem(subscriptionPassword);
    if (subscriptionProblem !== undefined) {
        problems.push({ path: ["subscriptionPassword"], message: subscriptionProblem });
    }

    // The in-cluster dependency and the external one exclude each other: a setting of the unused one would be silently ignored.
    const unused = (settingPath: SettingPath, why: string) =>
        problems.push({
            path: settingPath,
            message: `is ignored while ${why}; remove it (or switch ${why.split(" ")[0]} to false)`,
            fix: settingPath.length === 1 ? `pulumi config rm ${settingPath[0]}` : `pulumi config rm --path ${shellWord(settingKey(settingPath))}`,
        });
    if (database?.inCluster === true) {
        if (changed("database", "host")) unused(["database", "host"], "database.inCluster is true");
        if (changed("database", "port")) unused(["database", "port"], "database.inCluster is true");
        if (database.tls === true) {
            problems.push({
                path: ["database", "tls"],
                message: "is for an external MySQL whose CA is in SP's truststore; the in-cluster evaluation MySQL has no such certificate",
                fix: "pulumi config set --path database.tls false",
            });
        }
        // Unless it was given and failed its own rule (reported already).
        if (nfs !== undefined && nfs.mysqlDataPath === undefined && valueAt(given, ["nfs", "mysqlDataPath"]) === undefined) {
            problems.push({ path: ["nfs", "mysqlDataPath"], message: "is required when database.inCluster is true" });
        }
    }
    if (database?.inCluster === false) {
        if (changed("database", "image")) unused(["database", "image"], "database.inCluster is false");
        if (changed("nfs", "mysqlDataPath")) unused(["nfs", "mysqlDataPath"], "database.inCluster is false");
        if (secretSet("mysqlRootPassword")) unused(["mysqlRootPassword"], "database.inCluster is false");
        if (database.host === "") {
            problems.push({ path: ["database", "host"], message: "is required when database.inCluster is false" });
        }
        if (!secretSet("databasePassword")) {
            problems.push({ path: ["databasePassword"], message: "is required when database.inCluster is false" });
        }
    }
    if (kafka?.inCluster === true) {
        if (changed("kafka", "bootstrapServers")) unused(["kafka", "bootstrapServers"], "kafka.inCluster is true");
        if (kafka.image !== undefined) {
            const why = kafkaImageProblem(kafka.image);
            if (why) problems.push({ path: ["kafka", "image"], message: why });
        }
    }
    if (kafka?.inCluster === false) {
        if (changed("kafka", "image")) unused(["kafka", "image"], "kafka.inCluster is false");
        if (kafka.bootstrapServers === "") {
            problems.push({ path: ["kafka", "bootstrapServers"], message: "is required when kafka.inCluster is false" });
        }
        // The manager creates topics through ZooKeeper (Kafka 0.10 admin API): it must be the external Kafka's own ensemble.
        if (zookeeper?.inCluster === true) {
            problems.push({
                path: ["zookeeper", "inCluster"],
                message: "must be false when kafka.inCluster is false: SP creates topics through the ZooKeeper ensemble of that Kafka, so set zookeeper.connect to it",
                fix: "pulumi config set --path zookeeper.inCluster false && pulumi config set --path zookeeper.connect zk-1.example.com:2181,zk-2.example.com:2181",
            });
        }
    }
    if (zookeeper?.inCluster === true && changed("zookeeper", "connect")) {
        unused(["zookeeper", "connect"], "zookeeper.inCluster is true");
    }
    if (zookeeper?.inCluster === true && zookeeper.image !== undefined) {
        const why = zookeeperImageProblem(zookeeper.image);
        if (why) problems.push({ path: ["zookeeper", "image"], message: why });
    }
    if (zookeeper?.inCluster === false) {
        if (changed("zookeeper", "image")) unused(["zookeeper", "image"], "zookeeper.inCluster is false");
        if (zookeeper.connect === "") {
            problems.push({ path: ["zookeeper", "connect"], message: "is required when zookeeper.inCluster is false" });
        }
    }
    if (settings.subscriptionUsername !== undefined && settings.subscriptionUsername !== "" && !secretSet("subscriptionPassword")) {
        problems.push({ path: ["subscriptionPassword"], message: "is required when subscriptionUsername is set" });
    }
    if (settings.subscriptionUsername === "" && secretSet("subscriptionPassword")) {
        problems.push({ path: ["subscriptionUsername"], message: "is required when subscriptionPassword is set" });
    }
    problems.push(...networkPolicyProblems(settings));
    problems.push(...hardeningProblems(settings, secretSet));
    for (const key of ["database", "kafka", "zookeeper"] as const) {
        if (settings[key]?.inCluster === true && changed("networkPolicies", "externalCidrs", key)) {
            unused(["networkPolicies", "externalCidrs", key], `${key}.inCluster is true`);
        }
    }
    if (settings.confsDir !== undefined) {
        problems.push(...confsDirProblems(settings.confsDir));
    }
    if (settings.siddhiAppsDir !== undefined && !isDirectory(path.resolve(projectDir, settings.siddhiAppsDir))) {
        problems.push({ path: ["siddhiAppsDir"], message: `names ${settings.siddhiAppsDir}, which is not a directory` });
    }
    return problems;
}

/** A NetworkPolicy can only admit addresses: each external dependency needs the CIDRs of its hosts. */
function networkPolicyProblems(settings: ValidPart): Problem[] {
    if (settings.networkPolicies?.enabled !== true) {
        return [];
    }
    const external = [
        { key: "database", inCluster: settings.database?.inCluster, hosts: settings.database?.host },
        { key: "kafka", inCluster: settings.kafka?.inCluster, hosts: settings.kafka?.bootstrapServers },
        { key: "zookeeper", inCluster: settings.zookeeper?.inCluster, hosts: settings.zookeeper?.connect },
    ] as const;
    return external
        .filter(({ key, inCluster }) => inCluster === false && settings.networkPolicies?.externalCidrs?.[key]?.length === 0)
        .map(({ key, hosts }) => ({
            path: ["networkPolicies", "externalCidrs", key],
            message:
                `is required when ${key}.inCluster is false and networkPolicies.enabled is true: a NetworkPolicy cannot name ${hosts || "a DNS host"}, ` +
                "so list the CIDRs of its addresses (or set networkPolicies.enabled false where no network plugin enforces policies)",
            fix: setCommand(["networkPolicies", "externalCidrs", key, 0], examples[`networkPolicies.externalCidrs.${key}`]),
        }));
}

/**
 * The in-cluster Kafka is configured through Confluent's `KAFKA_*` environment in ZooKeeper mode
 * (components/kafka.ts), and SP's Kafka 0.10 admin client needs ZooKeeper: Confluent 8 (Kafka 4)
 * dropped ZooKeeper, and the apache/kafka images run KRaft only.
 */
function kafkaImageProblem(image: string): string | undefined {
    const match = imagePattern.exec(image);
    const repository = match?.groups?.repository ?? "";
    const tag = match?.groups?.tag;
    if (!/(^|\/)cp-kafka$/.test(repository)) {
        return "must be a confluentinc/cp-kafka image (7.x or older): the in-cluster broker is configured the Confluent way, in ZooKeeper mode";
    }
    const major = tag === undefined ? undefined : Number(/^v?(\d+)/.exec(tag)?.[1]);
    if (major !== undefined && major >= 8) {
        return "is Confluent 8 or later (Kafka 4), which has no ZooKeeper mode; SP's Kafka 0.10 client creates topics through ZooKeeper: use 7.x";
    }
    return undefined;
}

/**
 * The in-cluster ensemble is configured the way the official `zookeeper` image reads it
 * (ZOO_SERVERS in the 3.5 form with `;<client port>`, ZOO_CFG_EXTRA; components/zookeeperEnsemble.ts).
 */
function zookeeperImageProblem(image: string): string | undefined {
    const match = imagePattern.exec(image);
    if (!/(^|\/)zookeeper$/.test(match?.groups?.repository ?? "")) {
        return "must be an image of the official zookeeper kind (repository …/zookeeper, 3.5 or newer): the in-cluster ensemble is configured through its ZOO_* environment";
    }
    const version = /^(\d+)\.(\d+)/.exec(match?.groups?.tag ?? "");
    if (version !== null && (Number(version[1]) < 3 || (Number(version[1]) === 3 && Number(version[2]) < 5))) {
        return "is older than ZooKeeper 3.5, whose server list format (ZOO_SERVERS with ;<client port>) the in-cluster ensemble uses";
    }
    return undefined;
}

/** A confs directory must exist and hold at least one node directory (manager, worker, dashboard). */
function confsDirProblems(confsDir: string): Problem[] {
    const dir = path.resolve(projectDir, confsDir);
    const fix = setCommand(["confsDir"], "confs");
    if (!isDirectory(dir)) {
        return [{ path: ["confsDir"], message: `names ${path.relative(projectDir, dir) || "."}, which is not a directory`, fix }];
    }
    if (!confNodes.some((node) => fs.existsSync(path.join(dir, node)))) {
        return [{ path: ["confsDir"], message: `holds none of the node directories ${confNodes.join(", ")}; SP would start with the image's stock configuration`, fix }];
    }
    return [];
}

function isDirectory(dir: string): boolean {
    return fs.existsSync(dir) && fs.statSync(dir).isDirectory();
}

interface Declaration {
    type?: string;
    default?: unknown;
}

const declarationsByText = new Map<string, Record<string, Declaration>>();

/**
 * The `config:` block of Pulumi.yaml: each key's declared type and default. Parsed once per text:
 * the tests run the program hundreds of times in one process.
 */
function readDeclarations(): Record<string, Declaration> {
    const text = fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8");
    let declarations = declarationsByText.get(text);
    if (declarations === undefined) {
        declarations = (parseYaml(text) as { config?: Record<string, Declaration> }).config ?? {};
        declarationsByText.set(text, declarations);
    }
    return declarations;
}

/** Pulumi hands the program strings for string settings and JSON for everything else. */
function decode(value: string, declaration: Declaration): unknown {
    if (declaration.type === "string") {
        return value;
    }
    try {
        return JSON.parse(value);
    } catch {
        return value; // left as text, so the schema reports it with the value the user typed
    }
}

/** An object setting given in part (`--path database.host`) keeps the declared defaults of the rest. */
function withDefaults(defaults: unknown, value: unknown): unknown {
    if (!isPlainObject(defaults) || !isPlainObject(value)) {
        return value;
    }
    const merged: Record<string, unknown> = { ...defaults };
    for (const [key, item] of Object.entries(value)) {
        merged[key] = withDefaults(defaults[key], item);
    }
    return merged;
}

/** A copy of `value` without the values at `paths` (the ones that failed their rule). */
function withoutPaths(value: unknown, paths: SettingPath[]): unknown {
    const copy = structuredClone(value) as Record<string, unknown>;
    for (const settingPath of paths) {
        const parent = valueAt(copy, settingPath.slice(0, -1));
        if (settingPath.length === 0) {
            return {};
        }
        if (isPlainObject(parent) || Array.isArray(parent)) {
            (parent as Record<string | number, unknown>)[settingPath[settingPath.length - 1]] = undefined;
        }
    }
    return copy;
}

function valueAt(value: unknown, settingPath: SettingPath): unknown {
    return settingPath.reduce<unknown>((node, part) => (isPlainObject(node) || Array.isArray(node) ? (node as Record<string | number, unknown>)[part] : undefined), value);
}

/** Adds `item` to `set`; false when it was there already. */
function addOnce(set: Set<string>, item: string): boolean {
    const had = set.has(item);
    set.add(item);
    return !had;
}

function trimSlash(value: string): string {
    return value.length > 1 ? value.replace(/\/+$/, "") : value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `additionalVolumes[0].nodes[1]`: the setting as `pulumi config set --path` takes it. */
function settingKey(settingPath: SettingPath): string {
    return settingPath.map((part, index) => (typeof part === "number" ? `[${part}]` : index === 0 ? part : `.${part}`)).join("");
}

/** A word bash and zsh both take literally: bare when it is plain, else in single quotes. */
export function shellWord(word: string): string {
    return /^[A-Za-z0-9_@%+,./-][A-Za-z0-9_@%+=,.:/-]*$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

function setCommand(settingPath: SettingPath, example: string): string {
    const key = settingKey(settingPath);
    return settingPath.length === 1 ? `pulumi config set ${key} ${shellWord(example)}` : `pulumi config set --path ${shellWord(key)} ${shellWord(example)}`;
}

/**
 * Example values for fixes where the declared default (Pulumi.yaml) is no help: there is none, or it
 * is empty.
 * Keyed by the setting path without indexes.
 */
const examples: Record<string, string> = {
    "nfs.server": "10.0.0.9",
    "nfs.siddhiFilesPath": "/exports/wso2sp/siddhi-files",
    "nfs.mysqlDataPath": "/exports/wso2sp/mysql",
    "additionalVolumes.name": "sp-extra-libs",
    "additionalVolumes.path": "/exports/wso2sp/extra-libs",
    "additionalVolumes.server": "10.0.0.9",
    "additionalVolumes.mountPath": "/mnt/sp-extra-libs",
    "additionalVolumes.nodes": "manager",
    "additionalVolumes.size": "1Gi",
    imageRegistry: "docker.example.com/wso2",
    subscriptionUsername: "user@example.com",
    "ingress.tlsSecretName": "wso2sp-tls",
    "ingress.hosts.manager1": "sp-manager-1.example.com",
    "ingress.hosts.manager2": "sp-manager-2.example.com",
    "ingress.hosts.dashboard": "sp-dashboard.example.com",
    "database.host": "mysql.example.com",
    "kafka.bootstrapServers": "kafka-1.example.com:9092,kafka-2.example.com:9092",
    "zookeeper.connect": "zk-1.example.com:2181,zk-2.example.com:2181,zk-3.example.com:2181",
    "networkPolicies.clients.cidrs": "10.30.0.0/16",
    "networkPolicies.clients.namespaces": "event-publishers",
    "networkPolicies.externalCidrs.database": "10.20.1.0/24",
    "networkPolicies.externalCidrs.kafka": "10.20.2.0/24",
    "networkPolicies.externalCidrs.zookeeper": "10.20.3.0/24",
    "networkPolicies.appEgress.cidrs": "10.40.0.0/16",
    "networkPolicies.appEgress.ports": "443",
    placement: "preferred",
    "exposure.sourceRanges": "203.0.113.0/24",
    "tls.secretName": "wso2sp-keystores",
};

/** The usual fix of a setting: set it to its example, or to its declared default when that is a usable scalar. */
function defaultFix(settingPath: SettingPath, value: unknown, declarations: Record<string, Declaration>): string {
    const [top] = settingPath;
    if ((secretKeys as readonly string[]).includes(String(top))) {
        return `pulumi config set --secret ${top}`;
    }
    const named = settingPath.filter((part): part is string => typeof part === "string").join(".");
    const declared = valueAt(declarations[String(top)]?.default, settingPath.slice(1));
    const candidates = [examples[named], typeof declared === "string" || typeof declared === "number" || typeof declared === "boolean" ? String(declared) : undefined];
    const example = candidates.find((candidate) => candidate !== undefined && candidate !== "" && candidate !== String(value));
    if (example !== undefined && schemaAt(settingPath) instanceof z.ZodArray) {
        // A list is set entry by entry; one that is no list goes first.
        const first = setCommand([...settingPath, 0], example);
        return Array.isArray(value) ? first : `pulumi config rm --path ${shellWord(settingKey(settingPath))} && ${first}`;
    }
    if (example !== undefined) {
        return setCommand(settingPath, example);
    }
    // A whole object or list, or a field without a usable example: back to the declared default.
    return settingPath.length === 1 ? `pulumi config rm ${top}` : `pulumi config rm --path ${shellWord(settingKey(settingPath))}`;
}

/** `setSecrets`: the secret settings the stack sets, whose values are never shown. */
function settingsError(
    project: string,
    problems: Problem[],
    raw: Record<string, unknown>,
    declarations: Record<string, Declaration>,
    setSecrets: Set<string>,
): SettingsError {
    const seen = new Set<string>();
    const lines: string[] = [];
    for (const { path: settingPath, message, fix, value: given } of problems) {
        const key = settingKey(settingPath);
        const value = given ?? valueAt(raw, settingPath);
        const secret = value === hidden || setSecrets.has(key);
        const shown = secret ? "value not shown" : value === undefined ? "not set" : `got ${JSON.stringify(value)}`;
        const line = `  - ${project}:${key} ${message} (${shown}). Fix: ${fix ?? defaultFix(settingPath, value, declarations)}`;
        if (addOnce(seen, line)) {
            lines.push(line);
        }
    }
    return new SettingsError(`Invalid stack settings; nothing was deployed:\n${lines.join("\n")}`);
}
