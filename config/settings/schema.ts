/**
 * The shape of the stack settings: every setting Pulumi.yaml declares (its `config:` block is the
 * user-facing schema, with the defaults), checked field by field with the leaf rules (rules.ts).
 */
import type * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { spMinimumMemory } from "../memory";
import {
    absolutePath,
    boolean,
    cidr,
    cidrs,
    cpuQuantity,
    dnsLabel,
    host,
    hostPortList,
    imagePattern,
    imageRef,
    imageTagPattern,
    ingressHost,
    integer,
    isHost,
    namespaceName,
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

// Production hardening (README "High availability", "Resources", "Exposure", "TLS").
const hardeningSchema = {
    placement: z.enum(["required", "preferred"], { error: "must be required or preferred" }),
    cpu: strict({ manager: cpuQuantity, worker: cpuQuantity, receiver: cpuQuantity, dashboard: cpuQuantity }, "manager, worker, receiver, dashboard"),
    exposure: strict({ sourceRanges: z.array(cidr, { error: "must be a list of CIDRs such as 203.0.113.0/24" }), managers: boolean }, "sourceRanges, managers"),
    tls: strict({ secretName }, "secretName"),
};

export const schema = z.strictObject({
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
    ...hardeningSchema,
});

export type ParsedSettings = z.infer<typeof schema>;

/** The validated stack settings, plus the secret settings the stack sets. */
export type Settings = ParsedSettings & { secrets: Partial<Record<SecretKey, pulumi.Output<string>>> };

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
        }
        while (node instanceof z.ZodOptional || node instanceof z.ZodDefault) {
            node = node.unwrap() as z.ZodType;
        }
    }
    return node;
}
