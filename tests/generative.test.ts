/**
 * Property-based tests of the settings (fast-check): random valid settings give only objects the
 * Kubernetes schema accepts and the policy pack passes; random invalid ones give one error and no
 * registered resource. Few runs each: every run is a whole program run.
 */
import { strict as assert } from "assert";
import fc from "fast-check";
import { policies } from "../policy/rules";
import { violations } from "./policyCheck";
import { modelProblems } from "./kubernetesSchema";
import { registeredBeforeError, runProgram, setPath, StackConfig } from "./harness";

const nodeKinds = ["manager", "worker", "receiver", "dashboard"] as const;
const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}[a-z0-9]$/);
const strongPassword = fc
    .tuple(fc.constantFrom(..."abcdXYZ".split("")), fc.string({ unit: fc.constantFrom(..."abcdefXYZ0123456789-_.+=!%*@".split("")), minLength: 11, maxLength: 20 }))
    .map(([first, rest]) => first + rest);
const memory = fc.constantFrom("1Gi", "1536Mi", "2Gi", "3G", "4Gi");

interface Generated {
    config: StackConfig;
    secrets: Record<string, string>;
}

/** Settings the program must accept: every optional feature and dependency mode in random combinations. */
const validSettings: fc.Arbitrary<Generated> = fc
    .record({
        namespace: label.filter((name) => !name.startsWith("kube-") && name !== "default"),
        workers: fc.integer({ min: 2, max: 5 }),
        memory: fc.record({ manager: memory, worker: memory, receiver: memory, dashboard: memory }),
        volumes: fc.uniqueArray(
            fc.record({
                name: label.filter((name) => !name.startsWith("conf-") && !name.endsWith("-volume-claim")),
                nodes: fc.subarray([...nodeKinds], { minLength: 1 }),
                mounted: fc.boolean(),
                size: fc.constantFrom("1Gi", "500Mi", "10G"),
            }),
            { maxLength: 3, selector: (volume) => volume.name },
        ),
        hostLabels: fc.uniqueArray(label, { minLength: 3, maxLength: 3 }),
        disabledHost: fc.constantFrom(undefined, "manager1", "manager2", "dashboard"),
        tlsSecretName: fc.constantFrom("", "wso2sp-tls"),
        database: fc.oneof(
            fc.constant({ inCluster: true }),
            fc.record({
                inCluster: fc.constant(false),
                host: label.map((name) => `${name}.db.example.com`),
                port: fc.integer({ min: 1, max: 65535 }),
                tls: fc.boolean(),
                username: fc.stringMatching(/^[a-z_][a-z0-9_]{0,15}$/).filter((name) => name !== "root"),
            }),
        ),
        dependencies: fc.constantFrom("in-cluster", "external-zookeeper", "external"),
        imageRegistry: fc.constantFrom("", "docker.example.com/wso2", "registry.example.com:5000/team/sp"),
        subscription: fc.boolean(),
        volumeProtection: fc.constantFrom("retainOnDelete", "protect"),
        adminPassword: fc.option(strongPassword, { nil: undefined }),
        networkPolicies: fc.boolean(),
        clientCidrs: fc.subarray(["10.30.0.0/16", "192.168.7.0/24", "fd00:30::/64"]),
        clientNamespaces: fc.uniqueArray(label, { maxLength: 2 }),
        appEgress: fc.subarray([{ cidrs: ["10.40.0.0/16"], ports: [443] }, { cidrs: ["172.16.0.0/12", "10.50.1.0/24"], ports: [5432, 9200] }]),
        databasePassword: strongPassword,
    })
    .map((drawn) => {
        const hosts = Object.fromEntries(
            ["manager1", "manager2", "dashboard"].map((node, index) => [node, node === drawn.disabledHost ? "" : `${drawn.hostLabels[index]}.example.com`]),
        );
        const inClusterDatabase = drawn.database.inCluster;
        const config: StackConfig = {
            namespace: drawn.namespace,
            workers: drawn.workers,
            memory: drawn.memory,
            nfs: { server: "10.0.0.9", siddhiFilesPath: "/exports/sp/siddhi-files", ...(inClusterDatabase ? { mysqlDataPath: "/exports/sp/mysql" } : {}) },
            additionalVolumes: drawn.volumes.map((volume) => ({
                name: volume.name,
                path: `/exports/sp/volumes/${volume.name}`,
                nodes: volume.nodes,
                size: volume.size,
                ...(volume.mounted ? { mountPath: `/mnt/${volume.name}` } : {}),
            })),
            ingress: { className: "nginx", tlsSecretName: drawn.tlsSecretName, hosts },
            database: drawn.database,
            imageRegistry: drawn.imageRegistry,
            volumeProtection: drawn.volumeProtection,
            ...(drawn.subscription ? { subscriptionUsername: "team@example.com" } : {}),
        };
        if (drawn.dependencies !== "in-cluster") {
            config.zookeeper = { inCluster: false, connect: "zk-1.example.com:2181,zk-2.example.com:2181" };
        }
        if (drawn.dependencies === "external") {
            config.kafka = { inCluster: false, bootstrapServers: "kafka-1.example.com:9092,kafka-2.example.com:9092" };
        }
        // A NetworkPolicy admits addresses: each external dependency's network, only for those outside.
        const externalCidrs = {
            database: inClusterDatabase ? [] : ["10.20.1.0/24"],
            kafka: drawn.dependencies === "external" ? ["10.20.2.0/24"] : [],
            zookeeper: drawn.dependencies === "in-cluster" ? [] : ["10.20.3.0/24"],
        };
        config.networkPolicies = drawn.networkPolicies
            ? { enabled: true, externalCidrs, clients: { cidrs: drawn.clientCidrs, namespaces: drawn.clientNamespaces }, appEgress: drawn.appEgress }
            : { enabled: false };
        const secrets: Record<string, string> = {
            ...(inClusterDatabase ? {} : { databasePassword: drawn.databasePassword }),
            ...(drawn.adminPassword === undefined ? {} : { adminPassword: drawn.adminPassword }),
            ...(drawn.subscription ? { subscriptionPassword: "wso2-account-password" } : {}),
        };
        return { config, secrets };
    });

async function run({ config, secrets }: Generated) {
    return runProgram({ ...structuredClone(config), ...secrets }, { stack: "generated", secretKeys: Object.keys(secrets) });
}

/** One wrong value each, for a setting; the error must name that setting. */
const mutations: fc.Arbitrary<{ setting: string; value: unknown; secret?: boolean }> = fc.oneof(
    fc.record({ setting: fc.constant("workers"), value: fc.integer({ min: -3, max: 1 }) }),
    fc.record({ setting: fc.constant("namespace"), value: fc.constantFrom("default", "kube-tools", "WSO2", "a".repeat(64)) }),
    fc.record({ setting: fc.constantFrom(...nodeKinds.map((kind) => `memory.${kind}`)), value: fc.constantFrom("512Mi", "0Gi", "1073741824", "2000m", "lots") }),
    fc.record({ setting: fc.constant("nfs.server"), value: fc.constantFrom("300.1.1.1", "nfs server", "", "<NFS-Server-IP>") }),
    fc.record({ setting: fc.constant("nfs.siddhiFilesPath"), value: fc.constantFrom("exports/siddhi", "/exports/./siddhi", "/a/../b") }),
    fc.record({ setting: fc.constant("imageTag"), value: fc.constantFrom("latest", "", "4.4.0 ") }),
    fc.record({ setting: fc.constant("imageRegistry"), value: fc.constantFrom("Docker.example.com/WSO2", "docker.example.com//wso2", "docker.example.com/wso2/") }),
    fc.record({ setting: fc.constantFrom("ingress.hosts.manager1", "ingress.hosts.dashboard"), value: fc.constantFrom("UPPER.example.com", "10.1.2.3", "trailing.dot.") }),
    fc.record({ setting: fc.constant("additionalVolumes[0].mountPath"), value: fc.constantFrom("/", "/usr", "/home/wso2carbon", "relative") }),
    fc.record({ setting: fc.constant("subscriptionUsername"), value: fc.constantFrom("a:b", "with space") }),
    fc.record({ setting: fc.constantFrom("adminPassword", "databasePassword"), value: fc.constantFrom("", "short", "abcdef #ghijkl", "123456789012"), secret: fc.constant(true) }),
);

describe("generated settings (fast-check)", () => {
    it("random valid settings give only objects the Kubernetes schema accepts and the policy pack passes", async () => {
        await fc.assert(
            fc.asyncProperty(validSettings, async (settings) => {
                const result = await run(settings);
                const found: string[] = [];
                for (const resource of result.resources.filter((registered) => registered.type.startsWith("kubernetes:"))) {
                    for (const policy of policies) {
                        found.push(...(await violations(policy.name, resource.type, resource.inputs)).map((message) => `${resource.name}: ${policy.name}: ${message}`));
                    }
                }
                assert.deepEqual(found, []);
                // The compiled validators of kubernetes-models (schema.test.ts adds a slower unknown-field check for the committed stacks).
                assert.deepEqual(modelProblems(result.objects), []);
            }),
            // FC_RUNS=50 npx mocha tests/generative.test.ts explores further than the suite has time for.
            { numRuns: Number(process.env.FC_RUNS ?? 3) },
        );
    });

    it("random invalid settings give one error naming the setting, and no registered resource", async () => {
        await fc.assert(
            fc.asyncProperty(validSettings, mutations, async (settings, { setting, value, secret }) => {
                const mutated: Generated = { config: structuredClone(settings.config), secrets: { ...settings.secrets } };
                if (secret) {
                    mutated.secrets[setting] = value as string;
                } else {
                    setPath(mutated.config, setting, value);
                }
                const error = await run(mutated).then(
                    () => undefined,
                    (thrown: Error) => thrown,
                );
                assert.ok(error, `accepted ${setting} = ${JSON.stringify(value)}`);
                assert.match(error.message, /^Invalid stack settings; nothing was deployed:\n/);
                assert.ok(error.message.includes(`wso2-sp:${setting}`), `the error does not name ${setting}:\n${error.message}`);
                assert.deepEqual(registeredBeforeError().filter((resource) => resource.type.startsWith("kubernetes:")), []);
            }),
            { numRuns: Number(process.env.FC_RUNS ?? 12) },
        );
    });
});
