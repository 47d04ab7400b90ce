import assert from "node:assert/strict";
import { policies, stackPolicies } from "../policy/rules";
import { sharedFixture } from "./harness";
import { stackViolations, violations } from "./policyCheck";


type Container = Record<string, unknown>;

/** The container securityContext the "restricted" Pod Security Standard asks for. */
const HARDENED = { runAsUser: 802, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" } };

const MEMORY = { requests: { memory: "2Gi" }, limits: { memory: "2Gi" } };

/** A container that satisfies every policy; tests override the one field they are about. */
function container(overrides: Container = {}): Container {
    return {
        name: "worker",
        image: "wso2/wso2sp-worker:4.4.0",
        resources: MEMORY,
        readinessProbe: { tcpSocket: { port: 9090 } },
        securityContext: HARDENED,
        ...overrides,
    };
}

/** Likewise for an initContainer, which takes no readinessProbe. */
function initContainer(overrides: Container = {}): Container {
    return { name: "init-mysql", image: "busybox:1.36", resources: MEMORY, securityContext: HARDENED, ...overrides };
}

function podSpec(containers: Container[], extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { containers, ...extra };
}

const template = (spec: Record<string, unknown>) => ({ template: { metadata: { labels: { app: "sp" } }, spec } });

/** Inputs of each workload kind with the given pod spec, in the shape @pulumi/kubernetes passes to policies. */
const workloads: Record<string, (spec: Record<string, unknown>) => Record<string, unknown>> = {
    "kubernetes:apps/v1:Deployment": (spec) => ({ spec: { replicas: 2, ...template(spec) } }),
    "kubernetes:apps/v1:StatefulSet": (spec) => ({ spec: { serviceName: "sp", ...template(spec) } }),
    "kubernetes:apps/v1:DaemonSet": (spec) => ({ spec: template(spec) }),
    "kubernetes:apps/v1:ReplicaSet": (spec) => ({ spec: template(spec) }),
    "kubernetes:batch/v1:Job": (spec) => ({ spec: template(spec) }),
    "kubernetes:batch/v1:CronJob": (spec) => ({ spec: { schedule: "@daily", jobTemplate: { spec: template(spec) } } }),
    "kubernetes:core/v1:Pod": (spec) => ({ spec }),
};

const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const deployment = (spec: Record<string, unknown>) => workloads[DEPLOYMENT](spec);
const CONFIG_MAP = "kubernetes:core/v1:ConfigMap";

describe("policy pack wso2-sp", () => {
    it("makes every policy mandatory under a unique name", () => {
        const all = [...policies, ...stackPolicies];
        assert.deepEqual(all.map((p) => p.enforcementLevel), all.map(() => "mandatory"));
        assert.equal(new Set(all.map((p) => p.name)).size, all.length);
    });

    it("accepts a compliant WSO2 SP worker in every workload kind", async () => {
        const spec = podSpec([container()], { initContainers: [initContainer()] });
        for (const [type, build] of Object.entries(workloads)) {
            for (const policy of policies) {
                assert.deepEqual(await violations(policy.name, type, build(spec)), [], `${policy.name} on ${type}`);
            }
        }
    });
});

describe("no-untagged-or-latest-image", () => {
    const check = (type: string, props: Record<string, unknown>) => violations("no-untagged-or-latest-image", type, props);

    it("rejects a container whose image is tagged latest, in every workload kind", async () => {
        const spec = podSpec([container({ image: "wso2/wso2sp-worker:latest" })]);
        for (const [type, build] of Object.entries(workloads)) {
            const found = await check(type, build(spec));
            assert.equal(found.length, 1, type);
            assert.match(found[0], /container "worker".*"wso2\/wso2sp-worker:latest".*latest/);
        }
    });

    it("rejects an untagged image from a registry with a port", async () => {
        const found = await check(DEPLOYMENT, deployment(podSpec([container({ image: "docker.wso2.com:5000/wso2sp-worker" })])));
        assert.equal(found.length, 1);
        assert.match(found[0], /container "worker".*"docker\.wso2\.com:5000\/wso2sp-worker" has no tag or digest/);
    });

    it("rejects an untagged initContainer image inside a CronJob's job template", async () => {
        const spec = podSpec([container()], { initContainers: [initContainer({ image: "mysql" })] });
        const found = await check("kubernetes:batch/v1:CronJob", workloads["kubernetes:batch/v1:CronJob"](spec));
        assert.equal(found.length, 1);
        assert.match(found[0], /initContainer "init-mysql".*"mysql" has no tag/);
    });

    it("rejects a container without an image", async () => {
        const found = await check(DEPLOYMENT, deployment(podSpec([container({ image: undefined })])));
        assert.match(found[0], /container "worker": sets no image/);
    });

    it("accepts version tags (also behind a registry port) and digests", async () => {
        const images = [
            "wso2/wso2sp-worker:4.4.0",
            "docker.wso2.com:5000/wso2sp-worker:4.4.0",
            `wso2/wso2sp-worker@sha256:${"a1".repeat(32)}`,
            `wso2/wso2sp-worker:latest@sha256:${"a1".repeat(32)}`,
        ];
        const found = await check(DEPLOYMENT, deployment(podSpec(images.map((image) => container({ image })))));
        assert.deepEqual(found, []);
    });
});

describe("container-resources-and-readiness", () => {
    const check = (props: Record<string, unknown>) => violations("container-resources-and-readiness", DEPLOYMENT, props);

    it("rejects a container without a memory limit or readinessProbe, naming each missing field", async () => {
        const found = await check(deployment(podSpec([
            container({ resources: { requests: { memory: "2Gi" } }, readinessProbe: undefined }),
        ])));
        assert.deepEqual(found, ['container "worker" is missing resources.limits.memory, readinessProbe.']);
    });

    it("rejects a container whose resources set only CPU", async () => {
        const found = await check(deployment(podSpec([
            container({ resources: { requests: { cpu: "1" }, limits: { cpu: "2" } } }),
        ])));
        assert.deepEqual(found, ['container "worker" is missing resources.requests.memory, resources.limits.memory.']);
    });

    it("rejects an initContainer without a memory request but does not ask it for a readinessProbe", async () => {
        const found = await check(deployment(podSpec([container()], {
            initContainers: [initContainer({ resources: { limits: { memory: "64Mi" } } })],
        })));
        assert.deepEqual(found, ['initContainer "init-mysql" is missing resources.requests.memory.']);
    });

    it("asks a Job's container for memory but not for a readinessProbe: it runs to completion", async () => {
        const job = "kubernetes:batch/v1:Job";
        const props = (overrides: Container) => workloads[job](podSpec([container({ readinessProbe: undefined, ...overrides })]));
        assert.deepEqual(await violations("container-resources-and-readiness", job, props({})), []);
        assert.deepEqual(await violations("container-resources-and-readiness", job, props({ resources: { requests: { memory: "64Mi" } } })), [
            'container "worker" is missing resources.limits.memory.',
        ]);
    });

    it("accepts containers with memory request, limit and readinessProbe", async () => {
        assert.deepEqual(await check(deployment(podSpec([container()], { initContainers: [initContainer()] }))), []);
    });
});

describe("persistent-volume-retain", () => {
    const PV = "kubernetes:core/v1:PersistentVolume";
    const check = (spec: Record<string, unknown>) =>
        violations("persistent-volume-retain", PV, { spec: { capacity: { storage: "10Gi" }, ...spec } });

    it("rejects a PersistentVolume whose reclaim policy is Delete", async () => {
        assert.deepEqual(await check({ persistentVolumeReclaimPolicy: "Delete" }),
            ['spec.persistentVolumeReclaimPolicy is "Delete"; it must be "Retain".']);
    });

    it("rejects a PersistentVolume that leaves the reclaim policy unset", async () => {
        assert.match((await check({}))[0], /spec\.persistentVolumeReclaimPolicy is not set/);
    });

    it("accepts a PersistentVolume that retains its data", async () => {
        assert.deepEqual(await check({ persistentVolumeReclaimPolicy: "Retain" }), []);
    });

    it("ignores PersistentVolumeClaims", async () => {
        assert.deepEqual(await violations("persistent-volume-retain", "kubernetes:core/v1:PersistentVolumeClaim", { spec: {} }), []);
    });
});

describe("no-literal-password", () => {
    const check = (type: string, props: Record<string, unknown>) => violations("no-literal-password", type, props);
    const deploymentYaml = (passwordLine: string) => [
        "wso2.datasources:",
        "  dataSources:",
        "    - name: WSO2_CARBON_DB",
        "      definition:",
        "        configuration:",
        "          username: wso2carbon",
        `          ${passwordLine}`,
        "wso2.securevault:",
        "  secretRepository:",
        "    parameters:",
        "      secretPropertiesFile: ${sys:carbon.home}/conf/${sys:wso2.runtime}/secrets.properties",
    ].join("\n");

    it("rejects a YAML config file in a ConfigMap with a literal password, without echoing it", async () => {
        const lines = ["password: wso2carbon", 'password: "wso2carbon"', "keyStorePassword: 'wso2carbon' # default", "certPass: wso2carbon"];
        for (const line of lines) {
            const found = await check(CONFIG_MAP, { data: { "deployment.yaml": deploymentYaml(line) } });
            assert.equal(found.length, 1, line);
            assert.match(found[0], /data\["deployment\.yaml"\] line 7 sets "\w*[pP]ass(word)?" to a literal value/);
            assert.doesNotMatch(found[0], /wso2carbon/);
        }
    });

    it("rejects a credential-named ConfigMap key with a literal value", async () => {
        const found = await check(CONFIG_MAP, { data: { MYSQL_ROOT_PASSWORD: "root", LOG_LEVEL: "INFO" } });
        assert.deepEqual(found, ['data["MYSQL_ROOT_PASSWORD"] holds a literal credential; move it to a Secret.']);
    });

    it("rejects a literal password hidden in ConfigMap binaryData", async () => {
        const found = await check(CONFIG_MAP, {
            binaryData: { "db.properties": Buffer.from("db.user=sp\ndb.password=hunter2\n").toString("base64") },
        });
        assert.equal(found.length, 1);
        assert.match(found[0], /^binaryData\["db\.properties"\] line 2 sets "db\.password" to a literal value/);
    });

    it("accepts ConfigMap values that are ${NAME} placeholders, quoted or not", async () => {
        const found = await check(CONFIG_MAP, {
            data: {
                "deployment.yaml": deploymentYaml("password: ${DB_PASSWORD}"),
                "worker.yaml": deploymentYaml('password: "${sec:wso2.sampledb.password}"'),
                DB_PASSWORD: "${DB_PASSWORD}",
                API_TOKEN: "",
            },
        });
        assert.deepEqual(found, []);
    });

    it("rejects a credential-named env var with a literal value", async () => {
        const env = [{ name: "DB_PASSWORD", value: "wso2carbon" }, { name: "JAVA_OPTS", value: "-Xmx1g" }];
        const found = await check(DEPLOYMENT, deployment(podSpec([container({ env })])));
        assert.deepEqual(found, ['container "worker": env DB_PASSWORD has a literal value; use valueFrom.secretKeyRef.']);
    });

    it("accepts credential env vars taken from a Secret or referencing another env var", async () => {
        const env = [
            { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "sp-db", key: "password" } } },
            { name: "MYSQL_PWD_COPY_TOKEN", value: "$(DB_PASSWORD)" },
        ];
        assert.deepEqual(await check(DEPLOYMENT, deployment(podSpec([container({ env })]))), []);
    });

    it("rejects a MySQL -p<password> argument in an initContainer shell script", async () => {
        const init = initContainer({
            command: ["sh", "-c"],
            args: ["mkdir -p /data && mysql -h sp-mysql -uroot -proot < /init/schema.sql"],
        });
        const found = await check("kubernetes:batch/v1:Job", workloads["kubernetes:batch/v1:Job"](podSpec([container()], { initContainers: [init] })));
        assert.equal(found.length, 1);
        assert.match(found[0], /initContainer "init-mysql": command\/args passes a literal password with "-p…"/);
        assert.doesNotMatch(found[0], /-proot/);
    });

    it("rejects --password=<literal> in args and in an exec readinessProbe", async () => {
        const found = await check(DEPLOYMENT, deployment(podSpec([container({
            name: "mysql",
            image: "mysql:5.7.44",
            args: ["--user=root", "--password=secret123"],
            readinessProbe: { exec: { command: ["mysqladmin", "ping", "-uroot", "-psecret123"] } },
        })])));
        assert.deepEqual(found.map((message) => message.split(";")[0]), [
            'container "mysql": command/args passes a literal password with "--password=…"',
            'container "mysql": readinessProbe.exec.command passes a literal password with "-p…"',
        ]);
    });

    it("accepts password arguments that reference environment variables", async () => {
        const found = await check(DEPLOYMENT, deployment(podSpec([container({
            command: ["sh", "-c", 'mysql -uroot -p"$MYSQL_ROOT_PASSWORD" -e "SELECT 1" && mkdir -pv /data'],
            args: ["--password=$(MYSQL_PASSWORD)"],
            readinessProbe: { exec: { command: ["sh", "-c", "mysqladmin ping -uroot -p${MYSQL_ROOT_PASSWORD}"] } },
        })])));
        assert.deepEqual(found, []);
    });
});

describe("no-removed-api-versions", () => {
    const check = (type: string) => violations("no-removed-api-versions", type, {});

    it("rejects a Deployment on extensions/v1beta1", async () => {
        assert.deepEqual(await check("kubernetes:extensions/v1beta1:Deployment"), [
            "Deployment extensions/v1beta1 is no longer served since Kubernetes 1.16; use a current apiVersion " +
            "(see https://kubernetes.io/docs/reference/using-api/deprecation-guide/).",
        ]);
    });

    it("rejects removed versions of Ingress, CronJob patches, StorageClass and HPA", async () => {
        const expected: [string, RegExp][] = [
            ["kubernetes:networking.k8s.io/v1beta1:Ingress", /^Ingress networking\.k8s\.io\/v1beta1 .* 1\.22;/],
            ["kubernetes:batch/v1beta1:CronJobPatch", /^CronJob batch\/v1beta1 .* 1\.25;/],
            ["kubernetes:storage.k8s.io/v1beta1:StorageClass", /^StorageClass storage\.k8s\.io\/v1beta1 .* 1\.22;/],
            ["kubernetes:autoscaling/v2beta2:HorizontalPodAutoscaler", /^HorizontalPodAutoscaler autoscaling\/v2beta2 .* 1\.26;/],
        ];
        for (const [type, message] of expected) {
            const found = await check(type);
            assert.equal(found.length, 1, type);
            assert.match(found[0], message);
        }
    });

    it("accepts served API versions, including new kinds in a reused beta group/version", async () => {
        for (const type of [
            "kubernetes:apps/v1:Deployment",
            "kubernetes:networking.k8s.io/v1:Ingress",
            "kubernetes:networking.k8s.io/v1beta1:IPAddress",
            "kubernetes:storage.k8s.io/v1beta1:VolumeAttributesClass",
            "kubernetes:core/v1:ConfigMap",
            "kubernetes:helm.sh/v3:Release",
            "random:index/randomPassword:RandomPassword",
        ]) {
            assert.deepEqual(await check(type), [], type);
        }
    });
});

describe("pods-not-root", () => {
    const check = (spec: Record<string, unknown>) => violations("pods-not-root", DEPLOYMENT, deployment(spec));

    it("rejects a container that sets runAsUser 0 even when the pod demands non-root", async () => {
        const found = await check(podSpec([container({ securityContext: { runAsUser: 0 } })],
            { securityContext: { runAsNonRoot: true } }));
        assert.deepEqual(found, ['container "worker": securityContext.runAsUser is 0 (root).']);
    });

    it("rejects runAsUser 0 on the pod and names each container that inherits it", async () => {
        const found = await check(podSpec(
            [container({ securityContext: undefined }), container({ name: "sidecar", securityContext: { runAsUser: 1000 } })],
            { securityContext: { runAsUser: 0 } }));
        assert.deepEqual(found, [
            "pod securityContext.runAsUser is 0 (root).",
            'container "worker" inherits runAsUser 0 (root) from the pod securityContext.',
        ]);
    });

    it("rejects a container with no user settings on it or its pod", async () => {
        const found = await check(podSpec([container()], {
            initContainers: [initContainer({ securityContext: undefined })],
        }));
        assert.equal(found.length, 1);
        assert.match(found[0], /^initContainer "init-mysql" may run as root: set securityContext\.runAsNonRoot/);
    });

    it("rejects a container that turns off the pod's runAsNonRoot without naming a user", async () => {
        const found = await check(podSpec([container({ securityContext: { runAsNonRoot: false } })],
            { securityContext: { runAsNonRoot: true } }));
        assert.match(found[0], /^container "worker" may run as root/);
    });

    it("accepts containers that inherit runAsNonRoot or set a non-root user", async () => {
        assert.deepEqual(await check(podSpec(
            [container({ securityContext: undefined }), container({ name: "sidecar", securityContext: { runAsUser: 802 } })],
            { securityContext: { runAsNonRoot: true } })), []);
    });
});

describe("containers-hardened", () => {
    const check = (spec: Record<string, unknown>) => violations("containers-hardened", DEPLOYMENT, deployment(spec));

    it("rejects a container that may escalate privileges, keeps its capabilities and runs unconfined", async () => {
        const found = await check(podSpec([container({ securityContext: { runAsUser: 802 } })]));
        assert.deepEqual(found, [
            'container "worker": seccompProfile.type is not set (Unconfined on most runtimes); set RuntimeDefault; ' +
                "securityContext.allowPrivilegeEscalation must be false; securityContext.capabilities.drop must include ALL.",
        ]);
    });

    it("rejects a privileged initContainer that adds capabilities, and an Unconfined pod profile", async () => {
        const init = initContainer({ securityContext: { ...HARDENED, seccompProfile: undefined, privileged: true, capabilities: { drop: ["ALL"], add: ["NET_ADMIN", "NET_BIND_SERVICE"] } } });
        const found = await check(podSpec([container()], { initContainers: [init], securityContext: { seccompProfile: { type: "Unconfined" } } }));
        assert.deepEqual(found, [
            'initContainer "init-mysql": seccompProfile.type is "Unconfined"; set RuntimeDefault; securityContext.privileged must not be true; ' +
                "securityContext.capabilities.add must not add NET_ADMIN.",
        ]);
    });

    it("accepts containers that drop every capability, never escalate and inherit the pod's RuntimeDefault profile", async () => {
        const own = { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"], add: ["NET_BIND_SERVICE"] } };
        const found = await check(podSpec([container({ securityContext: own })], {
            initContainers: [initContainer({ securityContext: own })],
            securityContext: { seccompProfile: { type: "RuntimeDefault" } },
        }));
        assert.deepEqual(found, []);
    });
});

describe("namespace-enforces-restricted", () => {
    const NAMESPACE = "kubernetes:core/v1:Namespace";
    const check = (labels?: Record<string, string>) => violations("namespace-enforces-restricted", NAMESPACE, { metadata: { name: "wso2", labels } });

    it("rejects a namespace without the Pod Security Admission enforce label", async () => {
        assert.deepEqual(await check({ "app.kubernetes.io/part-of": "wso2-sp" }), [
            'metadata.labels["pod-security.kubernetes.io/enforce"] is not set; set it to "restricted".',
        ]);
    });

    it("rejects a namespace that enforces only baseline", async () => {
        assert.match((await check({ "pod-security.kubernetes.io/enforce": "baseline" }))[0], /is "baseline"; set it to "restricted"/);
    });

    it("accepts a namespace that enforces restricted, and ignores other kinds", async () => {
        assert.deepEqual(await check({ "pod-security.kubernetes.io/enforce": "restricted" }), []);
        assert.deepEqual(await violations("namespace-enforces-restricted", CONFIG_MAP, { metadata: { name: "wso2" } }), []);
    });
});

describe("disruption-budget-for-replicated-workloads", () => {
    const workload = (name: string, replicas: number, labels: Record<string, string>) => ({
        type: DEPLOYMENT,
        name,
        props: { metadata: { name, namespace: "wso2" }, spec: { replicas, template: { metadata: { labels }, spec: podSpec([container()]) } } },
    });
    const budget = (matchLabels: Record<string, string>, namespace = "wso2") => ({
        type: "kubernetes:policy/v1:PodDisruptionBudget",
        name: "budget",
        props: { metadata: { name: "budget", namespace }, spec: { minAvailable: 1, selector: { matchLabels } } },
    });
    const manager = (id: number) => workload(`manager-${id}`, 1, { "app.kubernetes.io/name": "wso2sp", "app.kubernetes.io/instance": `manager-${id}`, "app.kubernetes.io/component": "manager" });
    const workers = workload("worker", 3, { "app.kubernetes.io/name": "wso2sp", "app.kubernetes.io/instance": "worker", "app.kubernetes.io/component": "worker" });
    const check = (resources: ReturnType<typeof workload | typeof budget>[]) => stackViolations("disruption-budget-for-replicated-workloads", resources);

    it("rejects a replicated workload and an HA pair of single-replica workloads without a budget", async () => {
        const found = await check([manager(1), manager(2), workers, budget({ "app.kubernetes.io/component": "worker" }, "other-namespace")]);
        assert.deepEqual(found.map((message) => /^\S+ (\S+):/.exec(message)?.[1]), ["manager-1", "manager-2", "worker"]);
        assert.match(found[0], /its pods \(2 in its group\) are covered by no PodDisruptionBudget/);
    });

    it("accepts budgets whose selectors match the pair and the replicas, and single-replica workloads without one", async () => {
        const found = await check([
            manager(1),
            manager(2),
            workers,
            workload("dashboard", 1, { "app.kubernetes.io/name": "wso2sp", "app.kubernetes.io/instance": "dashboard", "app.kubernetes.io/component": "dashboard" }),
            budget({ "app.kubernetes.io/name": "wso2sp", "app.kubernetes.io/component": "manager" }),
            budget({ "app.kubernetes.io/instance": "worker" }),
        ]);
        assert.deepEqual(found, []);
    });
});

describe("network-policy-coverage", () => {
    const NETWORK_POLICY = "kubernetes:networking.k8s.io/v1:NetworkPolicy";
    const worker = {
        type: DEPLOYMENT,
        name: "worker",
        props: { metadata: { name: "wso2sp-worker", namespace: "wso2" }, spec: { template: { metadata: { labels: { app: "sp", tier: "worker" } }, spec: podSpec([container()]) } } },
    };
    const networkPolicy = (spec: Record<string, unknown>, namespace = "wso2") => ({ type: NETWORK_POLICY, name: "policy", props: { metadata: { namespace }, spec } });
    const check = (...resources: Parameters<typeof stackViolations>[1]) => stackViolations("network-policy-coverage", resources);

    it("rejects a workload whose pods no NetworkPolicy selects, naming both directions", async () => {
        const found = await check(worker, networkPolicy({ podSelector: { matchLabels: { app: "mysql" } }, policyTypes: ["Ingress", "Egress"] }));
        assert.equal(found.length, 1);
        assert.match(found[0], /Deployment worker: no NetworkPolicy of its namespace selects its pods for Ingress and Egress/);
    });

    it("rejects a workload isolated for ingress only (the default policyTypes of a policy without egress rules)", async () => {
        const found = await check(worker, networkPolicy({ podSelector: { matchLabels: { app: "sp" } }, ingress: [] }));
        assert.equal(found.length, 1);
        assert.match(found[0], /for Egress;/);
    });

    it("rejects a workload whose only selecting policy lives in another namespace", async () => {
        const found = await check(worker, networkPolicy({ podSelector: {}, policyTypes: ["Ingress", "Egress"] }, "other"));
        assert.match(found[0], /Ingress and Egress/);
    });

    it("accepts a workload under a namespace-wide default deny, or under policies matching its labels by expression", async () => {
        assert.deepEqual(await check(worker, networkPolicy({ podSelector: {}, policyTypes: ["Ingress", "Egress"] })), []);
        assert.deepEqual(
            await check(
                worker,
                networkPolicy({ podSelector: { matchExpressions: [{ key: "tier", operator: "In", values: ["worker", "receiver"] }] }, ingress: [{}] }),
                networkPolicy({ podSelector: { matchLabels: { app: "sp" } }, egress: [{}] }),
            ),
            [],
        );
    });
});

describe("the program's own objects", () => {
    for (const stack of ["in-cluster", "external"]) {
        it(`${stack}: every object the program registers passes every policy of the pack`, async () => {
            const run = await sharedFixture(stack);
            const found: string[] = [];
            for (const resource of run.resources.filter((registered) => registered.type.startsWith("kubernetes:"))) {
                for (const policy of policies) {
                    const messages = await violations(policy.name, resource.type, resource.inputs);
                    found.push(...messages.map((message) => `${resource.type} ${resource.name}: ${policy.name}: ${message}`));
                }
            }
            const kubernetesResources = run.resources.filter((registered) => registered.type.startsWith("kubernetes:"));
            for (const policy of stackPolicies) {
                const messages = await stackViolations(policy.name, kubernetesResources.map(({ type, name, inputs }) => ({ type, name, props: inputs })));
                found.push(...messages.map((message) => `${policy.name}: ${message}`));
            }
            assert.deepEqual(found, []);
        });
    }
});
