import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { overlayMountPath, productHome, reservedMountRoots, siddhiFilesMountPath } from "./image";
import { quantityBytes, spMinimumMemory } from "./memory";
import { mysqlDataClaimName, ownKeystoresVolumeName, siddhiFilesClaimName } from "./names";

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

const host = z.union([z.ipv4(), z.ipv6(), z.hostname()], {
    error: "must be an IPv4 address, an IPv6 address or a DNS name",
});
const absolutePath = z
    .string()
    .regex(/^\/\S*$/, { error: "must be an absolute path (starting with /)" })
    .refine((value) => path.posix.normalize(value) === value, { error: "must be a plain absolute path (no //, . or .. segments)" });
const dnsLabel = z
    .string()
    .max(63)
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, { error: "must be a DNS label (lower-case letters, digits, -)" });
const quantity = z
    .string()
    .regex(/^\d+(\.\d+)?(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E)?$/, { error: "must be a Kubernetes quantity such as 1Gi" });
/** An SP container's memory: the JVM's heap is 75% of it (config/memory.ts). */
const spMemory = quantity.refine((value) => (quantityBytes(value) ?? 0) >= quantityBytes(spMinimumMemory)!, {
    error: `must be at least ${spMinimumMemory}: an SP JVM needs a heap of at least 768Mi`,
});
const hostPortList = z
    .string()
    .regex(/^[^\s,:]+:\d{1,5}(,[^\s,:]+:\d{1,5})*$/, { error: 'must be a list "host:port,host:port"' });
const imageRef = z
    .string()
    .regex(/^[^\s:@]+(:\d+)?(\/[^\s:@]+)*(:[\w][\w.-]{0,127}|@sha256:[a-f0-9]{64})$/, {
        error: "must be an image with an explicit tag or digest (repository:tag)",
    })
    .refine((image) => !image.endsWith(":latest"), { error: "must pin a tag other than latest" });
/** What an Ingress accepts as host: a lower-case DNS name, optionally a wildcard, never an IP address. */
const dnsSubdomain = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const ingressHost = z
    .string()
    .refine((value) => value === "" || (value.length <= 253 && dnsSubdomain.test(value) && !z.ipv4().safeParse(value).success), {
        error: "must be a lower-case DNS name (no IP address, no trailing dot), or empty to disable",
    });

// ---- Network isolation (networkPolicies; README "Network policies"). ----
const cidr = z.union([z.cidrv4(), z.cidrv6()], { error: "must be a CIDR such as 10.20.0.0/16" });
const labelKey = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const labelValue = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
/** `key=value,key=value` (kubectl's equality selector) → labels; empty selects every pod. */
const podLabels = z
    .string()
    .refine((value) => value === "" || value.split(",").every((pair) => /^[^=]+=[^=]*$/.test(pair) && labelKey.test(pair.split("=")[0]) && labelValue.test(pair.split("=")[1])), {
        error: 'must be pod labels "key=value,key=value" (empty: every pod of the namespace)',
    })
    .transform((value) => Object.fromEntries(value === "" ? [] : value.split(",").map((pair) => pair.split("=") as [string, string])));
const port = z.number().int().min(1).max(65535);
const networkPoliciesSchema = z.strictObject({
    enabled: z.boolean(),
    ingressController: z.strictObject({ namespace: dnsLabel, podLabels }),
    dns: z.strictObject({ namespace: dnsLabel, podLabels, port }),
    clients: z.strictObject({
        // Admitting every address would undo the isolation of the event ports.
        cidrs: z.array(cidr.refine((value) => !value.endsWith("/0"), { error: "must not admit every address (/0); list the publishers' networks" })),
        namespaces: z.array(dnsLabel),
    }),
    externalCidrs: z.strictObject({ database: z.array(cidr), kafka: z.array(cidr), zookeeper: z.array(cidr) }),
    appEgress: z.array(z.strictObject({ cidrs: z.array(cidr).min(1), ports: z.array(port).min(1) })),
});
const networkPolicyFixes: Record<string, string> = {
    "networkPolicies.ingressController.podLabels": "pulumi config set --path networkPolicies.ingressController.podLabels app.kubernetes.io/name=ingress-nginx",
    "networkPolicies.dns.podLabels": "pulumi config set --path networkPolicies.dns.podLabels k8s-app=kube-dns",
    "networkPolicies.clients.cidrs": "pulumi config set --path 'networkPolicies.clients.cidrs[I]' 10.30.0.0/16",
    "networkPolicies.externalCidrs.database": "pulumi config set --path 'networkPolicies.externalCidrs.database[I]' 10.20.1.0/24",
    "networkPolicies.externalCidrs.kafka": "pulumi config set --path 'networkPolicies.externalCidrs.kafka[I]' 10.20.2.0/24",
    "networkPolicies.externalCidrs.zookeeper": "pulumi config set --path 'networkPolicies.externalCidrs.zookeeper[I]' 10.20.3.0/24",
};
/** A NetworkPolicy can only admit addresses: each external dependency needs the CIDRs of its hosts. */
function networkPolicyProblems(settings: ParsedSettings): Problem[] {
    if (!settings.networkPolicies.enabled) {
        return [];
    }
    const external = [
        { key: "database", inCluster: settings.database.inCluster, hosts: settings.database.host },
        { key: "kafka", inCluster: settings.kafka.inCluster, hosts: settings.kafka.bootstrapServers },
        { key: "zookeeper", inCluster: settings.zookeeper.inCluster, hosts: settings.zookeeper.connect },
    ] as const;
    return external
        .filter(({ key, inCluster }) => !inCluster && settings.networkPolicies.externalCidrs[key].length === 0)
        .map(({ key, hosts }) => ({
            path: ["networkPolicies", "externalCidrs", key],
            message:
                `is required when ${key}.inCluster is false and networkPolicies.enabled is true: a NetworkPolicy cannot name ${hosts || "a DNS host"}, ` +
                "so list the CIDRs of its addresses (or set networkPolicies.enabled false where no network plugin enforces policies)",
        }));
}
const cpuQuantity = z.string().regex(/^(\d+(\.\d+)?|\d+m)$/, { error: "must be a CPU quantity such as 500m or 1" });
const dnsSubdomainName = z
    .string()
    .max(253)
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, { error: "must be a Kubernetes object name" });

const schema = z
    .object({
        namespace: dnsLabel,
        nfs: z.strictObject(
            {
                server: host,
                siddhiFilesPath: absolutePath,
                mysqlDataPath: absolutePath.optional(),
            },
            { error: (issue) => (issue.input === undefined ? "must be set: the NFS server and the Siddhi files export" : undefined) },
        ),
        // The managers deploy Siddhi apps once two resource nodes have joined (minResourceCount: 2).
        workers: z.number({ error: "must be an integer of at least 2" }).int({ error: "must be an integer of at least 2" }).min(2, {
            error: "must be an integer of at least 2: the managers deploy Siddhi apps only once two workers have joined",
        }),
        additionalVolumes: z.array(
            z.strictObject({
                name: dnsLabel,
                path: absolutePath,
                server: host.optional(),
                // Unset: the volume overlays the product home at start (config/image.ts).
                mountPath: absolutePath.optional(),
                nodes: z
                    .array(z.enum(nodeKinds, { error: `must be one of ${nodeKinds.join(", ")}` }))
                    .min(1, { error: `must name at least one of ${nodeKinds.join(", ")}` }),
                size: quantity.default("1Gi"),
            }),
        ),
        volumeProtection: z.enum(["retainOnDelete", "protect"]),
        confsDir: z.string().min(1),
        siddhiAppsDir: z.string().min(1),
        imageRegistry: z.string().regex(/^[^\s:@]*(:\d+)?(\/[^\s:@]+)*$/, { error: "must be a registry/repository prefix" }),
        imageTag: z.string().regex(/^[\w][\w.-]{0,127}$/, { error: "must be an image tag" }),
        subscriptionUsername: z.string(),
        ingress: z.strictObject({
            className: dnsLabel,
            tlsSecretName: z.union([z.literal(""), dnsLabel]),
            hosts: z.strictObject({ manager1: ingressHost, manager2: ingressHost, dashboard: ingressHost }),
        }),
        memory: z.strictObject({ manager: spMemory, worker: spMemory, receiver: spMemory, dashboard: spMemory }),
        database: z.strictObject({
            inCluster: z.boolean(),
            // A DNS name or IPv4 address: an IPv6 literal would need brackets in the JDBC URL.
            host: z.union([z.literal(""), z.ipv4(), z.hostname()], { error: "must be a DNS name or an IPv4 address" }),
            port: z.number().int().min(1).max(65535),
            tls: z.boolean(),
            username: z
                .string()
                .regex(/^[A-Za-z0-9_]{1,32}$/, { error: "must be a MySQL user name" })
                .refine((username) => username.toLowerCase() !== "root", { error: "must not be root: SP connects as an application user" }),
            image: imageRef,
        }),
        kafka: z.strictObject({ inCluster: z.boolean(), bootstrapServers: z.union([z.literal(""), hostPortList]), image: imageRef }),
        zookeeper: z.strictObject({ inCluster: z.boolean(), connect: z.union([z.literal(""), hostPortList]), image: imageRef }),
        networkPolicies: networkPoliciesSchema,
        // Production hardening (issue 9): placement, CPU requests, exposure, own TLS material.
        placement: z.enum(["required", "preferred"], { error: "must be required or preferred" }),
        cpu: z.strictObject({ manager: cpuQuantity, worker: cpuQuantity, receiver: cpuQuantity, dashboard: cpuQuantity }),
        exposure: z.strictObject({
            sourceRanges: z.array(z.union([z.cidrv4(), z.cidrv6()], { error: "must be a CIDR such as 203.0.113.0/24" })),
            managers: z.boolean(),
        }),
        tls: z.strictObject({ secretName: z.union([z.literal(""), dnsSubdomainName]) }),
    })
    .strict();

type ParsedSettings = z.infer<typeof schema>;

/** The validated stack settings, plus the secret settings the stack sets. */
export type Settings = ParsedSettings & { secrets: Partial<Record<SecretKey, pulumi.Output<string>>> };

/** A command that fixes each setting, shown with its error; array indexes are dropped from keys. */
const fixExamples: Record<string, string> = {
    nfs: "pulumi config set --path nfs.server 10.0.0.9 && pulumi config set --path nfs.siddhiFilesPath /exports/wso2sp/siddhi-files",
    "nfs.server": "pulumi config set --path nfs.server 10.0.0.9",
    "nfs.siddhiFilesPath": "pulumi config set --path nfs.siddhiFilesPath /exports/wso2sp/siddhi-files",
    "nfs.mysqlDataPath": "pulumi config set --path nfs.mysqlDataPath /exports/wso2sp/mysql",
    workers: "pulumi config set workers 2",
    "additionalVolumes.name": "pulumi config set --path 'additionalVolumes[I].name' sp-extra-libs",
    "additionalVolumes.path": "pulumi config set --path 'additionalVolumes[I].path' /exports/wso2sp/extra-libs",
    "additionalVolumes.mountPath": "pulumi config rm --path 'additionalVolumes[I].mountPath'",
    "additionalVolumes.nodes": "pulumi config set --path 'additionalVolumes[I].nodes[0]' manager",
    "database.host": "pulumi config set --path database.host mysql.example.com",
    "database.username": "pulumi config set --path database.username wso2carbon",
    databasePassword: "pulumi config set --secret databasePassword <password>",
    subscriptionPassword: "pulumi config set --secret subscriptionPassword <password>",
    "kafka.bootstrapServers": "pulumi config set --path kafka.bootstrapServers kafka-1.example.com:9092",
    "zookeeper.connect": "pulumi config set --path zookeeper.connect zk-1.example.com:2181,zk-2.example.com:2181",
    confsDir: "pulumi config set confsDir confs",
    siddhiAppsDir: "pulumi config set siddhiAppsDir siddhi-apps",
    "ingress.hosts.manager1": "pulumi config set --path ingress.hosts.manager1 sp-manager-1.example.com",
    "ingress.hosts.manager2": "pulumi config set --path ingress.hosts.manager2 sp-manager-2.example.com",
    "ingress.hosts.dashboard": "pulumi config set --path ingress.hosts.dashboard sp-dashboard.example.com",
    adminPassword: "pulumi config set --secret adminPassword <password>",
    mysqlRootPassword: "pulumi config set --secret mysqlRootPassword <password>",
    ...networkPolicyFixes,
    placement: "pulumi config set placement preferred",
    "cpu.manager": "pulumi config set --path cpu.manager 500m",
    "cpu.worker": "pulumi config set --path cpu.worker 1",
    "cpu.receiver": "pulumi config set --path cpu.receiver 500m",
    "cpu.dashboard": "pulumi config set --path cpu.dashboard 250m",
    "exposure.sourceRanges": "pulumi config set --path 'exposure.sourceRanges[I]' 203.0.113.0/24",
    "tls.secretName": "pulumi config set --path tls.secretName wso2sp-keystores",
    keystorePassword: "pulumi config set --secret keystorePassword <password>",
};

interface Problem {
    path: (string | number)[];
    message: string;
    /** The command that fixes it, when not the setting's usual one. */
    fix?: string;
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
    const problems: Problem[] = [];

    const raw: Record<string, unknown> = {};
    for (const [key, declaration] of Object.entries(declarations)) {
        const value = stackConfig[prefix + key];
        raw[key] = value === undefined ? declaration.default : withDefaults(declaration.default, decode(value, declaration));
    }
    for (const key of Object.keys(stackConfig)) {
        const name = key.slice(prefix.length);
        if (key.startsWith(prefix) && !(name in declarations) && !(secretKeys as readonly string[]).includes(name)) {
            problems.push({ path: [name], message: "is not a setting of this project (see Pulumi.yaml)", fix: `pulumi config rm ${name}` });
        }
    }

    const setSecrets = new Set<string>(secretKeys.filter((key) => prefix + key in stackConfig));
    const parsed = schema.safeParse(raw);
    if (!parsed.success) {
        for (const issue of parsed.error.issues) {
            const issuePath = issue.path as (string | number)[];
            if (issue.code === "unrecognized_keys") {
                // A misspelt field: name it, and the command that removes it.
                for (const key of issue.keys) {
                    const setting = [...issuePath, key].join(".");
                    problems.push({ path: [...issuePath, key], message: "is not a setting of this project (see Pulumi.yaml)", fix: `pulumi config rm --path ${setting}` });
                }
            } else {
                problems.push({ path: issuePath, message: issue.message });
            }
        }
        throw settingsError(project, problems, raw, setSecrets);
    }
    const settings = parsed.data;
    const secretValue = (key: SecretKey): string | undefined => stackConfig[prefix + key];
    problems.push(...crossChecks(settings, secretValue));
    if (problems.length > 0) {
        throw settingsError(project, problems, raw, setSecrets);
    }

    const config = new pulumi.Config();
    const secrets: Settings["secrets"] = {};
    for (const key of secretKeys) {
        if (secretValue(key) !== undefined) {
            secrets[key] = config.requireSecret(key);
        }
    }
    return { ...settings, secrets };
}

/** Rules that span several settings. */
function crossChecks(settings: ParsedSettings, secretValue: (key: SecretKey) => string | undefined): Problem[] {
    const secretSet = (key: SecretKey) => secretValue(key) !== undefined;
    const problems: Problem[] = [];
    const claimNames = new Set<string>([siddhiFilesClaimName, mysqlDataClaimName]);
    const mountPaths = new Set<string>(nodeKinds.filter((node) => node === "manager").map((node) => `${node}:${trimSlash(siddhiFilesMountPath)}`));
    // Two volumes on one export would share (and, for MySQL, corrupt) one directory.
    const nfsExports = new Set<string>([`${settings.nfs.server}:${settings.nfs.siddhiFilesPath}`]);
    if (settings.database.inCluster && settings.nfs.mysqlDataPath !== undefined && !addOnce(nfsExports, `${settings.nfs.server}:${settings.nfs.mysqlDataPath}`)) {
        problems.push({ path: ["nfs", "mysqlDataPath"], message: "is the export of another volume; each volume needs its own directory" });
    }
    settings.additionalVolumes.forEach((volume, index) => {
        // Volume names are also pod volume names, beside the `conf-…` ones of confs/.
        if (!addOnce(claimNames, volume.name) || volume.name.startsWith("conf-")) {
            problems.push({ path: ["additionalVolumes", index, "name"], message: "is used by another volume (or starts with conf-); names must be unique" });
        }
        if (!addOnce(nfsExports, `${volume.server ?? settings.nfs.server}:${volume.path}`)) {
            problems.push({ path: ["additionalVolumes", index, "path"], message: "is the export of another volume; each volume needs its own directory" });
        }
        const mountPath = trimSlash(volume.mountPath ?? overlayMountPath(volume.name));
        const within = (root: string) => `${mountPath}/`.startsWith(`${root}/`) || `${root}/`.startsWith(`${mountPath}/`);
        if (volume.mountPath !== undefined && (`${productHome}/`.startsWith(`${mountPath}/`) || reservedMountRoots.some(within))) {
            problems.push({
                path: ["additionalVolumes", index, "mountPath"],
                message: "would hide the product home or the program's own mounts; leave it unset to overlay the product home, or mount elsewhere",
            });
        }
        for (const node of volume.nodes) {
            if (!addOnce(mountPaths, `${node}:${mountPath}`)) {
                problems.push({
                    path: ["additionalVolumes", index, "mountPath"],
                    message: `is where another volume is mounted on ${node} already; give each volume of a node its own mountPath`,
                });
            }
        }
    });
    const hosts = Object.entries(settings.ingress.hosts).filter(([, host]) => host !== "");
    hosts.forEach(([node, host], index) => {
        if (hosts.findIndex(([, other]) => other === host) < index) {
            problems.push({ path: ["ingress", "hosts", node], message: "is the host of another ingress; each needs its own" });
        }
    });
    for (const key of secretKeys) {
        // SP pastes env values into its YAML before parsing it: `$` starts a placeholder, `'` ends a quote.
        if (/[$']/.test(secretValue(key) ?? "")) {
            problems.push({ path: [key], message: "must not contain $ or '" });
        }
    }
    if (settings.database.inCluster && settings.nfs.mysqlDataPath === undefined) {
        problems.push({ path: ["nfs", "mysqlDataPath"], message: "is required when database.inCluster is true" });
    }
    if (!settings.database.inCluster && settings.database.host === "") {
        problems.push({ path: ["database", "host"], message: "is required when database.inCluster is false" });
    }
    if (!settings.database.inCluster && !secretSet("databasePassword")) {
        problems.push({ path: ["databasePassword"], message: "is required when database.inCluster is false" });
    }
    if (!settings.kafka.inCluster && settings.kafka.bootstrapServers === "") {
        problems.push({ path: ["kafka", "bootstrapServers"], message: "is required when kafka.inCluster is false" });
    }
    if (!settings.zookeeper.inCluster && settings.zookeeper.connect === "") {
        problems.push({ path: ["zookeeper", "connect"], message: "is required when zookeeper.inCluster is false" });
    }
    if (settings.subscriptionUsername !== "" && !secretSet("subscriptionPassword")) {
        problems.push({ path: ["subscriptionPassword"], message: "is required when subscriptionUsername is set" });
    }
    if (settings.subscriptionUsername === "" && secretSet("subscriptionPassword")) {
        problems.push({ path: ["subscriptionUsername"], message: "is required when subscriptionPassword is set" });
    }
    problems.push(...networkPolicyProblems(settings));
    problems.push(...hardeningChecks(settings, secretSet));
    const confsDir = path.resolve(projectDir, settings.confsDir);
    if (!fs.existsSync(confsDir) || !fs.statSync(confsDir).isDirectory()) {
        problems.push({ path: ["confsDir"], message: `names ${confsDir}, which is not a directory` });
    }
    const siddhiAppsDir = path.resolve(projectDir, settings.siddhiAppsDir);
    if (!fs.existsSync(siddhiAppsDir) || !fs.statSync(siddhiAppsDir).isDirectory()) {
        problems.push({ path: ["siddhiAppsDir"], message: `names ${siddhiAppsDir}, which is not a directory` });
    }
    return problems;
}

/** Rules of the production-hardening settings (issue 9). */
function hardeningChecks(settings: ParsedSettings, secretSet: (key: SecretKey) => boolean): Problem[] {
    const problems: Problem[] = [];
    // cert-manager locks its JKS output with one password; SP needs it to open the stores.
    if (settings.tls.secretName !== "" && !secretSet("keystorePassword")) {
        problems.push({ path: ["keystorePassword"], message: "is required when tls.secretName is set" });
    }
    if (settings.tls.secretName === "" && secretSet("keystorePassword")) {
        problems.push({ path: ["tls", "secretName"], message: "is required when keystorePassword is set" });
    }
    settings.additionalVolumes.forEach((volume, index) => {
        if (volume.name === ownKeystoresVolumeName) {
            problems.push({ path: ["additionalVolumes", index, "name"], message: `is the pod volume of the own keystores (tls.secretName); choose another name` });
        }
    });
    return problems;
}

interface Declaration {
    type?: string;
    default?: unknown;
}

/** The `config:` block of Pulumi.yaml: each key's declared type and default. */
function readDeclarations(): Record<string, Declaration> {
    const project = parseYaml(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as {
        config?: Record<string, Declaration>;
    };
    return project.config ?? {};
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

/** Adds `item` to `set`; false when it was there already. */
function addOnce(set: Set<string>, item: string): boolean {
    const had = set.has(item);
    set.add(item);
    return !had;
}

function trimSlash(value: string): string {
    return value.length > 1 ? value.replace(/\/$/, "") : value;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `hiddenValues`: the secret settings that are set, whose values an error must not repeat. */
function settingsError(project: string, problems: Problem[], raw: Record<string, unknown>, hiddenValues: Set<string>): SettingsError {
    const lines = problems.map(({ path: issuePath, message, fix: givenFix }) => {
        const key = issuePath.map((part, i) => (typeof part === "number" ? `[${part}]` : i === 0 ? part : `.${part}`)).join("");
        const value = issuePath.reduce<unknown>((node, part) => (isPlainObject(node) || Array.isArray(node) ? (node as never)[part] : undefined), raw);
        const index = issuePath.find((part) => typeof part === "number");
        const example = fixExamples[issuePath.filter((part) => typeof part === "string").join(".")];
        const fix = givenFix ?? (example ? example.replace("[I]", `[${index ?? 0}]`) : `pulumi config set --path ${key} <value>`);
        const shown = hiddenValues.has(key) ? "value not shown" : value === undefined ? "not set" : `got ${JSON.stringify(value)}`;
        return `  - ${project}:${key} ${message} (${shown}). Fix: ${fix}`;
    });
    return new SettingsError(`Invalid stack settings; nothing was deployed:\n${lines.join("\n")}`);
}
