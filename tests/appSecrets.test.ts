/**
 * Secrets for Siddhi apps (issue "Trust and exposure", item 7): keys of a Kubernetes Secret reach
 * the nodes that compile and run apps as environment variables, which `siddhi.refs` entries of
 * deployment.yaml read through carbon-config's `${NAME}`; the value never appears in a manifest.
 */
import { strict as assert } from "assert";
import { appSecretEnvProblems, type SpNodeSpec, spNodeSpecs } from "../config/nodes";
import type { Settings } from "../config/settings";

const appSecrets = { secretName: "sp-app-credentials", variables: { SP_DATA_PASSWORD: "password", API_TOKEN: "api.token" } };
/** The settings spNodeSpecs reads, as a stack with own TLS, host-name verification and two workers sets them. */
const settings = {
    namespace: "wso2",
    tls: { secretName: "wso2sp-keystores", trustedCaBundles: [], hostnameVerification: true },
    appSecrets,
    workers: 2,
    memory: { manager: "4Gi", worker: "2Gi", receiver: "2Gi", dashboard: "1Gi" },
    exposure: { managers: true },
    ingress: { hosts: { manager1: "m1.example.com", manager2: "m2.example.com", dashboard: "d.example.com" } },
} as unknown as Settings;
const endpoints = { database: { host: "db", port: 3306, username: "sp", tls: true }, kafkaBootstrapServers: "kafka:9092", zookeeperConnect: "zk:2181" };

const envOf = (spec: SpNodeSpec) => new Map(spec.env.map((variable) => [variable.name, variable]));

describe("secrets for Siddhi apps", () => {
    const specs = spNodeSpecs(settings, endpoints, "wso2sp-credentials");

    it("managers, workers and the receiver get each mapped key of the Secret as a variable, by reference only; the dashboard none", () => {
        const appNodes = specs.filter((spec) => spec.kind !== "dashboard");
        assert.deepEqual(appNodes.map((spec) => spec.kind).sort(), ["manager", "manager", "receiver", "worker"]);
        for (const spec of appNodes) {
            const env = envOf(spec);
            assert.deepEqual(env.get("SP_DATA_PASSWORD"), { name: "SP_DATA_PASSWORD", valueFrom: { secretKeyRef: { name: "sp-app-credentials", key: "password" } } }, spec.name);
            assert.deepEqual(env.get("API_TOKEN")?.valueFrom, { secretKeyRef: { name: "sp-app-credentials", key: "api.token" } }, spec.name);
            assert.equal(env.get("HOSTNAME_VERIFICATION")?.value, "true", spec.name);
        }
        const dashboard = specs.find((spec) => spec.kind === "dashboard")!;
        assert.ok(!envOf(dashboard).has("SP_DATA_PASSWORD"));
    });

    it("without a mapping the nodes get no variable of it", () => {
        const plain = spNodeSpecs({ ...settings, appSecrets: { secretName: "", variables: {} } }, endpoints, "wso2sp-credentials");
        assert.ok(plain.length > 0);
        assert.ok(plain.every((spec) => !envOf(spec).has("SP_DATA_PASSWORD")));
    });

    it("a variable the program or the image sets itself, or a name ${…} cannot read, is named as a problem; a free name is not", () => {
        assert.deepEqual(appSecretEnvProblems(appSecrets.variables), []);
        const problems = appSecretEnvProblems({ DATABASE_PASSWORD: "password", NODE_PORT: "port", TRUSTED_CAS: "cas", JAVA_HOME: "jdk", "API-TOKEN": "token", OK_NAME: "key" });
        assert.deepEqual(
            problems.map(({ variable }) => variable),
            ["DATABASE_PASSWORD", "NODE_PORT", "TRUSTED_CAS", "JAVA_HOME", "API-TOKEN"],
        );
        assert.match(problems[0].message, /is a variable the program or the image sets itself/);
        assert.match(problems[4].message, /is no variable name \$\{…\} can read/);
    });
});
