/**
 * The preview's cluster checks (kube/clusterChecks.ts) against a small fake Kubernetes API server
 * on 127.0.0.1: what they warn about, and what they say they skipped where the credentials cannot
 * read.
 */
import assert from "node:assert/strict";
import * as diagnosticsChannel from "node:diagnostics_channel";
import * as http from "http";
import type { AddressInfo } from "net";
import * as path from "path";
import { stringify } from "yaml";
import { checkCluster, type ClusterChecksArgs, findKubeconfig } from "../kube/clusterChecks";
import { fixtureDir, readStackConfig, runProgram, type StackConfig } from "./harness";
import { directoryWith, writeExecutable } from "./temporaryFiles";

const token = "view-token";

/** An API server serving `objects` by path (undefined: absent); paths in `forbidden` answer 403 as RBAC does. Requests without the token get 401. */
function fakeApiServer(objects: Record<string, unknown>, forbidden: string[] = []): Promise<{ url: string; requests: string[]; close: () => void }> {
    const requests: string[] = [];
    const server = http.createServer((request, response) => {
        const url = request.url ?? "";
        requests.push(url);
        const reply = (status: number, body: unknown) => {
            response.writeHead(status, { "Content-Type": "application/json" });
            response.end(JSON.stringify(body));
        };
        if (request.headers.authorization !== `Bearer ${token}`) {
            reply(401, { kind: "Status", code: 401, message: "Unauthorized" });
        } else if (forbidden.some((prefix) => url.startsWith(prefix))) {
            reply(403, { kind: "Status", code: 403, message: `nodes is forbidden: User "ci-viewer" cannot list resource at ${url}` });
        } else if (objects[url] !== undefined) {
            reply(200, objects[url]);
        } else {
            reply(404, { kind: "Status", code: 404, message: "not found" });
        }
    });
    return new Promise((resolve) =>
        server.listen(0, "127.0.0.1", () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, requests, close: () => server.close() })),
    );
}

const kubeconfigFor = (server: string, userToken = token) =>
    stringify({
        apiVersion: "v1",
        kind: "Config",
        "current-context": "ci",
        contexts: [{ name: "ci", context: { cluster: "test", user: "viewer" } }],
        clusters: [{ name: "test", cluster: { server } }],
        users: [{ name: "viewer", user: { token: userToken } }],
    });

const node = (name: string, ready: boolean, extra: Record<string, unknown> = {}) => ({
    metadata: { name },
    spec: extra,
    status: { conditions: [{ type: "Ready", status: ready ? "True" : "False" }] },
});

const ingressClasses = "/apis/networking.k8s.io/v1/ingressclasses";
const keystores = "/api/v1/namespaces/wso2-prod/secrets/wso2sp-keystores";
const healthy: Record<string, unknown> = {
    [`${ingressClasses}/nginx`]: { metadata: { name: "nginx" } },
    [ingressClasses]: { items: [{ metadata: { name: "nginx" } }] },
    "/api/v1/nodes": { items: [node("a", true), node("b", true)] },
    [keystores]: { data: { "keystore.jks": "c2VjcmV0", "truststore.jks": "c2VjcmV0", "ca.crt": "c2VjcmV0" } },
};

function argsFor(url: string, change: Partial<ClusterChecksArgs> = {}): ClusterChecksArgs {
    return {
        kubeconfig: kubeconfigFor(url),
        namespace: "wso2-prod",
        ingressClassName: "nginx",
        placement: "required",
        secrets: [{ name: "wso2sp-keystores", keys: ["keystore.jks", "truststore.jks", "ca.crt"], setting: "tls.secretName" }],
        ...change,
    };
}

describe("cluster checks in preview (fake API server)", () => {
    const servers: { close: () => void }[] = [];
    const serve = async (objects: Record<string, unknown>, forbidden: string[] = []) => {
        const server = await fakeApiServer(objects, forbidden);
        servers.push(server);
        return server;
    };
    after(() => servers.forEach((server) => server.close()));

    it("finds nothing to say about a cluster with the IngressClass, two Ready nodes and the Secret with every key", async () => {
        const server = await serve(healthy);
        assert.deepEqual(await checkCluster(argsFor(server.url)), { warnings: [], skipped: [] });
        assert.ok(server.requests.length >= 3);
    });

    it("warns that an IngressClass does not exist, naming the ones there and the command to pick one", async () => {
        const server = await serve({ ...healthy, [`${ingressClasses}/nginx`]: undefined, [ingressClasses]: { items: [{ metadata: { name: "traefik" } }] } });
        const { warnings, skipped } = await checkCluster(argsFor(server.url, { ingressClassName: "missing" }));
        assert.deepEqual(skipped, []);
        assert.equal(warnings.length, 1);
        assert.match(warnings[0], /IngressClass missing \(wso2-sp:ingress\.className\) does not exist.*The cluster has traefik: pulumi config set --path ingress\.className traefik\.$/);
    });

    it("with placement required, warns when fewer than two nodes are Ready and schedulable (not-ready, cordoned and tainted ones do not count)", async () => {
        const nodes = [node("a", true), node("b", false), node("c", true, { unschedulable: true }), node("d", true, { taints: [{ key: "k", effect: "NoSchedule" }] })];
        const server = await serve({ ...healthy, "/api/v1/nodes": { items: nodes } });
        const { warnings } = await checkCluster(argsFor(server.url));
        assert.equal(warnings.length, 1);
        assert.match(warnings[0], /placement is required.*has 1 Ready, schedulable node\(s\) \(a\): the second manager would stay Pending.*pulumi config set placement preferred\.$/);
    });

    it("does not look at nodes when placement is preferred", async () => {
        const server = await serve({ ...healthy, "/api/v1/nodes": { items: [node("a", true)] } });
        assert.deepEqual((await checkCluster(argsFor(server.url, { placement: "preferred" }))).warnings, []);
        assert.ok(!server.requests.includes("/api/v1/nodes"));
    });

    it("warns about a missing Secret and one that lacks keys, naming keys but never values", async () => {
        const missing = await serve({ ...healthy, [keystores]: undefined });
        const [absent] = (await checkCluster(argsFor(missing.url))).warnings;
        assert.match(absent, /Secret wso2sp-keystores \(wso2-sp:tls\.secretName\) does not exist in namespace wso2-prod; the program reads keystore\.jks, truststore\.jks, ca\.crt/);
        const partial = await serve({ ...healthy, [keystores]: { data: { "keystore.jks": "c2VjcmV0" } } });
        const [lacking] = (await checkCluster(argsFor(partial.url))).warnings;
        assert.match(lacking, /lacks truststore\.jks, ca\.crt \(it holds keystore\.jks\)/);
        assert.ok(!lacking.includes("c2VjcmV0"));
    });

    it("with a view kubeconfig that cannot read nodes, IngressClasses or Secrets, says what it skipped and warns about nothing", async () => {
        const server = await serve(healthy, ["/api/v1/nodes", ingressClasses, "/api/v1/namespaces/wso2-prod/secrets"]);
        const { warnings, skipped } = await checkCluster(argsFor(server.url));
        assert.deepEqual(warnings, []);
        assert.equal(skipped.length, 3);
        assert.match(skipped[0], /did not check that IngressClass nginx exists: the credentials may not read it \(HTTP 403: .*ci-viewer/);
        assert.match(skipped[1], /did not check the number of Ready, schedulable nodes: the credentials may not read it/);
        assert.match(skipped[2], /did not check Secret wso2sp-keystores \(wso2-sp:tls\.secretName\): the credentials may not read it/);
    });

    it("tells rejected credentials (401) from a missing object: skipped, not reported missing", async () => {
        const server = await serve(healthy);
        const { warnings, skipped } = await checkCluster({ ...argsFor(server.url), kubeconfig: kubeconfigFor(server.url, "expired") });
        assert.deepEqual(warnings, []);
        assert.equal(skipped.length, 3);
        assert.ok(skipped.every((line) => /HTTP 401/.test(line)));
    });

    it("skips every check, saying so, when the cluster does not answer", async () => {
        const server = await fakeApiServer(healthy);
        server.close();
        const { warnings, skipped } = await checkCluster(argsFor(server.url));
        assert.deepEqual(warnings, []);
        assert.equal(skipped.length, 3);
        assert.ok(skipped.every((line) => /no answer from the cluster .*127\.0\.0\.1/.test(line)));
    });

    it("takes the token from an exec credential plugin, as EKS, GKE and AKS kubeconfigs give it", async () => {
        const server = await serve(healthy);
        const dir = directoryWith();
        const plugin = path.join(dir, "credential-plugin");
        writeExecutable(plugin, `#!/bin/sh\necho '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"${token}"}}'\n`);
        const kubeconfig = kubeconfigFor(server.url).replace(`token: ${token}`, `exec: { apiVersion: client.authentication.k8s.io/v1, command: ${plugin} }`);
        assert.ok(kubeconfig.includes("exec:"));
        assert.deepEqual(await checkCluster({ ...argsFor(server.url), kubeconfig }), { warnings: [], skipped: [] });
    });

    it("skips, saying so, when the kubeconfig lacks the context asked for", async () => {
        const { skipped } = await checkCluster(argsFor("http://127.0.0.1:1", { context: "prod" }));
        assert.deepEqual(skipped, ["cluster checks: the kubeconfig has no context prod; nothing checked"]);
    });

    it("reads the kubeconfig from kubernetes:kubeconfig (path or text), else the first file of $KUBECONFIG", () => {
        const dir = directoryWith({ config: "from-file\n" });
        assert.equal(findKubeconfig("apiVersion: v1\nkind: Config\n"), "apiVersion: v1\nkind: Config\n");
        assert.equal(findKubeconfig(path.join(dir, "config")), "from-file\n");
        assert.equal(findKubeconfig(undefined, { KUBECONFIG: `${path.join(dir, "absent")}${path.delimiter}${path.join(dir, "config")}`, HOME: dir }), "from-file\n");
        assert.equal(findKubeconfig(undefined, { HOME: dir }), undefined);
    });

    it("takes kubernetes:kubeconfig as the provider does, a file when one exists, else its text: never another cluster's file", () => {
        const dir = directoryWith({ config: "from-file\n", other: "another-cluster\n" });
        const env = { KUBECONFIG: path.join(dir, "other"), HOME: dir };
        // One line of JSON, as tools write a kubeconfig, is the text itself.
        const json = '{"apiVersion":"v1","kind":"Config","current-context":"c"}';
        assert.equal(findKubeconfig(json, env), json);
        // A path the provider expands from ~.
        assert.equal(findKubeconfig("~/config", env), "from-file\n");
    });
});

describe("cluster checks in the program's preview (mocks, fake API server)", () => {
    /** The in-cluster fixture stack, run as `pulumi preview` with `change` made to its settings, and the TCP connections the run opened. */
    async function preview(change: (config: StackConfig) => void) {
        const { config, secretKeys } = readStackConfig("in-cluster", fixtureDir);
        change(config);
        const connections: unknown[] = [];
        const onSocket = (socket: unknown) => connections.push(socket);
        diagnosticsChannel.subscribe("net.client.socket", onSocket);
        try {
            const run = await runProgram(config, { stack: "in-cluster", secretKeys, preview: true });
            return { run, connections };
        } finally {
            diagnosticsChannel.unsubscribe("net.client.socket", onSocket);
        }
    }
    // The cluster checks' warnings, not the settings' own (such as the default keystore's).
    const ownWarnings = (warnings: readonly string[]) => warnings.filter((warning) => /^(IngressClass|Secret) .*\(wso2-sp:|^wso2-sp:placement is required/.test(warning));

    const saved = { HOME: process.env.HOME, KUBECONFIG: process.env.KUBECONFIG };
    beforeEach(() => {
        // No kubeconfig but the one a test names.
        process.env.HOME = directoryWith();
        delete process.env.KUBECONFIG;
    });
    afterEach(() => {
        process.env.HOME = saved.HOME;
        if (saved.KUBECONFIG === undefined) {
            delete process.env.KUBECONFIG;
        } else {
            process.env.KUBECONFIG = saved.KUBECONFIG;
        }
    });

    it("warns, before the preview ends, that the stack's IngressClass does not exist, with the kubeconfig of kubernetes:kubeconfig", async () => {
        const server = await fakeApiServer({ ...healthy, [`${ingressClasses}/nginx`]: undefined, [ingressClasses]: { items: [{ metadata: { name: "traefik" } }] } });
        try {
            const { run } = await preview((config) => (config["kubernetes:kubeconfig"] = kubeconfigFor(server.url)));
            const [warning, ...others] = ownWarnings(run.warnings);
            assert.deepEqual(others, []);
            assert.match(warning, /^IngressClass nginx \(wso2-sp:ingress\.className\) does not exist in the cluster.*pulumi config set --path ingress\.className traefik\.$/);
            assert.deepEqual(run.infos, []);
            assert.ok(server.requests.includes(`${ingressClasses}/nginx`));
        } finally {
            server.close();
        }
    });

    it("with a view kubeconfig from $KUBECONFIG, says what it skipped and warns about nothing", async () => {
        const server = await fakeApiServer(healthy, [ingressClasses, "/api/v1/nodes"]);
        try {
            const dir = directoryWith({ config: kubeconfigFor(server.url) });
            process.env.KUBECONFIG = path.join(dir, "config");
            const { run } = await preview(() => undefined);
            assert.deepEqual(ownWarnings(run.warnings), []);
            assert.equal(run.infos.length, 2);
            assert.ok(run.infos.every((line) => /^cluster checks: did not check .*: the credentials may not read it \(HTTP 403/.test(line)), run.infos.join("\n"));
        } finally {
            server.close();
        }
    });

    it("in an update, asks the cluster nothing", async () => {
        const server = await fakeApiServer(healthy);
        try {
            const { config, secretKeys } = readStackConfig("in-cluster", fixtureDir);
            config["kubernetes:kubeconfig"] = kubeconfigFor(server.url);
            await runProgram(config, { stack: "in-cluster", secretKeys });
            assert.deepEqual(server.requests, []);
        } finally {
            server.close();
        }
    });

    it("without a kubeconfig, runs the preview with no warning of its own and no network connection", async () => {
        const { run, connections } = await preview(() => undefined);
        assert.ok(run.objects.length > 0);
        assert.deepEqual(ownWarnings(run.warnings), []);
        assert.deepEqual(run.infos, []);
        assert.equal(connections.length, 0);
    });
});
