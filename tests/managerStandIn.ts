/**
 * A stand-in of the SP 4.4.0 manager pair's REST API, as far as pod-scripts/jobs/sync-siddhi-apps.sh
 * uses it, served on 127.0.0.1: over HTTPS with a self-signed certificate as SP's default keystore,
 * with a certificate signed by a CA of its own as a stack with `tls.secretName`, or over plain HTTP,
 * which halves the cost of each of the script's curl calls where the test is not about the
 * connection. It behaves as the carbon-analytics v2.1.22 sources describe (docs/siddhi-apps.md):
 * - PUT /siddhi-apps, on either manager, saves an app that compiles into the runtime repository both
 *   managers share on the export (400 with the compiler's message when not; 500 when saving fails),
 *   and each manager's file deployer picks the file up a moment later;
 * - in distributed mode only the leader deploys: it distributes the app's partial apps to the workers
 *   and lists the app; a manager that is not the leader ignores the deploy and lists nothing;
 * - the resource pool (which partial apps run on the workers) lives in SP_MGT_DB, shared: a new leader
 *   restores it, but not its list of apps, and an app whose partial apps the pool already holds is
 *   not sent to the workers again; an update of an app the leader lists undeploys it first;
 * - DELETE /siddhi-apps/<name> deletes the file only when the manager lists the app;
 * - the leader alone answers /managers/isActive with 200.
 */
import { execFile, execFileSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as https from "https";
import type { AddressInfo } from "net";
import * as os from "os";
import * as path from "path";

export interface StandInApp {
    /** As the manager returns it: the deployer prefixes every line with a line break. */
    content: string;
    active: boolean;
    /** Held back for lack of resource nodes. */
    waiting: boolean;
}

export interface StandInOptions {
    username: string;
    password: string;
    /** Registered workers. */
    workers: number;
    /** Which of the managers (by index) is the leader. */
    leader: number;
    /** The compiler's message for an app the manager refuses, or undefined when it compiles. */
    refuse?: (content: string) => string | undefined;
    /** The message of a manager that cannot save an app (HTTP 500), or undefined when it can. */
    saveFails?: (content: string) => string | undefined;
    /** Whether the leader fails to distribute an app (status inactive). */
    inactive?: (name: string) => boolean;
    /** Whether the leader holds an app back in waiting mode. */
    waiting?: (name: string) => boolean;
    /**
     * HTTPS: `self-signed` for localhost, as the product's default keystore, or `ca` with a
     * certificate for `127.0.0.1` signed by the CA in `caFile`, as a stack's own keystore.
     */
    tls?: "self-signed" | "ca";
    /** How long after a PUT or DELETE the file deployer acts (ms); 20 unless given. */
    deployerDelay?: number;
}

/** A request as the stand-in received it. */
export interface Received {
    manager: number;
    method: string;
    path: string;
}

export class ManagerStandIn {
    /** The runtime repository on the shared export: app name → file content. */
    public readonly files = new Map<string, string>();
    /** Each manager's own list of deployed apps (StreamProcessorService's siddhiAppMap). */
    public readonly listed: [Map<string, StandInApp>, Map<string, StandInApp>] = [new Map(), new Map()];
    /** The resource pool in SP_MGT_DB: app name → its partial apps as the workers run them. */
    public readonly pool = new Map<string, string>();
    /** Every time an app's partial apps were sent to the workers, by app name. */
    public readonly workerDeployments: string[] = [];
    public readonly received: Received[] = [];
    public urls: string[] = [];
    /** PEM of the CA that signed the managers' certificate, with `tls: "ca"`. */
    public caFile = "";
    private readonly servers: (http.Server | undefined)[] = [];

    constructor(public options: StandInOptions) {}

    private get deployerDelay(): number {
        return this.options.deployerDelay ?? 20;
    }

    /** The apps the current leader lists. */
    get apps(): Map<string, StandInApp> {
        return this.listed[this.options.leader] ?? new Map();
    }

    /** Starts two managers (manager-1 and manager-2) on free ports of 127.0.0.1. */
    async start(): Promise<void> {
        let material: { key: string; cert: string } | undefined;
        if (this.options.tls === "ca") {
            signedMaterial ??= caSignedCertificate();
            material = signedMaterial;
            this.caFile = signedMaterial.caFile;
        } else if (this.options.tls === "self-signed") {
            material = selfSigned ??= selfSignedCertificate();
        }
        for (const index of [0, 1]) {
            const serve: http.RequestListener = (request, response) => {
                let body = "";
                request.on("data", (chunk: Buffer) => (body += chunk.toString()));
                request.on("end", () => {
                    const [status, payload] = this.handle(index, request.method ?? "GET", request.url ?? "/", request.headers.authorization, body);
                    response.writeHead(status, { "Content-Type": "application/json" });
                    response.end(payload === undefined ? "" : JSON.stringify(payload));
                });
            };
            const server = material ? https.createServer(material, serve) : http.createServer(serve);
            await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
            this.servers.push(server);
            this.urls.push(`${material ? "https" : "http"}://127.0.0.1:${(server.address() as AddressInfo).port}`);
        }
    }

    async stop(): Promise<void> {
        await Promise.all(this.servers.map((server) => new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)))));
    }

    /** Takes a manager off the network: its port refuses connections. */
    async unplug(manager: number): Promise<void> {
        const server = this.servers[manager];
        this.servers[manager] = undefined;
        await new Promise((resolve) => server?.close(resolve));
    }

    /**
     * The other manager becomes the leader: it restores the pool from the database, and lists
     * nothing, since it ignored every deploy while it was not the leader.
     */
    failover(): void {
        this.options.leader = 1 - this.options.leader;
    }

    /**
     * A manager restarts: it forgets what it listed, the other one takes over if it was the leader,
     * and its file deployer deploys every file of the export again (ignored unless it is the leader).
     */
    restart(manager: number): void {
        if (manager === this.options.leader) {
            this.failover();
        }
        this.listed[manager].clear();
        for (const name of this.files.keys()) {
            this.deployFile(manager, name);
        }
    }

    /** An app deployed by other means: its file dropped on the export, which both deployers pick up. */
    deploy(name: string, file: string): void {
        this.files.set(name, file);
        this.deployFile(0, name);
        this.deployFile(1, name);
    }

    /** What one manager's file deployer does with a new or changed file. */
    private deployFile(manager: number, name: string): void {
        const file = this.files.get(name);
        if (file === undefined || manager !== this.options.leader) {
            return;
        }
        if (this.listed[manager].has(name)) {
            this.undeploy(manager, name);
        }
        const app = { content: file.split("\n").map((line) => `\n${line}`).join(""), active: !(this.options.inactive?.(name) ?? false), waiting: false };
        if (app.active) {
            app.waiting = this.options.waiting?.(name) ?? false;
            // The workers run partial apps built from the app's elements: comments are not part of them.
            const partialApps = file.replace(/--[^\n]*/g, "").trim();
            if (this.pool.get(name) !== partialApps) {
                this.pool.set(name, partialApps);
                this.workerDeployments.push(name);
            }
        }
        this.listed[manager].set(name, app);
    }

    private undeploy(manager: number, name: string): void {
        if (this.listed[manager].delete(name) && manager === this.options.leader) {
            this.pool.delete(name);
        }
    }

    /** Both managers' file deployers act on their next cycle, not during the request. */
    private afterDeployerCycle(action: (manager: number) => void): void {
        setTimeout(() => [0, 1].forEach(action), this.deployerDelay);
    }

    private handle(manager: number, method: string, url: string, authorization: string | undefined, body: string): [number, unknown?] {
        this.received.push({ manager, method, path: url });
        const expected = `Basic ${Buffer.from(`${this.options.username}:${this.options.password}`).toString("base64")}`;
        if (authorization !== expected) {
            return [401];
        }
        const leader = manager === this.options.leader;
        const listed = this.listed[manager];
        if (method === "GET" && url === "/managers/isActive") {
            return leader ? [200, `Current node: manager-${manager + 1} is the active manager.`] : [404, { type: "error", message: "Not the active node" }];
        }
        if (method === "GET" && url === "/resourceClusterWorkers") {
            return [200, this.options.workers];
        }
        if (method === "GET" && (url === "/siddhi-apps" || url === "/siddhi-apps?isActive=true")) {
            return [200, [...listed.entries()].filter(([, app]) => url === "/siddhi-apps" || app.active).map(([name]) => name)];
        }
        if (method === "PUT" && url === "/siddhi-apps") {
            const refused = this.options.refuse?.(body);
            if (refused !== undefined) {
                return [400, { code: 800101, type: "validation error", message: refused }];
            }
            const saveError = this.options.saveFails?.(body);
            if (saveError !== undefined) {
                return [500, { code: 800102, type: "file processing error", message: saveError }];
            }
            const name = /@App:name\('([^']*)'\)/i.exec(body)?.[1] ?? "";
            this.files.set(name, body);
            this.afterDeployerCycle((each) => this.deployFile(each, name));
            return listed.has(name)
                ? [200, { type: "success", message: "Siddhi App updated succesfully and will be deployed in next deployment cycle" }]
                : [201, { type: "success", message: "Siddhi App saved succesfully and will be deployed in next deployment cycle" }];
        }
        const appPath = /^\/siddhi-apps\/([^/]+)(\/status)?$/.exec(url);
        if (appPath) {
            const app = listed.get(appPath[1]);
            if (!app) {
                return [404, { type: "not found", message: `There is no Siddhi App exist with provided name : ${appPath[1]}` }];
            }
            if (method === "DELETE") {
                this.files.delete(appPath[1]);
                this.afterDeployerCycle((each) => this.undeploy(each, appPath[1]));
                return [200];
            }
            return appPath[2] ? [200, { status: app.active ? "active" : "inactive" }] : [200, { content: app.content }];
        }
        const partial = /^\/managers\/siddhi-apps\/([^/]+)$/.exec(url);
        if (method === "GET" && partial && listed.has(partial[1])) {
            const status = listed.get(partial[1])!.waiting ? "waiting" : "Active";
            return [200, [{ parentAppName: partial[1], appName: `${partial[1]}-group-1`, appStatus: status }]];
        }
        return [404];
    }
}

/** pod-scripts/jobs/sync-siddhi-apps.sh, which the Job and the reconciler run. */
export const syncScript = path.resolve(__dirname, "..", "pod-scripts", "jobs", "sync-siddhi-apps.sh");

/** What one pass of the sync script did: its exit code, output and termination message. */
export interface SyncResult {
    code: number;
    stdout: string;
    message: string;
}

/**
 * Runs one pass of the sync script over `appsDir` against the stand-in, as admin with `password`,
 * polling every 50 ms; `environment` adds to or overrides the pod's variables.
 */
export function runSyncScript(manager: ManagerStandIn, appsDir: string, runId: string, environment: Record<string, string> = {}): Promise<SyncResult> {
    const termination = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "sync-run-")), "log");
    const variables = {
        PATH: process.env.PATH,
        MANAGER_URLS: manager.urls.join(" "),
        ADMIN_USERNAME: manager.options.username,
        ADMIN_PASSWORD: manager.options.password,
        APPS_DIR: appsDir,
        MIN_WORKERS: "2",
        TIMEOUT_SECONDS: "5",
        POLL_SECONDS: "0.05",
        RUN_ID: runId,
        TERMINATION_LOG: termination,
        ...environment,
    };
    return new Promise((resolve) => {
        execFile("sh", [syncScript], { env: variables }, (error, stdout) => {
            const message = fs.existsSync(termination) ? fs.readFileSync(termination, "utf8") : "";
            fs.rmSync(path.dirname(termination), { recursive: true, force: true });
            resolve({ code: error ? Number(error.code) : 0, stdout, message });
        });
    });
}

/** One of each per process: making keys and certificates for every test cost more than the test itself. */
let selfSigned: { key: string; cert: string } | undefined;
let signedMaterial: { key: string; cert: string; caFile: string } | undefined;

function openssl(dir: string, ...args: string[]): void {
    execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
}
const ecKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

/** A throw-away key and certificate for localhost, as SP's default keystore (openssl, as on the CI runners). */
function selfSignedCertificate(): { key: string; cert: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "manager-stand-in-"));
    try {
        openssl(dir, "req", "-x509", ...ecKey, "-subj", "/CN=localhost", "-days", "1", "-keyout", "key.pem", "-out", "cert.pem");
        return { key: fs.readFileSync(path.join(dir, "key.pem"), "utf8"), cert: fs.readFileSync(path.join(dir, "cert.pem"), "utf8") };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/**
 * A CA and a certificate it signed for 127.0.0.1 (as a subject alternative name, which curl checks),
 * as a stack's own keystore Secret holds them; the CA's PEM stays on disk for the script's --cacert.
 */
function caSignedCertificate(): { key: string; cert: string; caFile: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "manager-stand-in-ca-"));
    process.on("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
    openssl(dir, "req", "-x509", ...ecKey, "-subj", "/CN=stand-in CA", "-days", "1", "-keyout", "ca.key", "-out", "ca.crt");
    openssl(dir, "req", ...ecKey, "-subj", "/CN=wso2sp-manager-1", "-keyout", "key.pem", "-out", "request.csr");
    fs.writeFileSync(path.join(dir, "names.ext"), "subjectAltName=IP:127.0.0.1,DNS:wso2sp-manager-1.wso2.svc\n");
    openssl(dir, "x509", "-req", "-in", "request.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "1", "-extfile", "names.ext", "-out", "cert.pem");
    return { key: fs.readFileSync(path.join(dir, "key.pem"), "utf8"), cert: fs.readFileSync(path.join(dir, "cert.pem"), "utf8"), caFile: path.join(dir, "ca.crt") };
}
