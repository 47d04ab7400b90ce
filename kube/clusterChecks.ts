import { execFileSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import type { PlacementMode } from "./placement";

/**
 * Checks a preview can make against the cluster, where the credentials allow: what would only
 * show once pods stay pending or Ingresses go unserved. Each finding is a warning, never a
 * refusal: the cluster may change before `pulumi up`, and a check that cannot read something
 * (a pull-request preview with a `view` kubeconfig cannot read Secrets, nor Nodes and
 * IngressClasses, which are cluster-scoped) says what it skipped instead of guessing.
 */

export interface ClusterChecksArgs {
    /** The kubeconfig's text (findKubeconfig). */
    kubeconfig: string;
    /** Context to use (`kubernetes:context`); the kubeconfig's current context otherwise. */
    context?: string;
    /** The stack's namespace, where the Secrets must be. */
    namespace: string;
    /** `ingress.className`: must name an IngressClass. */
    ingressClassName: string;
    /** `placement`: `required` keeps the managers on two different nodes, so needs two. */
    placement: PlacementMode;
    /** Secrets the stack expects but does not create, each with the keys read from it and its setting. */
    secrets: { name: string; keys: readonly string[]; setting: string }[];
}

export interface ClusterReport {
    /** Faults found: each names what is wrong and the fix. */
    warnings: string[];
    /** Checks not made, and why (no permission, cluster unreachable). */
    skipped: string[];
}

/** How long one request may take: a preview must not hang on an unreachable cluster. */
const requestTimeoutMs = 5000;

/** The fields of the objects the checks read (Node, IngressClass, Secret, their lists). */
interface KubeObject {
    metadata?: { name: string };
    spec?: { unschedulable?: boolean; taints?: { effect: string }[] };
    status?: { conditions?: { type: string; status: string }[] };
    data?: Record<string, string>;
    items?: KubeObject[];
    /** A refusal's Status message. */
    message?: unknown;
}

/** The kubeconfig fields the client uses. */
interface Kubeconfig {
    "current-context"?: string;
    contexts?: { name: string; context: { cluster: string; user?: string } }[];
    clusters?: { name: string; cluster: { server: string; "certificate-authority-data"?: string; "certificate-authority"?: string; "insecure-skip-tls-verify"?: boolean } }[];
    users?: { name: string; user: KubeconfigUser }[];
}

interface KubeconfigUser {
    token?: string;
    tokenFile?: string;
    "client-certificate-data"?: string;
    "client-certificate"?: string;
    "client-key-data"?: string;
    "client-key"?: string;
    username?: string;
    password?: string;
    exec?: { command: string; args?: string[]; env?: { name: string; value: string }[] };
}

type Reply = { found: true; body: KubeObject } | { found: false; reason: "not found" } | { found: false; reason: "forbidden" | "unreachable"; detail: string };

/**
 * In a preview only (`pulumi preview`, and the preview `pulumi up` shows first), with the kubeconfig
 * the Kubernetes provider uses: runs the checks and shows each fault as a warning and each skipped
 * check as an info line. Without a kubeconfig it asks nothing of any network. The work is held as a
 * pending call of the runtime (`rpcKeepAlive`), so the run waits for its messages before it ends:
 * the CLI's process would wait for the open request anyway, but the Automation API and the mocks
 * end a run once its pending calls are done.
 */
export function reportClusterChecks(args: Omit<ClusterChecksArgs, "kubeconfig" | "context">): void {
    if (!pulumi.runtime.isDryRun()) {
        return;
    }
    // The provider's own settings, which it reads as well; loadSettings owns only this project's.
    const provider = new pulumi.Config("kubernetes");
    let kubeconfig: string | undefined;
    try {
        kubeconfig = findKubeconfig(provider.get("kubeconfig"));
    } catch (error) {
        void pulumi.log.info(`cluster checks: cannot read the kubeconfig (${(error as Error).message}); nothing checked`);
        return;
    }
    if (kubeconfig === undefined) {
        return;
    }
    const done = pulumi.runtime.rpcKeepAlive();
    checkCluster({ ...args, kubeconfig, context: provider.get("context") })
        .then(({ warnings, skipped }) => {
            warnings.forEach((warning) => void pulumi.log.warn(warning));
            skipped.forEach((line) => void pulumi.log.info(line));
        })
        .catch((error: Error) => void pulumi.log.info(`cluster checks: ${error.message}; not all checked`))
        .finally(done);
}

/** Runs every check; never throws, never refuses. */
export async function checkCluster(args: ClusterChecksArgs): Promise<ClusterReport> {
    const report: ClusterReport = { warnings: [], skipped: [] };
    let get: (apiPath: string) => Promise<Reply>;
    try {
        get = clientOf(args.kubeconfig, args.context);
    } catch (error) {
        report.skipped.push(`cluster checks: ${(error as Error).message}`);
        return report;
    }
    const skip = (what: string, reply: { reason: string; detail?: string }) =>
        report.skipped.push(`cluster checks: did not check ${what}: ${reply.reason === "forbidden" ? "the credentials may not read it" : "no answer from the cluster"} (${reply.detail})`);

    const ingressClass = await get(`/apis/networking.k8s.io/v1/ingressclasses/${encodeURIComponent(args.ingressClassName)}`);
    if (!ingressClass.found && ingressClass.reason === "not found") {
        const list = await get("/apis/networking.k8s.io/v1/ingressclasses");
        const names = list.found ? (list.body.items ?? []).map(nameOf) : [];
        report.warnings.push(
            `IngressClass ${args.ingressClassName} (wso2-sp:ingress.className) does not exist in the cluster: no controller will serve the Ingresses. ` +
                (names.length > 0 ? `The cluster has ${names.join(", ")}: pulumi config set --path ingress.className ${names[0]}` : "Install an ingress controller (README, Prerequisites)") +
                ".",
        );
    } else if (!ingressClass.found) {
        skip(`that IngressClass ${args.ingressClassName} exists`, ingressClass);
    }

    if (args.placement === "required") {
        const nodes = await get("/api/v1/nodes");
        if (nodes.found) {
            const usable = (nodes.body.items ?? []).filter(schedulable).map(nameOf);
            if (usable.length < 2) {
                report.warnings.push(
                    `wso2-sp:placement is required, which puts the two managers on different nodes, but the cluster has ${usable.length} Ready, schedulable node(s)` +
                        `${usable.length > 0 ? ` (${usable.join(", ")})` : ""}: the second manager would stay Pending. Add a node, or allow them on one node: pulumi config set placement preferred.`,
                );
            }
        } else {
            skip("the number of Ready, schedulable nodes", nodes.reason === "not found" ? { reason: "unreachable", detail: "no node list" } : nodes);
        }
    }

    for (const secret of args.secrets) {
        const reply = await get(`/api/v1/namespaces/${encodeURIComponent(args.namespace)}/secrets/${encodeURIComponent(secret.name)}`);
        if (reply.found) {
            // Key names only: the values never leave this function.
            const held = Object.keys(reply.body.data ?? {});
            const missing = secret.keys.filter((key) => !held.includes(key));
            if (missing.length > 0) {
                report.warnings.push(
                    `Secret ${secret.name} (wso2-sp:${secret.setting}) in namespace ${args.namespace} lacks ${missing.join(", ")} (it holds ${held.join(", ") || "no keys"}); ` +
                        `the pods would not start. Recreate it with ${secret.keys.join(", ")} (README, TLS).`,
                );
            }
        } else if (reply.reason === "not found") {
            report.warnings.push(
                `Secret ${secret.name} (wso2-sp:${secret.setting}) does not exist in namespace ${args.namespace}; the program reads ${secret.keys.join(", ")} from it ` +
                    `and does not create it. Create it there before pulumi up (README, TLS).`,
            );
        } else {
            skip(`Secret ${secret.name} (wso2-sp:${secret.setting})`, reply);
        }
    }
    return report;
}

/** Ready, not cordoned, and without a taint that keeps pods without tolerations (ours) off. */
function schedulable(node: KubeObject): boolean {
    const ready = (node.status?.conditions ?? []).some((condition) => condition.type === "Ready" && condition.status === "True");
    const repelling = (node.spec?.taints ?? []).some((taint) => taint.effect === "NoSchedule" || taint.effect === "NoExecute");
    return ready && !node.spec?.unschedulable && !repelling;
}

const nameOf = (object: KubeObject) => object.metadata?.name ?? "?";

/**
 * The kubeconfig Pulumi's Kubernetes provider would use: the `kubernetes:kubeconfig` setting (a
 * path or the text itself), unset the first file of $KUBECONFIG, else ~/.kube/config; undefined
 * when there is none (then there is no cluster to check).
 */
export function findKubeconfig(setting: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
    // As the provider reads it (docs/pulumi-runtime.md): a file when one exists there (~/ expanded),
    // else the text itself (one line of JSON too); set, the environment's kubeconfig is never read.
    if (setting) {
        const file = setting === "~" || setting.startsWith("~/") ? path.join(env.HOME ?? os.homedir(), setting.slice(2)) : setting;
        return !setting.includes("\n") && fs.existsSync(file) && fs.statSync(file).isFile() ? fs.readFileSync(file, "utf8") : setting;
    }
    const candidates = [...(env.KUBECONFIG ?? "").split(path.delimiter), path.join(env.HOME ?? os.homedir(), ".kube", "config")];
    const file = candidates.find((candidate) => candidate && fs.existsSync(candidate));
    return file ? fs.readFileSync(file, "utf8") : undefined;
}

/** A GET against the kubeconfig's cluster that tells found, not found, forbidden and unreachable apart. */
function clientOf(kubeconfigText: string, contextName?: string): (apiPath: string) => Promise<Reply> {
    const config = (parseYaml(kubeconfigText) ?? {}) as Kubeconfig;
    const named = <T>(list: ({ name: string } & T)[] | undefined, name: string | undefined, what: string): T => {
        const entry = (list ?? []).find((item) => item.name === name);
        if (!entry) {
            throw new Error(`the kubeconfig has no ${what} ${name ?? "(no current-context)"}; nothing checked`);
        }
        return entry;
    };
    const { context } = named(config.contexts, contextName ?? config["current-context"], "context");
    const { cluster } = named(config.clusters, context.cluster, "cluster");
    const user: KubeconfigUser = context.user ? named(config.users, context.user, "user").user : {};
    const fileOrData = (data?: string, file?: string) => (data ? Buffer.from(data, "base64") : file ? fs.readFileSync(file) : undefined);

    const headers: Record<string, string> = { Accept: "application/json" };
    let cert = fileOrData(user["client-certificate-data"], user["client-certificate"]);
    let key = fileOrData(user["client-key-data"], user["client-key"]);
    let token: string | undefined = user.token ?? (user.tokenFile ? fs.readFileSync(user.tokenFile, "utf8").trim() : undefined);
    if (!token && !cert && user.exec) {
        // The credential plugins of EKS, GKE and AKS (client.authentication.k8s.io ExecCredential).
        const output = execFileSync(user.exec.command, user.exec.args ?? [], {
            env: { ...process.env, ...Object.fromEntries((user.exec.env ?? []).map((pair) => [pair.name, pair.value])) },
            timeout: requestTimeoutMs,
            stdio: ["ignore", "pipe", "ignore"],
        });
        const { status = {} } = JSON.parse(output.toString()) as { status?: { token?: string; clientCertificateData?: string; clientKeyData?: string } };
        token = status.token;
        cert = status.clientCertificateData ? Buffer.from(status.clientCertificateData) : undefined;
        key = status.clientKeyData ? Buffer.from(status.clientKeyData) : undefined;
    }
    if (token) {
        headers.Authorization = `Bearer ${token}`;
    } else if (user.username) {
        headers.Authorization = `Basic ${Buffer.from(`${user.username}:${user.password ?? ""}`).toString("base64")}`;
    }
    const server = new URL(cluster.server);
    const ca = fileOrData(cluster["certificate-authority-data"], cluster["certificate-authority"]);
    const transport = server.protocol === "https:" ? https : http;

    return (apiPath) =>
        new Promise((resolve) => {
            const request = transport.request(
                new URL(server.pathname.replace(/\/$/, "") + apiPath, server),
                { method: "GET", headers, ca, cert, key, rejectUnauthorized: !cluster["insecure-skip-tls-verify"], timeout: requestTimeoutMs },
                (response) => {
                    let text = "";
                    response.setEncoding("utf8");
                    response.on("data", (chunk: string) => (text += chunk));
                    response.on("end", () => {
                        const status = response.statusCode ?? 0;
                        const message = () => `HTTP ${status}${safeMessage(text)}`;
                        const body = parsed(text);
                        if (status === 200 && body !== undefined) {
                            resolve({ found: true, body });
                        } else if (status === 404) {
                            resolve({ found: false, reason: "not found" });
                        } else if (status === 401 || status === 403) {
                            resolve({ found: false, reason: "forbidden", detail: message() });
                        } else {
                            resolve({ found: false, reason: "unreachable", detail: message() });
                        }
                    });
                },
            );
            request.on("timeout", () => request.destroy(new Error(`no answer within ${requestTimeoutMs / 1000} s`)));
            request.on("error", (error) => resolve({ found: false, reason: "unreachable", detail: `${server.origin}: ${error.message}` }));
            request.end();
        });
}

/** The API server's Status message, which names the user and the verb refused. */
function safeMessage(text: string): string {
    const message = parsed(text)?.message;
    return typeof message === "string" ? `: ${message}` : "";
}

function parsed(text: string): KubeObject | undefined {
    try {
        return JSON.parse(text) as KubeObject;
    } catch {
        return undefined;
    }
}
