/**
 * The shape of the stack settings: every setting Pulumi.yaml declares (its `config:` block is the
 * user-facing schema, with the defaults), checked field by field with the leaf rules (rules.ts).
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { configuredListenersOf, workerProfileNodes } from "../listeners";
import { imageReferencePattern } from "../image";
import { spMinimumMemory } from "../memory";
import {
    absolutePath,
    between,
    boolean,
    cidr,
    cidrs,
    cpuQuantity,
    dnsLabel,
    exportPath,
    host,
    hostPortList,
    imageRef,
    imageTagPattern,
    ingressHost,
    integer,
    isHost,
    moveConfirmation,
    namespaceName,
    objectKey,
    objectName,
    podLabels,
    port,
    quantity,
    secretName,
    strict,
    text,
} from "./rules";

const nodeKinds = ["manager", "worker", "receiver", "dashboard"] as const;
export type NodeKind = (typeof nodeKinds)[number];

/**
 * Secret settings. They are not declared in Pulumi.yaml (a declared key without a default is
 * required in every stack), so they are listed here for the unknown-key check.
 */
export const secretKeys = ["subscriptionPassword", "databasePassword", "mysqlRootPassword", "adminPassword", "keystorePassword"] as const;
export type SecretKey = (typeof secretKeys)[number];

/** A key of Pulumi.yaml's `config:` block: its declared type and default. */
export interface Declaration {
    type?: string;
    default?: unknown;
}

/**
 * Pulumi.yaml declares a default for nfs.admissionPolicy only: a value without server and exports
 * is an nfs block the stack does not set.
 */
export function nfsUnset(value: unknown): boolean {
    return value === undefined || (typeof value === "object" && value !== null && ["server", "siddhiFilesPath", "mysqlDataPath"].every((key) => !(key in value)));
}

// Network isolation (README "Network policies").
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

/** Every port the worker and the receiver take themselves, the ones bound to 127.0.0.1 included. */
const spWorkerPorts = new Set(Object.values(workerProfileNodes).flatMap(({ offset, nodePort }) => configuredListenersOf("worker", offset, nodePort).map((listener) => listener.port)));

// The ports of the apps' `http` sources (README "Network policies"; config/listeners.ts).
const httpSourcePortsSchema = z.array(
    // Restricted pods drop every capability: the SP user binds no port below 1024.
    port
        .refine((value) => value >= 1024, { error: "must be 1024 or higher: SP runs unprivileged and cannot listen below 1024" })
        .refine((value) => !spWorkerPorts.has(value), {
            error: `is a port SP itself listens on in the worker or the receiver (${[...spWorkerPorts].sort((a, b) => a - b).join(", ")}); give the http source another`,
        }),
    { error: "must be a list of port numbers, such as [8280]" },
);

// Production hardening (README "High availability", "Resources", "Exposure", "TLS").
const hardeningSchema = {
    placement: z.enum(["required", "preferred"], { error: "must be required or preferred" }),
    cpu: strict({ manager: cpuQuantity, worker: cpuQuantity, receiver: cpuQuantity, dashboard: cpuQuantity }, "manager, worker, receiver, dashboard"),
    exposure: strict(
        {
            sourceRanges: z.array(cidr, { error: "must be a list of CIDRs such as 203.0.113.0/24" }),
            managers: boolean,
            // ingress-nginx reads each as an integer per client address; 0 would switch the limit off.
            limits: strict(
                { requestsPerSecond: between(1, 1000), burstMultiplier: between(1, 100), connections: between(1, 1000) },
                "requestsPerSecond, burstMultiplier, connections",
            ),
        },
        "sourceRanges, managers, limits",
    ),
    tls: strict(
        {
            secretName,
            trustedCaBundles: z.array(
                strict({ kind: z.enum(["ConfigMap", "Secret"], { error: "must be ConfigMap or Secret" }), name: objectName, key: objectKey }, "kind, name, key"),
                { error: "must be a list of { kind, name, key }" },
            ),
            hostnameVerification: boolean,
        },
        "secretName, trustedCaBundles, hostnameVerification",
    ),
    // One digest-pinned reference per SP image; "" runs imageRegistry/<image>:imageTag (config/image.ts spImage).
    images: strict(
        { manager: text("must be an image reference"), worker: text("must be an image reference"), dashboard: text("must be an image reference") },
        "manager, worker, dashboard",
    ),
};

export const schema = z.strictObject({
    namespace: namespaceName,
    nfs: z.preprocess(
        (value) => (nfsUnset(value) ? undefined : value),
        z.strictObject(
            {
                server: host,
                siddhiFilesPath: exportPath,
                mysqlDataPath: exportPath.optional(),
                // Data-bearing volume (mysqlData, siddhiFiles, an additional volume's name) → the new location it moves to.
                confirmMove: z.record(z.string(), moveConfirmation, { error: "must be a mapping of volume names to their new locations" }).optional(),
                admissionPolicy: strict({ create: boolean, exemptNamespaces: z.array(dnsLabel, { error: "must be a list of namespace names" }) }, "create, exemptNamespaces"),
            },
            {
                error: (issue) =>
                    issue.input === undefined
                        ? "must be set: the NFS server and the Siddhi files export"
                        : "must be a mapping with server, siddhiFilesPath, mysqlDataPath, confirmMove, admissionPolicy",
            },
        ),
    ),
    // The managers deploy Siddhi apps once two resource nodes have joined (minResourceCount: 2).
    workers: integer("must be a whole number of at least 2").refine((value) => value >= 2, {
        error: "must be at least 2: the managers deploy Siddhi apps only once two workers have joined",
    }),
    additionalVolumes: z.array(
        strict(
            {
                name: dnsLabel,
                path: exportPath,
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
        (value) => value === "" || imageReferencePattern.test(`${value}/wso2sp-manager:4.4.0`),
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
            tlsSecretName: secretName,
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
    httpSourcePorts: httpSourcePortsSchema,
    // Keys of one Secret as variables of the nodes that run apps, for siddhi.refs (docs/app-secrets.md).
    appSecrets: strict(
        {
            secretName,
            variables: z.record(z.string(), objectKey, { error: "must be a mapping of variable names to keys of the Secret" }),
        },
        "secretName, variables",
    ),
    ...hardeningSchema,
});

export type ParsedSettings = z.infer<typeof schema>;

/** The validated stack settings, plus the secret settings the stack sets and what preview should warn about. */
export type Settings = ParsedSettings & { secrets: Partial<Record<SecretKey, pulumi.Output<string>>>; warnings: string[] };

type DeepPartial<T> = T extends (infer U)[] ? (DeepPartial<U> | undefined)[] : T extends object ? { [K in keyof T]?: DeepPartial<T[K]> } : T;
/** The settings with every field that failed its own rule removed: what cross-setting checks see. */
export type ValidPart = DeepPartial<ParsedSettings>;

/** Where a setting sits: `["additionalVolumes", 0, "name"]`. */
export type SettingPath = (string | number)[];

/** The zod object shape at a setting path (for suggestions), if it is an object. */
export function shapeAt(settingPath: SettingPath): Record<string, unknown> | undefined {
    const node = schemaAt(settingPath);
    return node instanceof z.ZodObject ? node.shape : undefined;
}

/** Whether the path names a setting this project declares (a field of the schema, at any depth). */
export function isDeclared(settingPath: SettingPath): boolean {
    let node: z.ZodType | undefined = schema;
    for (const part of settingPath) {
        while (node instanceof z.ZodOptional || node instanceof z.ZodDefault || node instanceof z.ZodPipe) {
            node = (node instanceof z.ZodPipe ? node.out : node.unwrap()) as z.ZodType;
        }
        if (node instanceof z.ZodArray && typeof part === "number") {
            node = node.element as z.ZodType;
        } else if (node instanceof z.ZodObject && typeof part === "string") {
            node = node.shape[part] as z.ZodType | undefined;
        } else if (node instanceof z.ZodRecord && typeof part === "string") {
            node = node.valueType as z.ZodType;
        } else {
            return false;
        }
    }
    return node !== undefined;
}

/** The schema of the setting at a path, without optional/default wrappers. */
export function schemaAt(settingPath: SettingPath): z.ZodType | undefined {
    let node: z.ZodType | undefined = schema;
    for (const part of settingPath) {
        if (node instanceof z.ZodArray) {
            node = node.element as z.ZodType;
        } else if (node instanceof z.ZodObject) {
            node = node.shape[part as string] as z.ZodType | undefined;
        } else if (node instanceof z.ZodRecord) {
            node = node.valueType as z.ZodType;
        }
        while (node instanceof z.ZodOptional || node instanceof z.ZodDefault || node instanceof z.ZodPipe) {
            node = (node instanceof z.ZodPipe ? node.out : node.unwrap()) as z.ZodType;
        }
    }
    return node;
}
