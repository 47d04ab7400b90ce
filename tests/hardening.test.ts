import { strict as assert } from "assert";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { fixtureDir, nonEmpty, objectNamed, objectsOfKind, ProgramRun, projectDir, readStackConfig, runFixture, runProgram, sharedFixture, secretStandIn, setPath, workloadNamed } from "./harness";
import { copyOfConfs } from "./temporaryFiles";

const managerNames = ["wso2sp-manager-1", "wso2sp-manager-2"];
const podSpec = (deployment: Record<string, any>) => deployment.spec.template.spec;
const podLabels = (deployment: Record<string, any>): Record<string, string> => deployment.spec.template.metadata.labels;
const container = (deployment: Record<string, any>) => podSpec(deployment).containers[0];
const envOf = (deployment: Record<string, any>) => new Map<string, any>(container(deployment).env.map((env: any) => [env.name, env]));
/** Whether a matchLabels selector selects a pod with these labels. */
const selects = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([key, value]) => labels[key] === value);
/** Every workload's pod spec with its name, whatever the kind. */
const workloads = (run: ProgramRun) =>
    nonEmpty(
        run.objects.filter((object) => ["Deployment", "StatefulSet"].includes(object.kind)).map((object) => ({ name: object.metadata.name as string, object })),
        "workload",
    );

describe("HA placement and disruption", () => {
    let run: ProgramRun;
    before(async () => {
        run = await sharedFixture("in-cluster");
    });

    it("the two managers never share a node: each requires a node without a manager pod", () => {
        for (const name of managerNames) {
            const terms = podSpec(workloadNamed(run, name)).affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution;
            assert.equal(terms.length, 1, name);
            assert.equal(terms[0].topologyKey, "kubernetes.io/hostname");
            for (const other of managerNames) {
                assert.ok(selects(terms[0].labelSelector.matchLabels, podLabels(workloadNamed(run, other))), `${name} keeps off ${other}'s node`);
            }
            assert.ok(!selects(terms[0].labelSelector.matchLabels, podLabels(workloadNamed(run, "wso2sp-worker"))), "workers may share a node with a manager");
        }
    });

    it("manager-1 never runs two pods: an SP node of one identity (managers, receiver, dashboard) is replaced on rollout, never surged", () => {
        for (const name of ["wso2sp-manager-1", "wso2sp-manager-2", "wso2sp-receiver", "wso2sp-dashboard"]) {
            const deployment = objectNamed(run, "Deployment", name);
            assert.equal(deployment.spec.replicas, 1, name);
            assert.deepEqual(deployment.spec.strategy, { type: "Recreate" }, name);
        }
        // Workers keep their own names (a StatefulSet): a rollout replaces them one at a time, each pod's name never held by two pods.
        assert.deepEqual(workloadNamed(run, "wso2sp-worker").spec.updateStrategy, { type: "RollingUpdate" });
    });

    it("a drain keeps at least one manager: one budget covers both managers' pods and nothing else", () => {
        const budgets = objectsOfKind(run, "PodDisruptionBudget").filter((budget) =>
            managerNames.some((name) => selects(budget.spec.selector.matchLabels, podLabels(workloadNamed(run, name)))),
        );
        assert.equal(budgets.length, 1);
        assert.equal(budgets[0].spec.minAvailable, 1);
        for (const name of managerNames) {
            assert.ok(selects(budgets[0].spec.selector.matchLabels, podLabels(workloadNamed(run, name))), name);
        }
        for (const { name, object } of workloads(run).filter(({ name }) => !managerNames.includes(name))) {
            assert.ok(!selects(budgets[0].spec.selector.matchLabels, podLabels(object)), name);
        }
    });

    it("workers spread evenly over nodes, and only the worker pods count for the spread", () => {
        const worker = workloadNamed(run, "wso2sp-worker");
        const [constraint, ...others] = podSpec(worker).topologySpreadConstraints;
        assert.deepEqual(others, []);
        assert.equal(constraint.topologyKey, "kubernetes.io/hostname");
        assert.equal(constraint.maxSkew, 1);
        assert.equal(constraint.whenUnsatisfiable, "DoNotSchedule");
        assert.ok(selects(constraint.labelSelector.matchLabels, podLabels(worker)));
        assert.ok(!selects(constraint.labelSelector.matchLabels, podLabels(workloadNamed(run, "wso2sp-receiver"))));
    });

    it("a drain keeps as many workers as the managers need to deploy Siddhi apps (minResourceCount of confs/manager)", () => {
        const deploymentYaml = fs.readFileSync(path.join(projectDir, "confs/manager/conf/manager/deployment.yaml"), "utf8");
        const minResourceCount = parseYaml(deploymentYaml)["deployment.config"].minResourceCount;
        const worker = workloadNamed(run, "wso2sp-worker");
        const budgets = objectsOfKind(run, "PodDisruptionBudget").filter((budget) => selects(budget.spec.selector.matchLabels, podLabels(worker)));
        assert.equal(budgets.length, 1);
        assert.equal(budgets[0].spec.minAvailable, minResourceCount);
    });

    it("a change to both managers updates manager-2 only after manager-1's update (which awaits readiness) has finished", () => {
        const deploymentOf = (name: string) => run.resources.find((resource) => resource.type === "kubernetes:apps/v1:Deployment" && resource.name === name)!;
        const dependsOn = (name: string) => ([] as pulumi.Input<pulumi.Resource>[]).concat((deploymentOf(name).options.dependsOn as never) ?? []);
        // Besides its own preflight Jobs (tests/preflight.test.ts).
        const names = (resources: pulumi.Input<pulumi.Resource>[]) => resources.map((resource) => (resource as any).__name).filter((name) => !name.includes("-preflight-"));
        assert.deepEqual(names(dependsOn("wso2sp-manager-2")), ["wso2sp-manager-1"]);
        // manager-1 waits only for the in-cluster MySQL (tests/nfsMoves.test.ts).
        assert.deepEqual(names(dependsOn("wso2sp-manager-1")), ["mysql"]);
        // The await is what makes the order mean "once ready": nothing may turn it off.
        assert.equal(workloadNamed(run, "wso2sp-manager-1").metadata.annotations?.["pulumi.com/skipAwait"], undefined);
    });

    it("the dashboard is updated only after the in-cluster MySQL's update (whose start creates the dashboard's databases) has finished", () => {
        const registered = (type: string, name: string) => run.resources.find((resource) => resource.type === type && resource.name === name)!;
        const dashboard = registered("kubernetes:apps/v1:Deployment", "wso2sp-dashboard");
        const mysql = registered("kubernetes:apps/v1:StatefulSet", "mysql");
        assert.ok(mysql, "no MySQL StatefulSet");
        const dependsOn = ([] as pulumi.Input<pulumi.Resource>[]).concat((dashboard.options.dependsOn as never) ?? []);
        assert.deepEqual(
            dependsOn.map((resource) => (resource as any).__name).filter((name) => !name.includes("-preflight-")),
            ["mysql"],
        );
        assert.equal(objectNamed(run, "StatefulSet", "sp-rdbms").metadata.annotations?.["pulumi.com/skipAwait"], undefined);
    });

    it("placement=preferred lets a single-node test cluster run both managers and every worker", async () => {
        const relaxed = await runFixture("in-cluster", (config) => setPath(config, "placement", "preferred"));
        for (const name of managerNames) {
            const antiAffinity = podSpec(workloadNamed(relaxed, name)).affinity.podAntiAffinity;
            assert.equal(antiAffinity.requiredDuringSchedulingIgnoredDuringExecution, undefined, name);
            assert.equal(antiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey, "kubernetes.io/hostname");
        }
        assert.equal(podSpec(workloadNamed(relaxed, "wso2sp-worker")).topologySpreadConstraints[0].whenUnsatisfiable, "ScheduleAnyway");
    });

    it("the worker budget follows minResourceCount when confs/manager changes it", async () => {
        const confs = copyOfConfs();
        const file = path.join(confs, "manager/conf/manager/deployment.yaml");
        fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace(/minResourceCount: \d+/, "minResourceCount: 3"));
        const changed = await runFixture("in-cluster", (config) => {
            setPath(config, "confsDir", confs);
            setPath(config, "workers", 4);
        });
        assert.equal(objectNamed(changed, "PodDisruptionBudget", "wso2sp-worker").spec.minAvailable, 3);
    });
});

describe("resources", () => {
    it("every container of every pod requests CPU and memory, and none has a CPU limit", async () => {
        for (const stack of ["in-cluster", "external"]) {
            const run = await sharedFixture(stack);
            for (const { name, object } of workloads(run)) {
                for (const each of [...(podSpec(object).initContainers ?? []), ...podSpec(object).containers]) {
                    assert.ok(each.resources.requests.cpu, `${stack} ${name} ${each.name} requests no CPU`);
                    assert.ok(each.resources.requests.memory, `${stack} ${name} ${each.name} requests no memory`);
                    assert.equal(each.resources.limits?.cpu, undefined, `${stack} ${name} ${each.name} has a CPU limit`);
                }
            }
        }
    });

    it("each SP node kind's CPU request is one setting", async () => {
        const run = await runFixture("in-cluster", (config) => setPath(config, "cpu", { worker: "2", dashboard: "100m" }));
        assert.equal(container(workloadNamed(run, "wso2sp-worker")).resources.requests.cpu, "2");
        assert.equal(container(workloadNamed(run, "wso2sp-dashboard")).resources.requests.cpu, "100m");
        // Unset fields keep the declared defaults.
        assert.equal(container(workloadNamed(run, "wso2sp-manager-1")).resources.requests.cpu, "500m");
    });
});

describe("admission", () => {
    it("the namespace enforces, audits and warns on the restricted Pod Security Standard, at a pinned version", async () => {
        const run = await sharedFixture("in-cluster");
        const labels = objectsOfKind(run, "Namespace")[0].metadata.labels;
        for (const mode of ["enforce", "audit", "warn"]) {
            assert.equal(labels[`pod-security.kubernetes.io/${mode}`], "restricted", mode);
            assert.match(labels[`pod-security.kubernetes.io/${mode}-version`], /^v1\.\d+$/, mode);
        }
    });

    it("every pod meets the restricted Pod Security Standard the namespace enforces", async () => {
        // https://kubernetes.io/docs/concepts/security/pod-security-standards/ (baseline and restricted controls).
        const allowedVolumes = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];
        for (const stack of ["in-cluster", "external"]) {
            const run = await sharedFixture(stack);
            for (const { name, object } of workloads(run)) {
                const pod = podSpec(object);
                const where = `${stack} ${name}`;
                assert.ok(!pod.hostNetwork && !pod.hostPID && !pod.hostIPC, `${where}: host namespaces`);
                for (const volume of pod.volumes ?? []) {
                    const type = Object.keys(volume).find((key) => key !== "name")!;
                    assert.ok(allowedVolumes.includes(type), `${where}: volume ${volume.name} of type ${type}`);
                }
                for (const each of [...(pod.initContainers ?? []), ...pod.containers]) {
                    const own = each.securityContext ?? {};
                    const label = `${where} ${each.name}`;
                    assert.equal(own.runAsNonRoot ?? pod.securityContext?.runAsNonRoot, true, `${label}: runAsNonRoot`);
                    assert.notEqual(own.runAsUser ?? pod.securityContext?.runAsUser, 0, `${label}: runAsUser`);
                    assert.equal(own.seccompProfile?.type ?? pod.securityContext?.seccompProfile?.type, "RuntimeDefault", `${label}: seccomp`);
                    assert.equal(own.allowPrivilegeEscalation, false, `${label}: allowPrivilegeEscalation`);
                    assert.ok(!own.privileged, `${label}: privileged`);
                    assert.deepEqual(own.capabilities?.drop, ["ALL"], `${label}: capabilities.drop`);
                    assert.deepEqual((own.capabilities?.add ?? []).filter((capability: string) => capability !== "NET_BIND_SERVICE"), [], `${label}: capabilities.add`);
                    assert.ok((each.ports ?? []).every((port: any) => !port.hostPort), `${label}: hostPort`);
                }
            }
        }
    });

    it("every init container runs with a read-only root filesystem", async () => {
        for (const stack of ["in-cluster", "external"]) {
            const run = await sharedFixture(stack);
            const inits = workloads(run).flatMap(({ name, object }) => (podSpec(object).initContainers ?? []).map((init: any) => ({ name, init })));
            assert.ok(inits.length > 0);
            for (const { name, init } of inits) {
                assert.equal(init.securityContext.readOnlyRootFilesystem, true, `${stack} ${name} ${init.name}`);
            }
        }
    });
});

describe("keyed rollout digest", () => {
    /** The external fixture, with the provider generating `key` as the stack's digest key. */
    const runFixtureWithDigestKey = (key: string, secrets: Record<string, string>) => {
        const { config, secretKeys } = readStackConfig("external", fixtureDir);
        return runProgram({ ...config, ...secrets }, { stack: "external", secretKeys: [...secretKeys, ...Object.keys(secrets)], randomPasswords: { "credentials-digest-key": key } });
    };
    const digestOf = (run: ProgramRun, name: string) => workloadNamed(run, name).spec.template.metadata.annotations["wso2sp/credentials-digest"];

    it("the pods' digest cannot be recomputed from the passwords: it is keyed with a random secret kept in the stack", async () => {
        const passwords = { adminPassword: "admin-password-1", databasePassword: "database-password-1" };
        const run = await runFixture("external", undefined, passwords);
        const digest = digestOf(run, "wso2sp-worker");
        assert.match(digest, /^[0-9a-f]{16}$/);
        const key = run.resources.find((resource) => resource.type === "random:index/randomPassword:RandomPassword" && resource.name === "credentials-digest-key");
        assert.ok(key, "no random digest key in the stack");
        assert.ok(key.inputs.length >= 32);
        // Keyed: the same passwords under another key give another digest, and no plain hash of them is it.
        const otherKey = await runFixtureWithDigestKey("another-digest-key-of-32-characters", passwords);
        assert.notEqual(digestOf(otherKey, "wso2sp-worker"), digest);
        const unkeyedForms = [JSON.stringify([passwords.databasePassword, passwords.adminPassword]), JSON.stringify([passwords.databasePassword, passwords.adminPassword, ""])];
        for (const algorithm of ["sha256", "sha1", "sha512", "md5"]) {
            for (const text of unkeyedForms) {
                assert.ok(!createHash(algorithm).update(text).digest("hex").startsWith(digest), `${algorithm} of ${text}`);
            }
        }
    });

    it("the same passwords keep the same digest (no spurious rollouts), a changed keystore password rolls the pods", async () => {
        const first = await sharedFixture("external");
        const again = await runFixture("external");
        const changed = await runFixture("external", undefined, { keystorePassword: "another-keystore-password" });
        for (const name of [...managerNames, "wso2sp-worker", "wso2sp-receiver", "wso2sp-dashboard"]) {
            assert.equal(digestOf(again, name), digestOf(first, name), name);
            assert.notEqual(digestOf(changed, name), digestOf(first, name), name);
        }
    });
});

describe("exposure", () => {
    it("every Ingress admits only the client source ranges of the stack", async () => {
        const run = await runFixture("external", (config) => setPath(config, "exposure.sourceRanges", ["203.0.113.0/24", "2001:db8::/32"]));
        const ingresses = objectsOfKind(run, "Ingress");
        assert.equal(ingresses.length, 3);
        for (const ingress of ingresses) {
            assert.equal(ingress.metadata.annotations["nginx.ingress.kubernetes.io/whitelist-source-range"], "203.0.113.0/24,2001:db8::/32", ingress.metadata.name);
        }
    });

    it("without source ranges no Ingress carries an empty allow-list", async () => {
        const run = await sharedFixture("in-cluster");
        for (const ingress of nonEmpty(objectsOfKind(run, "Ingress"), "Ingress")) {
            assert.ok(!("nginx.ingress.kubernetes.io/whitelist-source-range" in ingress.metadata.annotations), ingress.metadata.name);
        }
    });

    it("exposure.managers=false unpublishes the managers' REST API and keeps the dashboard's Ingress", async () => {
        const run = await runFixture("external", (config) => setPath(config, "exposure.managers", false));
        assert.deepEqual(objectsOfKind(run, "Ingress").map((ingress) => ingress.metadata.name), ["wso2sp-dashboard"]);
        assert.deepEqual(run.outputs.managerUrls, []);
        assert.equal(run.outputs.dashboardUrl, "https://sp-dashboard.prod.example.com/monitoring");
        assert.doesNotMatch(run.outputs.etcHostsLine, /manager/);
    });

    it("unpublished managers are closed to the ingress controller too (NetworkPolicy), the dashboard stays open", async () => {
        const fromIngressController = (run: ProgramRun, name: string) =>
            objectNamed(run, "NetworkPolicy", name).spec.ingress?.some((rule: any) =>
                rule.from?.some((peer: any) => peer.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"] === "ingress-nginx"),
            ) ?? false;
        const published = await sharedFixture("external");
        const unpublished = await runFixture("external", (config) => setPath(config, "exposure.managers", false));
        for (const name of managerNames) {
            assert.equal(fromIngressController(published, name), true, name);
            assert.equal(fromIngressController(unpublished, name), false, name);
        }
        assert.equal(fromIngressController(unpublished, "wso2sp-dashboard"), true);
    });

    it("a source range that is not a CIDR is refused before anything is deployed", async () => {
        await assert.rejects(
            runFixture("external", (config) => setPath(config, "exposure.sourceRanges", ["10.0.0.0/33"])),
            /wso2-sp:exposure\.sourceRanges\[0\] must be a CIDR .*Fix: pulumi config set --path 'exposure\.sourceRanges\[0\]' 203\.0\.113\.0\/24/,
        );
    });
});

describe("own TLS material", () => {
    const spNodes = [...managerNames, "wso2sp-worker", "wso2sp-receiver", "wso2sp-dashboard"];
    let run: ProgramRun;
    before(async () => {
        run = await sharedFixture("external");
    });

    it("every SP node mounts only the Java stores of the stack's Secret, read-only, and its listeners use that keystore", () => {
        for (const name of spNodes) {
            const deployment = workloadNamed(run, name);
            const volume = podSpec(deployment).volumes.find((each: any) => each.secret?.secretName === "wso2sp-keystores");
            assert.ok(volume, name);
            assert.deepEqual(volume.secret.items.map((item: any) => item.key).sort(), ["keystore.jks", "truststore.jks"]);
            const mount = container(deployment).volumeMounts.find((each: any) => each.name === volume.name);
            assert.equal(mount.readOnly, true);
            const env = envOf(deployment);
            assert.equal(env.get("KEYSTORE_FILE").value, `${mount.mountPath}/keystore.jks`, name);
            assert.equal(env.get("OWN_TRUSTSTORE").value, `${mount.mountPath}/truststore.jks`, name);
            assert.equal(env.get("KEYSTORE_PASSWORD").valueFrom.secretKeyRef.key, "keystore-password");
        }
        const credentials = objectNamed(run, "Secret", "wso2sp-credentials").stringData;
        assert.equal(credentials["keystore-password"], secretStandIn, "the keystore password is the stack's secret setting");
        assert.equal(credentials["truststore-password"], "wso2carbon", "carbon.sh fixes the JVM-wide trust store's password");
    });

    it("every keystore and trust store entry of confs/ reads the file and password the Deployments set", () => {
        for (const node of ["manager", "worker", "dashboard"]) {
            const text = fs.readFileSync(path.join(projectDir, `confs/${node}/conf/${node}/deployment.yaml`), "utf8");
            const keystores = [...text.matchAll(/^\s*(keyStoreFile|keyStoreLocation):\s*(.*)$/gm)].map((match) => match[2]);
            assert.ok(keystores.length >= 2, node);
            assert.ok(keystores.every((value) => value.replace(/["']/g, "") === "${KEYSTORE_FILE}"), `${node}: ${keystores.join(", ")}`);
            const trustPasswords = [...text.matchAll(/^\s*trustStorePassword:\s*(.*)$/gm)].map((match) => match[1]);
            assert.ok(trustPasswords.every((value) => value === "'${TRUSTSTORE_PASSWORD}'"), node);
        }
    });

    it("NGINX verifies each node's certificate with the Secret's CA, for the node's Service name", () => {
        for (const ingress of nonEmpty(objectsOfKind(run, "Ingress"), "Ingress")) {
            const annotations = ingress.metadata.annotations;
            const service = ingress.spec.rules[0].http.paths[0].backend.service.name;
            assert.equal(annotations["nginx.ingress.kubernetes.io/proxy-ssl-verify"], "on");
            assert.equal(annotations["nginx.ingress.kubernetes.io/proxy-ssl-secret"], "wso2-prod/wso2sp-keystores");
            assert.equal(annotations["nginx.ingress.kubernetes.io/proxy-ssl-name"], `${service}.wso2-prod.svc`);
        }
    });

    it("a stack without its own keystore gets a warning, and NGINX is not asked to verify the default one", async () => {
        const defaults = await sharedFixture("in-cluster");
        assert.equal(defaults.warnings.filter((message) => /default keystore/.test(message)).length, 1);
        const own = await sharedFixture("external");
        assert.deepEqual(own.warnings.filter((message) => /keystore/.test(message)), []);
        const worker = workloadNamed(defaults, "wso2sp-worker");
        assert.equal(envOf(worker).get("KEYSTORE_FILE").value, "/home/wso2carbon/wso2sp-4.4.0/resources/security/wso2carbon.jks");
        assert.ok(!envOf(worker).has("OWN_TRUSTSTORE"));
        for (const ingress of nonEmpty(objectsOfKind(defaults, "Ingress"), "Ingress")) {
            assert.ok(!("nginx.ingress.kubernetes.io/proxy-ssl-verify" in ingress.metadata.annotations));
        }
    });

    it("an additional volume cannot take the pod volume name of the own keystores", async () => {
        await assert.rejects(
            runFixture("external", (config) => setPath(config, "additionalVolumes[0].name", "own-keystores")),
            /wso2-sp:additionalVolumes\[0\]\.name is the pod volume of the own keystores/,
        );
    });

    it("a keystore Secret without its password (or the reverse) is refused, naming the fix", async () => {
        await assert.rejects(
            runFixture("in-cluster", (config) => setPath(config, "tls.secretName", "wso2sp-keystores")),
            /wso2-sp:keystorePassword is required when tls\.secretName is set .*Fix: pulumi config set --secret keystorePassword/,
        );
        await assert.rejects(
            runFixture("in-cluster", undefined, { keystorePassword: "a-keystore-password" }),
            /wso2-sp:tls\.secretName is required when keystorePassword is set/,
        );
    });
});
