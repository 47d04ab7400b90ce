/**
 * A stand-in of the SP 4.4.0 managers' REST API, as far as pod-scripts/jobs/sync-siddhi-apps.sh uses
 * it, served on 127.0.0.1: over HTTPS with a self-signed certificate as SP does, or over plain HTTP,
 * which halves the cost of each of the script's curl calls where the test is not about the
 * connection. It behaves as the
 * carbon-analytics v2.1.22 sources describe: PUT /siddhi-apps saves an app that compiles (400 with
 * the compiler's message when not) and the file deployer picks it up a moment later; the leader
 * alone answers /managers/isActive with 200.
 */
import { execFileSync } from "child_process";
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
    /** Whether the leader fails to distribute an app (status inactive). */
    inactive?: (name: string) => boolean;
    /** Whether the leader holds an app back in waiting mode. */
    waiting?: (name: string) => boolean;
    /** Serve HTTPS with a self-signed certificate, as SP does, instead of HTTP. */
    tls?: boolean;
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
    public readonly apps = new Map<string, StandInApp>();
    public readonly received: Received[] = [];
    public urls: string[] = [];
    private readonly servers: http.Server[] = [];

    constructor(public options: StandInOptions) {}

    private get deployerDelay(): number {
        return this.options.deployerDelay ?? 20;
    }

    /** Starts two managers (manager-1 and manager-2) on free ports of 127.0.0.1. */
    async start(): Promise<void> {
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
            const server = this.options.tls ? https.createServer((certificate ??= selfSignedCertificate()), serve) : http.createServer(serve);
            await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
            this.servers.push(server);
            this.urls.push(`${this.options.tls ? "https" : "http"}://127.0.0.1:${(server.address() as AddressInfo).port}`);
        }
    }

    async stop(): Promise<void> {
        await Promise.all(this.servers.map((server) => new Promise((resolve) => server.close(resolve))));
    }

    /** Deploys an app the way the manager's file deployer would. */
    deploy(name: string, file: string): void {
        this.apps.set(name, {
            content: file.split("\n").map((line) => `\n${line}`).join(""),
            active: !(this.options.inactive?.(name) ?? false),
            waiting: this.options.waiting?.(name) ?? false,
        });
    }

    private handle(manager: number, method: string, url: string, authorization: string | undefined, body: string): [number, unknown?] {
        this.received.push({ manager, method, path: url });
        const expected = `Basic ${Buffer.from(`${this.options.username}:${this.options.password}`).toString("base64")}`;
        if (authorization !== expected) {
            return [401];
        }
        const leader = manager === this.options.leader;
        if (method === "GET" && url === "/managers/isActive") {
            return leader ? [200, `Current node: manager-${manager + 1} is the active manager.`] : [404, { type: "error", message: "Not the active node" }];
        }
        if (method === "GET" && url === "/resourceClusterWorkers") {
            return [200, this.options.workers];
        }
        if (method === "GET" && url === "/siddhi-apps") {
            return [200, [...this.apps.keys()]];
        }
        if (method === "PUT" && url === "/siddhi-apps") {
            const refused = this.options.refuse?.(body);
            if (refused !== undefined) {
                return [400, { code: 800101, type: "validation error", message: refused }];
            }
            const name = /@App:name\('([^']*)'\)/i.exec(body)?.[1] ?? "";
            const existed = this.apps.has(name);
            // The file deployer acts on its next cycle, not during the request.
            setTimeout(() => this.deploy(name, body), this.deployerDelay);
            return existed
                ? [200, { type: "success", message: "Siddhi App updated succesfully and will be deployed in next deployment cycle" }]
                : [201, { type: "success", message: "Siddhi App saved succesfully and will be deployed in next deployment cycle" }];
        }
        const appPath = /^\/siddhi-apps\/([^/]+)(\/status)?$/.exec(url);
        if (appPath) {
            const app = this.apps.get(appPath[1]);
            if (!app) {
                return [404, { type: "not found", message: `There is no Siddhi App exist with provided name : ${appPath[1]}` }];
            }
            if (method === "DELETE") {
                setTimeout(() => this.apps.delete(appPath[1]), this.deployerDelay);
                return [200];
            }
            return appPath[2] ? [200, { status: app.active ? "active" : "inactive" }] : [200, { content: app.content }];
        }
        const partial = /^\/managers\/siddhi-apps\/([^/]+)$/.exec(url);
        if (method === "GET" && partial && this.apps.has(partial[1])) {
            const status = this.apps.get(partial[1])!.waiting ? "waiting" : "Active";
            return [200, [{ parentAppName: partial[1], appName: `${partial[1]}-group-1`, appStatus: status }]];
        }
        return [404];
    }
}

/** One per process: making a key and certificate for every test cost more than the test itself. */
let certificate: { key: string; cert: string } | undefined;

/** A throw-away key and certificate for 127.0.0.1 (openssl, as on the CI runners). */
function selfSignedCertificate(): { key: string; cert: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "manager-stand-in-"));
    try {
        execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=localhost", "-days", "1",
            "-keyout", path.join(dir, "key.pem"), "-out", path.join(dir, "cert.pem")], { stdio: "ignore" });
        return { key: fs.readFileSync(path.join(dir, "key.pem"), "utf8"), cert: fs.readFileSync(path.join(dir, "cert.pem"), "utf8") };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
