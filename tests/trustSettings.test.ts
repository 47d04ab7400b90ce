/**
 * The settings of issue "Trust and exposure" (items 1, 5, 6, 7) as a stack uses them: host-name
 * verification with workers under names a certificate can carry, CA bundles beside the stack's own
 * trust store, the admission policy against inline NFS volumes, SP images pinned by digest, and a
 * Secret's keys for the apps. Fixture tests/stacks/Pulumi.trust.yaml turns each on; the other
 * fixtures show each off.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { minResourceCount, readConfTree } from "../config/confs";
import { objectNamed, objectsOfKind, ProgramRun, projectDir, readStackConfig, fixtureDir, sharedFixture, workloadNamed, workloads } from "./harness";

const spNodes = ["wso2sp-manager-1", "wso2sp-manager-2", "wso2sp-worker", "wso2sp-receiver", "wso2sp-dashboard"];
const podSpec = (workload: Record<string, any>) => workload.spec.template?.spec ?? workload.spec.jobTemplate.spec.template.spec;
const spContainer = (workload: Record<string, any>) => podSpec(workload).containers[0];
const envOf = (workload: Record<string, any>) => new Map<string, any>(spContainer(workload).env.map((env: any) => [env.name, env]));
const selects = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([key, value]) => labels[key] === value);

describe("host-name verification: every name SP calls is one a certificate can carry", () => {
    let run: ProgramRun;
    const namespace = "wso2-prod";
    before(async () => {
        run = await sharedFixture("trust");
    });

    it("turns wso2.carbon.hostnameVerificationEnabled on in every SP node", () => {
        for (const name of spNodes) {
            assert.equal(envOf(workloadNamed(run, name)).get("HOSTNAME_VERIFICATION")?.value, "true", name);
        }
    });

    it("each worker registers with the managers as <pod>.wso2sp-worker.<namespace>.svc, the receiver by its Service name", () => {
        const workerConf = parseYaml(fs.readFileSync(path.join(projectDir, "confs/worker/conf/worker/deployment.yaml"), "utf8"));
        assert.equal(workerConf["deployment.config"].httpsInterface.host, "${NODE_HOST}");
        const worker = workloadNamed(run, "wso2sp-worker");
        const env = spContainer(worker).env.map((variable: any) => variable.name);
        // $(NODE_ID) expands only to a variable defined before it.
        assert.ok(env.indexOf("NODE_ID") < env.indexOf("NODE_HOST"));
        assert.deepEqual(envOf(worker).get("NODE_ID").valueFrom, { fieldRef: { fieldPath: "metadata.name" } });
        assert.equal(envOf(worker).get("NODE_HOST").value, `$(NODE_ID).wso2sp-worker.${namespace}.svc`);
        assert.equal(envOf(workloadNamed(run, "wso2sp-receiver")).get("NODE_HOST").value, `wso2sp-receiver.${namespace}.svc`);
    });

    it("workers are a StatefulSet governed by their headless Service, so each pod's name resolves, from its start on", () => {
        const worker = workloadNamed(run, "wso2sp-worker");
        assert.equal(worker.kind, "StatefulSet");
        assert.equal(worker.spec.podManagementPolicy, "Parallel");
        const service = objectNamed(run, "Service", worker.spec.serviceName);
        assert.equal(service.metadata.name, "wso2sp-worker");
        assert.equal(service.spec.clusterIP, "None");
        assert.ok(selects(service.spec.selector, worker.spec.template.metadata.labels));
        // The managers call a worker as soon as its first heartbeat arrives.
        assert.equal(service.spec.publishNotReadyAddresses, true);
        assert.equal(objectNamed(run, "Service", "wso2sp-receiver").spec.publishNotReadyAddresses, true);
        assert.equal(objectNamed(run, "Service", "wso2sp-manager-1").spec.publishNotReadyAddresses, undefined, "NGINX must not route to a manager that is not ready");
    });

    it("the workers keep their count, probes, spread over nodes and disruption budget", () => {
        const worker = workloadNamed(run, "wso2sp-worker");
        assert.equal(worker.spec.replicas, readStackConfig("trust", fixtureDir).config.workers);
        assert.ok(spContainer(worker).readinessProbe.tcpSocket.port);
        assert.ok(spContainer(worker).livenessProbe.tcpSocket.port);
        const [spread] = podSpec(worker).topologySpreadConstraints;
        assert.ok(selects(spread.labelSelector.matchLabels, worker.spec.template.metadata.labels));
        const budget = objectNamed(run, "PodDisruptionBudget", "wso2sp-worker");
        assert.ok(selects(budget.spec.selector.matchLabels, worker.spec.template.metadata.labels));
        assert.equal(budget.spec.minAvailable, minResourceCount(readConfTree(path.join(projectDir, "confs")).manager));
    });

    it("a stack with its own TLS and without verification keeps it off and is warned, with the command that turns it on", async () => {
        const external = await sharedFixture("external");
        assert.equal(envOf(workloadNamed(external, "wso2sp-worker")).get("HOSTNAME_VERIFICATION").value, "false");
        const warning = external.warnings.find((text) => text.includes("tls.hostnameVerification"));
        assert.ok(warning, JSON.stringify(external.warnings));
        assert.match(warning, /pulumi config set --path tls\.hostnameVerification true$/);
        assert.ok(!run.warnings.some((text) => text.includes("tls.hostnameVerification")));
    });
});

describe("trusted CA bundles named in settings", () => {
    it("every SP node mounts them read-only beside the stack's own trust store and tells start.sh where they are", async () => {
        const run = await sharedFixture("trust");
        for (const name of spNodes) {
            const workload = workloadNamed(run, name);
            const directory = envOf(workload).get("TRUSTED_CAS")?.value;
            const mount = spContainer(workload).volumeMounts.find((each: any) => each.mountPath === directory);
            assert.equal(mount?.readOnly, true, name);
            const volume = podSpec(workload).volumes.find((each: any) => each.name === mount.name);
            assert.deepEqual(
                volume.projected.sources,
                [
                    { configMap: { name: "database-ca", items: [{ key: "ca.crt", path: "configmap-database-ca-ca.crt" }] } },
                    { secret: { name: "api-cas", items: [{ key: "bundle.pem", path: "secret-api-cas-bundle.pem" }] } },
                ],
                name,
            );
            assert.equal(envOf(workload).get("OWN_TRUSTSTORE")?.value, "/home/wso2carbon/wso2sp-tls/truststore.jks", name);
        }
    });

    it("a stack that names none mounts none", async () => {
        const run = await sharedFixture("external");
        for (const name of spNodes) {
            assert.ok(!envOf(workloadNamed(run, name)).has("TRUSTED_CAS"), name);
        }
    });
});

describe("the admission policy against inline NFS volumes", () => {
    it("is created, with its exemptions, only when the stack asks for it", async () => {
        const run = await sharedFixture("trust");
        const [policy] = objectsOfKind(run, "ValidatingAdmissionPolicy");
        const [binding] = objectsOfKind(run, "ValidatingAdmissionPolicyBinding");
        assert.equal(binding.spec.policyName, policy.metadata.name);
        assert.match(policy.metadata.name, /wso2-prod/);
        assert.deepEqual(binding.spec.matchResources.namespaceSelector.matchExpressions[0].values, ["nfs-tools"]);
        for (const other of ["external", "in-cluster"]) {
            const plain = await sharedFixture(other);
            assert.deepEqual([...objectsOfKind(plain, "ValidatingAdmissionPolicy"), ...objectsOfKind(plain, "ValidatingAdmissionPolicyBinding")], [], other);
        }
    });
});

describe("SP images pinned by digest", () => {
    it("every pod, Job and CronJob of an SP image runs the pinned reference of its repository", async () => {
        const run = await sharedFixture("trust");
        const { images } = readStackConfig("trust", fixtureDir).config as { images: Record<string, string> };
        const pinned = Object.values(images);
        const runners = [...workloads(run), ...objectsOfKind(run, "Job"), ...objectsOfKind(run, "CronJob")];
        const spImages = runners.flatMap((runner) =>
            [...(podSpec(runner).initContainers ?? []), ...podSpec(runner).containers]
                .map((container: any) => container.image as string)
                .filter((image) => /\/wso2sp-(manager|worker|dashboard)[:@]/.test(image))
                .map((image) => ({ runner: `${runner.kind}/${runner.metadata.name}`, image })),
        );
        assert.ok(spImages.length > spNodes.length, JSON.stringify(spImages));
        for (const { runner, image } of spImages) {
            assert.ok(pinned.includes(image), `${runner} runs ${image}`);
        }
        assert.equal(spContainer(workloadNamed(run, "wso2sp-worker")).image, images.worker);
        assert.equal(spContainer(workloadNamed(run, "wso2sp-receiver")).image, images.worker);
        assert.equal(spContainer(workloadNamed(run, "wso2sp-dashboard")).image, images.dashboard);
        const kinds = new Set(spImages.map(({ runner }) => runner.split("/")[0]));
        assert.deepEqual([...kinds].sort(), ["CronJob", "Deployment", "Job", "StatefulSet"]);
    });

    it("an unpinned stack runs registry/name:tag", async () => {
        const run = await sharedFixture("external");
        assert.equal(spContainer(workloadNamed(run, "wso2sp-worker")).image, "docker.wso2.com/wso2sp-worker:4.4.0");
    });
});

describe("a Secret's keys for the apps' siddhi.refs", () => {
    it("reach the managers, workers and receiver as variables by reference, never the dashboard", async () => {
        const run = await sharedFixture("trust");
        for (const name of spNodes) {
            const variable = envOf(workloadNamed(run, name)).get("SP_DATA_PASSWORD");
            if (name === "wso2sp-dashboard") {
                assert.equal(variable, undefined);
            } else {
                assert.deepEqual(variable, { name: "SP_DATA_PASSWORD", valueFrom: { secretKeyRef: { name: "sp-app-credentials", key: "password" } } }, name);
            }
        }
    });
});
