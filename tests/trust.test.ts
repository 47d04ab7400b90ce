/**
 * Whom SP trusts (issue "Trust and exposure", item 1): with the stack's own TLS material, the
 * JVM-wide trust store holds the stack's CA and the CA bundles it names, none of the image's
 * bundled anchors; hostname verification follows its option. The start script runs for real, with
 * a real keytool, against stand-in stores.
 */
import { strict as assert } from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { objectNamed, workloadNamed, objectsOfKind, ProgramRun, projectDir, runProgram, sharedFixture } from "./harness";
import { directoryWith, writeExecutable } from "./temporaryFiles";

const spNodes = ["wso2sp-manager-1", "wso2sp-manager-2", "wso2sp-worker", "wso2sp-receiver", "wso2sp-dashboard"];
const storePassword = "stack-keystore-password";
/** carbon.sh fixes the JVM-wide trust store's password (config/names.ts, truststore-password). */
const jvmTrustStorePassword = "wso2carbon";

const podSpec = (workload: Record<string, any>) => workload.spec.template.spec;
const container = (workload: Record<string, any>) => podSpec(workload).containers[0];
const envOf = (workload: Record<string, any>) => new Map<string, any>(container(workload).env.map((env: any) => [env.name, env]));

/**
 * Every keytool run starts a JVM; a short-lived one starts faster with only the first-tier JIT, the
 * serial collector and the JDK's shared class archive. Options a JVM reads, not keytool's behaviour.
 */
const quickJvm = { JAVA_TOOL_OPTIONS: "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xshare:auto" };

function keytool(...args: string[]) {
    const result = spawnSync("keytool", args, { encoding: "utf8", env: { ...process.env, ...quickJvm } });
    assert.equal(result.status, 0, `keytool ${args.join(" ")}: ${result.stdout}${result.stderr}`);
    return result.stdout;
}

/** A self-signed PEM certificate made for the test (openssl, EC key: no JVM to start). */
function pemCertificate(dir: string, name: string): string {
    const result = spawnSync(
        "openssl",
        ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", `/CN=${name}`, "-days", "2", "-keyout", path.join(dir, `${name}.key`)],
        { encoding: "utf8" },
    );
    assert.equal(result.status, 0, result.stderr);
    return result.stdout;
}

/** A trust store with only trusted-certificate entries, as cert-manager writes truststore.jks. */
function trustStoreOf(store: string, entries: Record<string, string>, password: string): string {
    for (const [alias, pem] of Object.entries(entries)) {
        const pemFile = `${store}-${alias}.pem`;
        fs.writeFileSync(pemFile, pem);
        keytool("-importcert", "-noprompt", "-alias", alias, "-file", pemFile, "-keystore", store, "-storetype", "JKS", "-storepass", password);
        fs.rmSync(pemFile);
    }
    return store;
}

function aliasesOf(store: string, password: string): string[] {
    return [...keytool("-list", "-keystore", store, "-storepass", password).matchAll(/^([^,\n]+),[^\n]*trustedCertEntry/gm)].map((match) => match[1]).sort();
}

/** The start.sh a Deployment mounts, from the pod-scripts ConfigMap the run emitted. */
function startScriptOf(run: ProgramRun, deployment: Record<string, any>): string {
    const scriptsVolume = podSpec(deployment).volumes.find((volume: any) => volume.name === "pod-scripts");
    return objectNamed(run, "ConfigMap", scriptsVolume.configMap.name).data["start.sh"];
}

interface StandIn {
    dir: string;
    home: string;
    ownTrustStore: string;
    caBundles: string;
    bundledTrustStore: string;
}

/** Certificates and stores made once (every keytool run starts a JVM), copied into each stand-in. */
interface Material {
    /** PEM certificates by name. */
    pems: Record<string, string>;
    /** The image's client-truststore.jks: the public `wso2carbon` certificate and another anchor. */
    bundledTrustStore: string;
    /** The stack's truststore.jks: its CA under `ca`, as cert-manager names it. */
    ownTrustStore: string;
}

function makeMaterial(): Material {
    const dir = directoryWith();
    const pems = Object.fromEntries(
        ["wso2carbon", "public-anchor", "stack-ca", "database-ca", "api-ca-1", "api-ca-2"].map((name) => [name, pemCertificate(dir, name)]),
    );
    return {
        pems,
        bundledTrustStore: trustStoreOf(path.join(dir, "client-truststore.jks"), { wso2carbon: pems.wso2carbon, "public-anchor": pems["public-anchor"] }, jvmTrustStorePassword),
        ownTrustStore: trustStoreOf(path.join(dir, "truststore.jks"), { ca: pems["stack-ca"] }, storePassword),
    };
}

/** A stand-in product home with the bundled trust store, the stack's trust store, and a directory of CA bundles. */
function standIn(material: Material, bundles: Record<string, string>): StandIn {
    const dir = directoryWith();
    const home = path.join(dir, "home");
    writeExecutable(path.join(home, "bin/worker.sh"), 'echo "server started"\n');
    const bundledTrustStore = path.join(home, "resources/security/client-truststore.jks");
    fs.mkdirSync(path.dirname(bundledTrustStore), { recursive: true });
    fs.copyFileSync(material.bundledTrustStore, bundledTrustStore);
    const ownTrustStore = path.join(dir, "truststore.jks");
    fs.copyFileSync(material.ownTrustStore, ownTrustStore);
    const caBundles = path.join(dir, "trusted-cas");
    fs.mkdirSync(caBundles);
    for (const [file, pem] of Object.entries(bundles)) {
        fs.writeFileSync(path.join(caBundles, file), pem);
    }
    return { dir, home, ownTrustStore, caBundles, bundledTrustStore };
}

function start(script: string, stand: StandIn, env: Record<string, string>) {
    writeExecutable(path.join(stand.dir, "start.sh"), script);
    return spawnSync("sh", [path.join(stand.dir, "start.sh")], {
        encoding: "utf8",
        env: {
            ...process.env,
            WSO2_SERVER_HOME: stand.home,
            WSO2_SERVER_PROFILE: "worker",
            KEYSTORE_PASSWORD: storePassword,
            TRUSTSTORE_PASSWORD: jvmTrustStorePassword,
            ...quickJvm,
            ...env,
        },
    });
}

describe("trust: the stack's CA instead of the bundled anchors", function () {
    // Each keytool run starts a JVM.
    this.timeout(120000);
    let run: ProgramRun;
    let worker: Record<string, any>;
    let material: Material;
    before(async () => {
        material = makeMaterial();
        run = await sharedFixture("external");
        worker = workloadNamed(run, "wso2sp-worker");
    });

    it("with own TLS, start replaces client-truststore.jks by a store of only the stack's CA and each certificate of each CA bundle", () => {
        const { pems } = material;
        const stand = standIn(material, { "configmap-database-ca-ca.crt": pems["database-ca"], "secret-api-cas-bundle.pem": pems["api-ca-1"] + pems["api-ca-2"] });
        assert.deepEqual(aliasesOf(stand.bundledTrustStore, jvmTrustStorePassword), ["public-anchor", "wso2carbon"], "the stand-in holds the bundled anchors");

        const result = start(startScriptOf(run, worker), stand, { OWN_TRUSTSTORE: stand.ownTrustStore, TRUSTED_CAS: stand.caBundles });

        assert.equal(result.status, 0, result.stderr);
        assert.match(result.stdout, /server started/);
        assert.deepEqual(aliasesOf(stand.bundledTrustStore, jvmTrustStorePassword), [
            "ca",
            "configmap-database-ca-ca.crt-1",
            "secret-api-cas-bundle.pem-1",
            "secret-api-cas-bundle.pem-2",
        ]);
    });

    it("with own TLS and no CA bundles, the trust store holds the stack's CA alone, and a second start builds the same store", () => {
        const stand = standIn(material, {});
        const script = startScriptOf(run, worker);
        for (const round of [1, 2]) {
            const result = start(script, stand, { OWN_TRUSTSTORE: stand.ownTrustStore });
            assert.equal(result.status, 0, `start ${round}: ${result.stderr}`);
            assert.deepEqual(aliasesOf(stand.bundledTrustStore, jvmTrustStorePassword), ["ca"], `start ${round}`);
        }
    });

    it("a CA bundle without a PEM certificate stops the start, naming the file", () => {
        const stand = standIn(material, { "configmap-empty-ca.crt": "not a certificate\n" });
        const result = start(startScriptOf(run, worker), stand, { OWN_TRUSTSTORE: stand.ownTrustStore, TRUSTED_CAS: stand.caBundles });
        assert.notEqual(result.status, 0);
        assert.doesNotMatch(result.stdout, /server started/);
        assert.match(result.stderr, /the CA bundle .*configmap-empty-ca\.crt holds no PEM certificate/);
        assert.deepEqual(aliasesOf(stand.bundledTrustStore, jvmTrustStorePassword), ["public-anchor", "wso2carbon"], "the bundled store is left as it was");
    });

    it("a trust store the keystore password does not open stops the start, naming the setting to check, with no password on keytool's command line", () => {
        const stand = standIn(material, {});
        const result = start(startScriptOf(run, worker), stand, { OWN_TRUSTSTORE: stand.ownTrustStore, KEYSTORE_PASSWORD: "another-password" });
        assert.notEqual(result.status, 0);
        assert.doesNotMatch(result.stdout, /server started/);
        assert.match(result.stderr, /is keystorePassword the password of the stores in tls\.secretName\?/);
        assert.doesNotMatch(startScriptOf(run, worker), /-(src|dest)?storepass "/, "passwords reach keytool through the environment only");
    });

    it("a stack on the default keystore keeps the bundled trust store", () => {
        const stand = standIn(material, {});
        const result = start(startScriptOf(run, worker), stand, {});
        assert.equal(result.status, 0, result.stderr);
        assert.deepEqual(aliasesOf(stand.bundledTrustStore, jvmTrustStorePassword), ["public-anchor", "wso2carbon"]);
    });

    it("a node given CA bundles mounts them read-only from their ConfigMaps and Secrets and tells start where they are", async () => {
        const nodeRun = await runProgram(
            {
                args: {
                    namespace: "wso2",
                    spec: { ...minimalWorkerSpec(), env: [{ name: "WSO2_SERVER_PROFILE", value: "worker" }] },
                    image: "wso2/wso2sp-worker:4.4.0",
                    memory: "2Gi",
                    cpu: "500m",
                    scheduling: {},
                    serviceAccountName: "wso2svc-account",
                    podScriptsConfigMapName: "pod-scripts",
                    configMounts: [],
                    claimMounts: [],
                    credentialsDigest: "digest",
                    ingress: { className: "nginx", tlsSecretName: "", sourceRanges: [], limits: { requestsPerSecond: 20, burstMultiplier: 5, connections: 20 } },
                    tls: {
                        secretName: "wso2sp-keystores",
                        trustedCaBundles: [
                            { kind: "ConfigMap", name: "database-ca", key: "ca.crt" },
                            { kind: "Secret", name: "api-cas", key: "bundle.pem" },
                        ],
                    },
                },
            },
            { programFile: path.join(projectDir, "tests/programs/spNode") },
        );
        const deployment = objectsOfKind(nodeRun, "Deployment")[0];
        const directory = envOf(deployment).get("TRUSTED_CAS").value;
        const mount = container(deployment).volumeMounts.find((each: any) => each.mountPath === directory);
        assert.equal(mount.readOnly, true);
        const volume = podSpec(deployment).volumes.find((each: any) => each.name === mount.name);
        assert.deepEqual(volume.projected.sources, [
            { configMap: { name: "database-ca", items: [{ key: "ca.crt", path: "configmap-database-ca-ca.crt" }] } },
            { secret: { name: "api-cas", items: [{ key: "bundle.pem", path: "secret-api-cas-bundle.pem" }] } },
        ]);
    });
});

/** A minimal worker-like node with no dependencies and no ingress. */
function minimalWorkerSpec() {
    return {
        name: "wso2sp-worker",
        kind: "worker",
        confs: "worker",
        imageName: "wso2sp-worker",
        replicas: 1,
        nodePort: 9443,
        listeners: [{ name: "https", port: 9443, role: "https", shiftedByOffset: false }],
        ingressHost: "",
        singleton: false,
        dependsOn: [],
    };
}

describe("trust: hostname verification", () => {
    it("every SP node's deployment.yaml reads wso2.carbon.hostnameVerificationEnabled from HOSTNAME_VERIFICATION, off unless asked for", async () => {
        for (const node of ["manager", "worker", "dashboard"]) {
            const text = fs.readFileSync(path.join(projectDir, `confs/${node}/conf/${node}/deployment.yaml`), "utf8");
            assert.match(text, /^wso2\.carbon:\n(?: {2}.*\n)*? {2}hostnameVerificationEnabled: \$\{HOSTNAME_VERIFICATION\}$/m, node);
        }
        const run = await sharedFixture("external");
        for (const name of spNodes) {
            assert.equal(envOf(workloadNamed(run, name)).get("HOSTNAME_VERIFICATION")?.value, "false", name);
        }
    });
});
