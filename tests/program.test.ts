import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { nonEmpty, objectNamed, objectsOfKind, ProgramRun, projectDir, registeredBeforeError, runFixture, sharedFixture, setPath, workloadNamed } from "./harness";
import { copyOfConfs } from "./temporaryFiles";

const productHome = "/home/wso2carbon/wso2sp-4.4.0";
const configVolume = "/home/wso2carbon/wso2-config-volume";

const container = (deployment: Record<string, any>) => deployment.spec.template.spec.containers[0];
const podSpec = (deployment: Record<string, any>) => deployment.spec.template.spec;
const envValue = (deployment: Record<string, any>, name: string) => container(deployment).env.find((env: any) => env.name === name);
const mountsOf = (deployment: Record<string, any>) => new Map<string, string>(container(deployment).volumeMounts.map((mount: any) => [mount.mountPath, mount.name]));
/** The claim mounted at `mountPath`, or undefined. */
function claimAt(deployment: Record<string, any>, mountPath: string): string | undefined {
    const volumeName = mountsOf(deployment).get(mountPath);
    return podSpec(deployment).volumes.find((volume: any) => volume.name === volumeName)?.persistentVolumeClaim?.claimName;
}
/** The confs/ ConfigMap names a Deployment mounts, by mount path under the config volume. */
function configMapsOf(deployment: Record<string, any>): Record<string, string> {
    const byVolume = new Map<string, string>(
        podSpec(deployment).volumes.filter((volume: any) => volume.configMap).map((volume: any) => [volume.name, volume.configMap.name]),
    );
    return Object.fromEntries(
        [...mountsOf(deployment)]
            .filter(([mountPath, name]) => byVolume.has(name) && mountPath.startsWith(`${configVolume}/`))
            .map(([mountPath, name]) => [mountPath, byVolume.get(name)!]),
    );
}

/**
 * The pattern's nodes (docs/README.md), with the ports that actually listen (docs/ports.md):
 * OFFSET moves only the data-bridge receivers (Thrift 7611/7711 by it, Binary 9611/9711 by it plus
 * one), and a worker listens
 * on its own HTTPS port, never on the managers' 9543/9544. The plain HTTP 9090 and 7070 listen on
 * 127.0.0.1 only (confs/), so they are no container or Service port.
 */
const nodes = [
    {
        name: "wso2sp-manager-1",
        image: "wso2/wso2sp-manager:4.4.0",
        env: { WSO2_SERVER_PROFILE: "manager", OFFSET: "0", NODE_ID: "wso2sp-manager-1", NODE_PORT: "9543" },
        ports: [9543, 7611, 7711, 9612, 9712],
        memory: "4Gi",
        cpu: "500m",
        liveness: 9543,
    },
    {
        name: "wso2sp-manager-2",
        image: "wso2/wso2sp-manager:4.4.0",
        env: { WSO2_SERVER_PROFILE: "manager", OFFSET: "1", NODE_ID: "wso2sp-manager-2", NODE_PORT: "9544" },
        ports: [9544, 7612, 7712, 9613, 9713],
        memory: "4Gi",
        cpu: "500m",
        liveness: 9544,
    },
    {
        name: "wso2sp-worker",
        image: "wso2/wso2sp-worker:4.4.0",
        env: { WSO2_SERVER_PROFILE: "worker", OFFSET: "0", RECEIVER_NODE: "false", NODE_PORT: "9443" },
        ports: [9443, 7443, 7611, 7711, 9612, 9712],
        memory: "2Gi",
        cpu: "1",
        liveness: 9443,
    },
    {
        name: "wso2sp-receiver",
        image: "wso2/wso2sp-worker:4.4.0",
        env: { WSO2_SERVER_PROFILE: "worker", OFFSET: "1", RECEIVER_NODE: "true", NODE_PORT: "9444" },
        ports: [9444, 7443, 7612, 7712, 9613, 9713],
        memory: "2Gi",
        cpu: "500m",
        liveness: 9444,
    },
    {
        name: "wso2sp-dashboard",
        image: "wso2/wso2sp-dashboard:4.4.0",
        env: { WSO2_SERVER_PROFILE: "dashboard", NODE_ID: "wso2sp-status-dashboard" },
        ports: [9643],
        memory: "1Gi",
        cpu: "250m",
        liveness: 9643,
    },
];


describe("the in-cluster fixture stack", () => {
    let run: ProgramRun;
    before(async () => {
        run = await sharedFixture("in-cluster");
    });

    for (const node of nodes) {
        describe(node.name, () => {
            it("runs the pattern's image with its env, memory, a CPU request and exactly the ports it listens on", () => {
                const deployment = workloadNamed(run, node.name);
                assert.equal(container(deployment).image, node.image);
                for (const [name, value] of Object.entries(node.env)) {
                    assert.equal(envValue(deployment, name)?.value, value, `env ${name}`);
                }
                assert.deepEqual(envValue(deployment, "NODE_IP").valueFrom, { fieldRef: { fieldPath: "status.podIP" } });
                assert.deepEqual(
                    container(deployment).ports.map((port: any) => port.containerPort).sort(),
                    [...node.ports].sort(),
                );
                assert.deepEqual(container(deployment).resources, { requests: { cpu: node.cpu, memory: node.memory }, limits: { memory: node.memory } });
            });

            it("is restarted when its HTTPS port stops answering", () => {
                assert.deepEqual(container(workloadNamed(run, node.name)).livenessProbe.tcpSocket, { port: node.liveness });
            });

            it("is reachable under its own name through a headless Service, on exactly the ports it listens on", () => {
                const service = objectNamed(run, "Service", node.name);
                const deployment = workloadNamed(run, node.name);
                assert.equal(service.spec.clusterIP, "None");
                assert.deepEqual(service.spec.ports.map((port: any) => port.port).sort(), [...node.ports].sort());
                for (const [label, value] of Object.entries(service.spec.selector)) {
                    assert.equal(deployment.spec.template.metadata.labels[label], value);
                }
            });

            it("runs as wso2carbon:wso2 (802:802), which also owns its volumes", () => {
                const security = podSpec(workloadNamed(run, node.name)).securityContext;
                assert.equal(security.runAsUser, 802);
                assert.equal(security.runAsGroup, 802);
                assert.equal(security.fsGroup, 802);
                assert.equal(security.runAsNonRoot, true);
            });

            it("runs as the shared ServiceAccount without a mounted API token", () => {
                const pod = podSpec(workloadNamed(run, node.name));
                assert.equal(pod.serviceAccountName, "wso2svc-account");
                assert.equal(pod.automountServiceAccountToken, false);
            });
        });
    }

    it("the namespace and the ServiceAccount are those the pattern names", () => {
        objectNamed(run, "Namespace", "wso2");
        assert.equal(objectNamed(run, "ServiceAccount", "wso2svc-account").automountServiceAccountToken, false);
    });

    it("both managers mount the shared Siddhi files claim where SP saves REST-deployed apps (the runtime repository)", () => {
        const claims = ["wso2sp-manager-1", "wso2sp-manager-2"].map((manager) =>
            claimAt(workloadNamed(run, manager), `${productHome}/wso2/manager/deployment/siddhi-files/`),
        );
        assert.match(claims[0] ?? "", /^sp-mgt-volume-claim-[0-9a-f]{8}$/);
        assert.equal(claims[1], claims[0]);
    });

    it("the Siddhi files claim binds exactly its own NFS volume; volumes, claims and namespace survive pulumi destroy", () => {
        const claimName = claimAt(workloadNamed(run, "wso2sp-manager-1"), `${productHome}/wso2/manager/deployment/siddhi-files/`)!;
        const claim = objectNamed(run, "PersistentVolumeClaim", claimName);
        const volume = objectNamed(run, "PersistentVolume", claim.spec.volumeName);
        assert.deepEqual(volume.spec.claimRef, { namespace: "wso2", name: claimName });
        assert.deepEqual(volume.spec.nfs, { server: "192.168.56.10", path: "/exports/wso2sp/siddhi-files" });
        assert.equal(volume.spec.persistentVolumeReclaimPolicy, "Retain");
        assert.deepEqual(volume.spec.accessModes, ["ReadWriteMany"]);
        assert.equal(volume.spec.capacity.storage, "1Gi");
        // Deleting the namespace would take the claims with it.
        const kept = run.resources.filter((resource) => /PersistentVolume(Claim)?$|Namespace$/.test(resource.type));
        assert.ok(kept.length >= 3);
        for (const resource of kept) {
            assert.equal(resource.options.retainOnDelete, true, `${resource.type} ${resource.name} is deleted on destroy`);
        }
    });

    it("runs the number of workers the stack sets", () => {
        assert.equal(workloadNamed(run, "wso2sp-worker").spec.replicas, 2);
    });

    it("uses only API versions a current cluster serves", () => {
        const served = new Set(["v1", "apps/v1", "batch/v1", "networking.k8s.io/v1", "policy/v1"]);
        for (const object of run.objects) {
            assert.ok(served.has(object.apiVersion), `${object.kind} ${object.metadata?.name} uses ${object.apiVersion}`);
        }
    });

    it("labels every object with app.kubernetes.io/part-of and managed-by", () => {
        for (const object of run.objects) {
            assert.equal(object.metadata.labels?.["app.kubernetes.io/part-of"], "wso2-sp", `${object.kind} ${object.metadata.name}`);
            assert.equal(object.metadata.labels?.["app.kubernetes.io/managed-by"], "pulumi", `${object.kind} ${object.metadata.name}`);
        }
    });

    it("exposes both managers and the dashboard through NGINX ingresses with cookie affinity and no TLS passthrough", () => {
        const expected = { "wso2sp-manager-1": 9543, "wso2sp-manager-2": 9544, "wso2sp-dashboard": 9643 };
        for (const [host, port] of Object.entries(expected)) {
            const ingress = objectNamed(run, "Ingress", host);
            assert.equal(ingress.spec.ingressClassName, "nginx");
            assert.equal(ingress.spec.rules[0].host, host);
            assert.deepEqual(ingress.spec.rules[0].http.paths[0].backend.service, { name: host, port: { number: port } });
            assert.equal(ingress.metadata.annotations["nginx.ingress.kubernetes.io/affinity"], "cookie");
            assert.equal(ingress.metadata.annotations["nginx.ingress.kubernetes.io/ssl-passthrough"], undefined);
            assert.equal(ingress.metadata.annotations["kubernetes.io/ingress.class"], undefined);
        }
        assert.equal(objectsOfKind(run, "Ingress").length, 3);
    });

    it("mounts each confs/ directory as a ConfigMap at the same path of the config volume, on that node only", () => {
        const managerYaml = fs.readFileSync(path.join(projectDir, "confs/manager/conf/manager/deployment.yaml"), "utf8");
        const workerYaml = fs.readFileSync(path.join(projectDir, "confs/worker/conf/worker/deployment.yaml"), "utf8");
        for (const name of ["wso2sp-manager-1", "wso2sp-manager-2"]) {
            const configMaps = configMapsOf(workloadNamed(run, name));
            assert.deepEqual(Object.keys(configMaps), [`${configVolume}/conf/manager`]);
            assert.equal(objectNamed(run, "ConfigMap", configMaps[`${configVolume}/conf/manager`]).data["deployment.yaml"], managerYaml);
        }
        for (const name of ["wso2sp-worker", "wso2sp-receiver"]) {
            const configMaps = configMapsOf(workloadNamed(run, name));
            assert.deepEqual(Object.keys(configMaps), [`${configVolume}/conf/worker`]);
            assert.equal(objectNamed(run, "ConfigMap", configMaps[`${configVolume}/conf/worker`]).data["deployment.yaml"], workerYaml);
        }
        const dashboardYaml = fs.readFileSync(path.join(projectDir, "confs/dashboard/conf/dashboard/deployment.yaml"), "utf8");
        const dashboardConfigMaps = configMapsOf(workloadNamed(run, "wso2sp-dashboard"));
        assert.deepEqual(Object.keys(dashboardConfigMaps), [`${configVolume}/conf/dashboard`]);
        assert.equal(objectNamed(run, "ConfigMap", dashboardConfigMaps[`${configVolume}/conf/dashboard`]).data["deployment.yaml"], dashboardYaml);
    });

    it("mounts an additional volume with the defaults (an overlay of the product home) on the nodes it names only", () => {
        const claimName = claimAt(workloadNamed(run, "wso2sp-worker"), "/home/wso2carbon/wso2-overlays/sp-extensions")!;
        assert.match(claimName, /^sp-extensions-[0-9a-f]{8}$/);
        const volume = objectNamed(run, "PersistentVolume", objectNamed(run, "PersistentVolumeClaim", claimName).spec.volumeName);
        assert.deepEqual(volume.spec.nfs, { server: "192.168.56.10", path: "/exports/wso2sp/extensions" });
        assert.equal(volume.spec.capacity.storage, "1Gi");
        for (const node of nodes) {
            const mounted = claimAt(workloadNamed(run, node.name), "/home/wso2carbon/wso2-overlays/sp-extensions");
            assert.equal(mounted, node.name === "wso2sp-dashboard" ? undefined : claimName, node.name);
        }
    });

    it("tells users the URLs, the /etc/hosts line and the claim names", () => {
        assert.equal(run.outputs.namespace, "wso2");
        assert.deepEqual(run.outputs.managerUrls, ["https://wso2sp-manager-1", "https://wso2sp-manager-2"]);
        assert.equal(run.outputs.dashboardUrl, "https://wso2sp-dashboard/monitoring");
        assert.match(run.outputs.etcHostsLine, /^\S+ wso2sp-manager-1 wso2sp-manager-2 wso2sp-dashboard$/);
        assert.equal(run.outputs.claimNames.siddhiFiles, claimAt(workloadNamed(run, "wso2sp-manager-1"), `${productHome}/wso2/manager/deployment/siddhi-files/`));
        assert.equal(run.outputs.claimNames["sp-extensions"], claimAt(workloadNamed(run, "wso2sp-worker"), "/home/wso2carbon/wso2-overlays/sp-extensions"));
    });
});

describe("editing stack settings", () => {
    it("pointing the stack at another NFS server takes one `config set --path nfs.server` and moves every volume", async () => {
        const before = await sharedFixture("in-cluster");
        const run = await runFixture("in-cluster", (config) => setPath(config, "nfs.server", "10.0.0.9"));
        const volumes = objectsOfKind(run, "PersistentVolume");
        assert.ok(volumes.length >= 3);
        for (const volume of volumes) {
            assert.equal(volume.spec.nfs.server, "10.0.0.9", volume.metadata.name);
        }
        // A volume's source cannot change in place: new claims and volumes appear, the pods move to them.
        const siddhi = `${productHome}/wso2/manager/deployment/siddhi-files/`;
        const oldClaim = claimAt(workloadNamed(before, "wso2sp-manager-1"), siddhi);
        const newClaim = claimAt(workloadNamed(run, "wso2sp-manager-1"), siddhi)!;
        assert.notEqual(newClaim, oldClaim);
        assert.equal(objectNamed(run, "PersistentVolume", objectNamed(run, "PersistentVolumeClaim", newClaim).spec.volumeName).spec.nfs.server, "10.0.0.9");
        assert.ok(!objectsOfKind(before, "PersistentVolume").some((volume) => volumes.some((moved) => moved.metadata.name === volume.metadata.name)));
    });

    it("an additional volume with its own server, mount path and size is mounted on each node it lists", async () => {
        const run = await runFixture("in-cluster", (config) =>
            setPath(config, "additionalVolumes[1]", {
                name: "sp-extra-libs",
                server: "nfs-2.example.com",
                path: "/exports/lib",
                mountPath: "/opt/wso2sp-extra-libs",
                nodes: ["worker", "receiver", "dashboard"],
                size: "5Gi",
            }),
        );
        const claimName = claimAt(workloadNamed(run, "wso2sp-dashboard"), "/opt/wso2sp-extra-libs")!;
        const claim = objectNamed(run, "PersistentVolumeClaim", claimName);
        const volume = objectNamed(run, "PersistentVolume", claim.spec.volumeName);
        assert.deepEqual(volume.spec.nfs, { server: "nfs-2.example.com", path: "/exports/lib" });
        assert.equal(claim.spec.resources.requests.storage, "5Gi");
        assert.equal(volume.spec.capacity.storage, "5Gi");
        for (const node of nodes) {
            const mounted = claimAt(workloadNamed(run, node.name), "/opt/wso2sp-extra-libs");
            assert.equal(mounted, node.name.startsWith("wso2sp-manager") ? undefined : claimName, node.name);
        }
    });

    it("volumeProtection=protect makes Pulumi refuse to delete volumes, claims and their namespace", async () => {
        const run = await runFixture("in-cluster", (config) => setPath(config, "volumeProtection", "protect"));
        const storage = run.resources.filter((resource) => /PersistentVolume(Claim)?$|Namespace$/.test(resource.type));
        assert.ok(storage.length >= 3);
        for (const resource of storage) {
            assert.equal(resource.options.protect, true, `${resource.type} ${resource.name}`);
        }
    });

    it("a WSO2 subscription pulls every image from docker.wso2.com with the wso2creds Secret", async () => {
        const run = await runFixture("in-cluster", (config) => setPath(config, "subscriptionUsername", "ops@example.com"), {
            subscriptionPassword: "subscription-secret",
        });
        const pullSecret = objectNamed(run, "Secret", "wso2creds");
        assert.equal(pullSecret.type, "kubernetes.io/dockerconfigjson");
        const auths = JSON.parse(pullSecret.stringData[".dockerconfigjson"]).auths;
        assert.equal(auths["docker.wso2.com"].username, "ops@example.com");
        assert.equal(Buffer.from(auths["docker.wso2.com"].auth, "base64").toString(), "ops@example.com:subscription-secret");
        for (const node of nodes) {
            const deployment = workloadNamed(run, node.name);
            assert.equal(container(deployment).image, `docker.wso2.com/${node.image.slice("wso2/".length)}`);
            assert.deepEqual(podSpec(deployment).imagePullSecrets, [{ name: "wso2creds" }]);
        }
    });

    it("an ingress TLS secret is used for every ingress host", async () => {
        const run = await runFixture("in-cluster", (config) => setPath(config, "ingress.tlsSecretName", "wso2sp-tls"));
        for (const ingress of nonEmpty(objectsOfKind(run, "Ingress"), "Ingress")) {
            assert.deepEqual(ingress.spec.tls, [{ hosts: [ingress.spec.rules[0].host], secretName: "wso2sp-tls" }]);
        }
    });

    it("images pinned by digest or with long tags still give valid labels on every object", async () => {
        const digest = `zookeeper@sha256:${"ab".repeat(32)}`;
        const run = await runFixture("in-cluster", (config) => {
            setPath(config, "zookeeper.image", digest);
            setPath(config, "imageTag", `4.4.0-${"x".repeat(70)}`);
        });
        assert.equal(container(objectNamed(run, "StatefulSet", "zookeeper")).image, digest);
        for (const object of run.objects) {
            for (const [key, value] of Object.entries<string>(object.metadata.labels ?? {})) {
                assert.match(value, /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/, `${object.kind} ${object.metadata.name} label ${key}`);
            }
        }
    });

    it("a changed password rolls every SP node, so all of them read the new one", async () => {
        const before = await runFixture("in-cluster", undefined, { adminPassword: "first-admin-password" });
        const after = await runFixture("in-cluster", undefined, { adminPassword: "second-admin-password" });
        for (const node of nodes) {
            const digest = (run: ProgramRun) => workloadNamed(run, node.name).spec.template.metadata.annotations?.["wso2sp/credentials-digest"];
            assert.ok(digest(before), `${node.name} has no credentials digest`);
            assert.notEqual(digest(after), digest(before), node.name);
        }
    });

    it("more workers take one setting", async () => {
        const run = await runFixture("in-cluster", (config) => setPath(config, "workers", 5));
        assert.equal(workloadNamed(run, "wso2sp-worker").spec.replicas, 5);
    });
});

describe("configuration files in confs/", () => {
    it("a changed file gives its ConfigMap a new name and rolls exactly the nodes that mount it", async () => {
        const confs = copyOfConfs();
        const before = await runFixture("in-cluster", (config) => setPath(config, "confsDir", confs));
        fs.appendFileSync(path.join(confs, "manager/conf/manager/deployment.yaml"), "\n# tuned\n");
        const after = await runFixture("in-cluster", (config) => setPath(config, "confsDir", confs));

        for (const node of nodes) {
            const was = configMapsOf(workloadNamed(before, node.name));
            const is = configMapsOf(workloadNamed(after, node.name));
            if (node.name.startsWith("wso2sp-manager")) {
                assert.notEqual(is[`${configVolume}/conf/manager`], was[`${configVolume}/conf/manager`], node.name);
                objectNamed(after, "ConfigMap", is[`${configVolume}/conf/manager`]);
            } else {
                assert.deepEqual(is, was, `${node.name} would restart for a file it does not mount`);
            }
        }
    });

    it("a same-length edit of a conf file rolls the pods that mount it", async () => {
        const confs = copyOfConfs();
        const before = await runFixture("in-cluster", (config) => setPath(config, "confsDir", confs));
        const file = path.join(confs, "manager/conf/manager/deployment.yaml");
        const text = fs.readFileSync(file, "utf8");
        const edited = text.replace("workerThreads: 10", "workerThreads: 20");
        assert.ok(edited !== text && edited.length === text.length);
        fs.writeFileSync(file, edited);
        const after = await runFixture("in-cluster", (config) => setPath(config, "confsDir", confs));

        for (const manager of nonEmpty(nodes.filter((node) => node.name.startsWith("wso2sp-manager")), "manager")) {
            const was = configMapsOf(objectNamed(before, "Deployment", manager.name))[`${configVolume}/conf/manager`];
            const is = configMapsOf(objectNamed(after, "Deployment", manager.name))[`${configVolume}/conf/manager`];
            assert.notEqual(is, was, `${manager.name} keeps running the old deployment.yaml`);
            assert.equal(objectNamed(after, "ConfigMap", is).data["deployment.yaml"], edited);
        }
    });

    it("a new directory and a binary file need no code change: each directory becomes a mounted ConfigMap", async () => {
        const confs = copyOfConfs();
        fs.mkdirSync(path.join(confs, "worker/resources/security"), { recursive: true });
        const keystore = Buffer.from([0xfe, 0xed, 0xfe, 0xed, 0x00, 0x00, 0x00, 0x02, 0xff]);
        fs.writeFileSync(path.join(confs, "worker/resources/security/client-truststore.jks"), keystore);
        fs.writeFileSync(path.join(confs, "worker/resources/security/README.txt"), "trust store for the receiver\n");

        const run = await runFixture("in-cluster", (config) => setPath(config, "confsDir", confs));
        for (const name of ["wso2sp-worker", "wso2sp-receiver"]) {
            const configMapName = configMapsOf(workloadNamed(run, name))[`${configVolume}/resources/security`];
            assert.ok(configMapName, `${name} does not mount resources/security`);
            const configMap = objectNamed(run, "ConfigMap", configMapName);
            assert.equal(configMap.binaryData["client-truststore.jks"], keystore.toString("base64"));
            assert.equal(configMap.data["README.txt"], "trust store for the receiver\n");
        }
        assert.equal(configMapsOf(workloadNamed(run, "wso2sp-manager-1"))[`${configVolume}/resources/security`], undefined);
    });

    it("two directories whose names differ only in punctuation are refused, since their pod volumes would clash", async () => {
        const confs = copyOfConfs();
        fs.mkdirSync(path.join(confs, "manager/conf-manager"));
        fs.writeFileSync(path.join(confs, "manager/conf-manager/notes.txt"), "x\n");
        const error = await runFixture("in-cluster", (config) => setPath(config, "confsDir", confs)).then(
            () => assert.fail("clashing directories were accepted"),
            (thrown: Error) => thrown,
        );
        assert.match(error.message, /confs\/manager\/conf[-/]manager and confs\/manager\/conf[-/]manager differ only in punctuation/);
    });

    it("a directory over the ConfigMap size limit is refused before anything is deployed", async () => {
        const confs = copyOfConfs();
        fs.mkdirSync(path.join(confs, "manager/lib"));
        fs.writeFileSync(path.join(confs, "manager/lib/big.jar"), Buffer.alloc(1024 * 1024 + 1, 1));
        const error = await runFixture("in-cluster", (config) => setPath(config, "confsDir", confs)).then(
            () => assert.fail("an oversized directory was accepted"),
            (thrown: Error) => thrown,
        );
        assert.match(error.message, /manager\/lib\/ holds \d+ bytes, over the 1048576-byte ConfigMap limit/);
        assert.match(error.message, /additionalVolumes/);
        assert.deepEqual(registeredBeforeError().filter((resource) => resource.type.startsWith("kubernetes:")), []);
    });
});
