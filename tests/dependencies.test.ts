/**
 * The dependencies of SP (MySQL, ZooKeeper, Kafka) in both modes, how SP finds them, how it waits
 * for them, how passwords reach the pods, and the errors for incomplete dependency settings. Each
 * stack is run once per describe (the real program under Pulumi's mock runtime, see harness.ts).
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as net from "node:net";
import { promisify } from "node:util";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { configVolumeRoot } from "../config/image";
import {
    fixtureDir,
    nonEmpty,
    objectNamed,
    objectsOfKind,
    ProgramRun,
    projectDir,
    readStackConfig,
    Registered,
    registeredBeforeError,
    runFixture,
    runProgram,
    setPath,
    sharedFixture,
    StackConfig,
    workloadNamed,
    workloads,
} from "./harness";

type K8sObject = Record<string, any>;

// ---------------------------------------------------------------------------------------------
// Reading the registered objects
// ---------------------------------------------------------------------------------------------

const workloadKinds = ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "Pod"];

/** Every workload with the pod spec it runs. */
function podSpecs(run: ProgramRun): { workload: K8sObject; spec: K8sObject }[] {
    return run.objects
        .filter((object) => workloadKinds.includes(object.kind))
        .map((workload) => {
            const spec =
                workload.kind === "Pod"
                    ? workload.spec
                    : workload.kind === "CronJob"
                      ? workload.spec.jobTemplate.spec.template.spec
                      : workload.spec.template.spec;
            return { workload, spec };
        });
}

/** Every container and initContainer of every workload. */
function allContainers(run: ProgramRun): readonly { workload: K8sObject; spec: K8sObject; container: K8sObject; init: boolean }[] {
    return nonEmpty(podSpecs(run).flatMap(({ workload, spec }) => [
        ...(spec.initContainers ?? []).map((container: K8sObject) => ({ workload, spec, container, init: true })),
        ...(spec.containers ?? []).map((container: K8sObject) => ({ workload, spec, container, init: false })),
    ]), "container");
}

const podSpec = (deployment: K8sObject): K8sObject => deployment.spec.template.spec;

/** Lines of a shell text that sleep outside a `while`/`until` loop: a fixed wait, not a poll. */
function sleepsOutsideLoops(text: string): string[] {
    const loops: string[] = [];
    const found: string[] = [];
    for (const line of text.split("\n").map((item) => item.replace(/#.*$/, "").trim())) {
        const opened = /^(while|until|for)\b/.exec(line)?.[1];
        if (opened) {
            loops.push(opened);
        }
        if (/\bsleep\b/.test(line) && !loops.some((loop) => loop !== "for")) {
            found.push(line);
        }
        if (/^done\b/.test(line)) {
            loops.pop();
        }
    }
    return found;
}

/** The text of every file a command names that a ConfigMap mounted in the container provides. */
function mountedScripts(run: ProgramRun, spec: K8sObject, container: K8sObject, command: string[]): string[] {
    return command.flatMap((argument) =>
        (container.volumeMounts ?? []).flatMap((mount: K8sObject) => {
            const volume = spec.volumes?.find((item: K8sObject) => item.name === mount.name);
            if (!volume?.configMap || !argument.startsWith(`${mount.mountPath}/`)) {
                return [];
            }
            const text = objectNamed(run, "ConfigMap", volume.configMap.name).data?.[argument.slice(mount.mountPath.length + 1)];
            assert.ok(text !== undefined, `${argument} is not in ConfigMap ${volume.configMap.name}`);
            return [text];
        }),
    );
}

/** The one container of a single-container workload. */
function onlyContainer(deployment: K8sObject): K8sObject {
    const containers = podSpec(deployment).containers;
    assert.equal(containers.length, 1, `${deployment.metadata.name} runs ${containers.length} containers`);
    return containers[0];
}

function envVar(container: K8sObject, name: string): K8sObject {
    const found = (container.env ?? []).find((env: K8sObject) => env.name === name);
    assert.ok(found, `container ${container.name} has no env ${name}; it has ${(container.env ?? []).map((env: K8sObject) => env.name).join(", ")}`);
    return found;
}

/** A Secret's value for a key, whether given as stringData or base64 data. */
function secretValue(secret: K8sObject, key: string): string | undefined {
    if (secret.stringData?.[key] !== undefined) {
        return secret.stringData[key];
    }
    return secret.data?.[key] === undefined ? undefined : Buffer.from(secret.data[key], "base64").toString("utf8");
}

/** Every value a Secret holds, decoded. */
function secretValues(secret: K8sObject): string[] {
    const keys = new Set([...Object.keys(secret.stringData ?? {}), ...Object.keys(secret.data ?? {})]);
    return [...keys].map((key) => secretValue(secret, key)!);
}

/** What a container sees in an env var: a literal, or the value of the Secret key it references. */
function envValue(run: ProgramRun, workload: K8sObject, container: K8sObject, name: string): string {
    const env = envVar(container, name);
    if (env.value !== undefined) {
        return env.value;
    }
    const ref = env.valueFrom?.secretKeyRef;
    assert.ok(ref, `env ${name} of ${container.name} is neither a literal nor a secretKeyRef: ${JSON.stringify(env)}`);
    const secret = run.objects.find(
        (object) => object.kind === "Secret" && object.metadata?.name === ref.name && object.metadata?.namespace === workload.metadata.namespace,
    );
    assert.ok(secret, `env ${name} of ${container.name} references Secret ${ref.name}, which the program does not create`);
    const value = secretValue(secret, ref.key);
    assert.ok(value !== undefined, `env ${name} of ${container.name} references key ${ref.key}, which Secret ${ref.name} does not hold`);
    return value;
}

/** The pods a workload runs, with their labels: a StatefulSet's pods also carry their own name. */
function podsOf(workload: K8sObject): { workload: K8sObject; podName?: string; labels: Record<string, string> }[] {
    const labels: Record<string, string> = workload.spec.template.metadata?.labels ?? {};
    if (workload.kind !== "StatefulSet") {
        return [{ workload, labels }];
    }
    return Array.from({ length: workload.spec.replicas ?? 1 }, (_, ordinal) => {
        const podName = `${workload.metadata.name}-${ordinal}`;
        return { workload, podName, labels: { ...labels, "statefulset.kubernetes.io/pod-name": podName } };
    });
}

/** The pods (of Deployments and StatefulSets) a Service routes to. */
function podsBehind(run: ProgramRun, serviceName: string) {
    const service = objectNamed(run, "Service", serviceName);
    const selector: Record<string, string> = service.spec?.selector ?? {};
    assert.ok(Object.keys(selector).length > 0, `Service ${serviceName} selects no pods`);
    return run.objects
        .filter((object) => ["Deployment", "StatefulSet"].includes(object.kind) && object.metadata.namespace === service.metadata.namespace)
        .flatMap(podsOf)
        .filter((pod) => Object.entries(selector).every(([key, value]) => pod.labels[key] === value));
}

/** The one workload behind a Service. */
function workloadBehind(run: ProgramRun, serviceName: string): K8sObject {
    const backing = [...new Set(podsBehind(run, serviceName).map((pod) => pod.workload))];
    assert.equal(backing.length, 1, `Service ${serviceName} routes to ${backing.length} workloads`);
    return backing[0];
}

const execFileAsync = promisify(execFile);

/** The literal env of a container in one pod, with the downward API's pod name filled in. */
function podEnvironment(container: K8sObject, podName: string): Record<string, string> {
    return Object.fromEntries(
        (container.env ?? [])
            .filter((env: K8sObject) => env.value !== undefined || env.valueFrom?.fieldRef?.fieldPath === "metadata.name")
            .map((env: K8sObject) => [env.name, env.value ?? podName]),
    );
}

/**
 * Runs an exec probe against a local server standing in for the one on `port`, which answers
 * whatever it is sent with `answer`: whether the probe passes, and what it asked.
 */
async function probeAgainstFakeServer(command: string[], port: number, answer: string): Promise<{ ready: boolean; asked: string }> {
    let asked = "";
    const server = net.createServer((socket) => {
        socket.once("data", (data) => {
            asked = data.toString();
            socket.end(answer);
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const fakePort = (server.address() as net.AddressInfo).port;
    try {
        const argv = command.map((arg) => arg.replaceAll(`127.0.0.1/${port}`, `127.0.0.1/${fakePort}`));
        const ready = await execFileAsync(argv[0], argv.slice(1), { timeout: 10_000 }).then(
            () => true,
            () => false,
        );
        return { ready, asked };
    } finally {
        server.close();
    }
}

/** How the program registered an object: its Pulumi type, name, inputs and resource options. */
function registered(run: ProgramRun, object: K8sObject): Registered {
    const found = run.resources.find(
        (resource) =>
            resource.type.endsWith(`:${object.kind}`) &&
            resource.inputs.metadata?.name === object.metadata.name &&
            resource.inputs.metadata?.namespace === object.metadata.namespace,
    );
    assert.ok(found, `${object.kind} ${object.metadata.name} was not registered`);
    return found;
}

/** `host:port` of a Service, checking that the Service exposes the port. */
function address(run: ProgramRun, serviceName: string, port: number): string {
    const service = objectNamed(run, "Service", serviceName);
    const ports = (service.spec.ports ?? []).map((servicePort: K8sObject) => servicePort.port);
    assert.ok(ports.includes(port), `Service ${serviceName} exposes ${ports.join(", ")}, not ${port}`);
    return `${service.metadata.name}:${port}`;
}

/** A Service's port, by the port number a container is told to use. */
function assertServiceExposes(run: ProgramRun, serviceName: string, port: string | number): void {
    address(run, serviceName, Number(port));
}

function configMapText(configMap: K8sObject): string {
    return [
        ...Object.entries(configMap.data ?? {}).flatMap(([key, value]) => [key, String(value)]),
        ...Object.entries(configMap.binaryData ?? {}).flatMap(([key, value]) => [key, Buffer.from(String(value), "base64").toString("utf8")]),
    ].join("\n");
}

/** The ConfigMap a container mounts at `mountPath`. */
function configMapMountedAt(run: ProgramRun, deployment: K8sObject, container: K8sObject, mountPath: string): K8sObject {
    const mount = (container.volumeMounts ?? []).find((volumeMount: K8sObject) => volumeMount.mountPath === mountPath);
    assert.ok(mount, `${container.name} mounts nothing at ${mountPath}`);
    const volume = podSpec(deployment).volumes.find((podVolume: K8sObject) => podVolume.name === mount.name);
    assert.ok(volume?.configMap, `${mountPath} of ${container.name} is not a ConfigMap: ${JSON.stringify(volume)}`);
    return objectNamed(run, "ConfigMap", volume.configMap.name);
}

/** The claim a container mounts at `mountPath`. */
function claimMountedAt(deployment: K8sObject, container: K8sObject, mountPath: string): string | undefined {
    const mount = (container.volumeMounts ?? []).find((volumeMount: K8sObject) => volumeMount.mountPath === mountPath);
    assert.ok(mount, `${container.name} mounts nothing at ${mountPath}`);
    return podSpec(deployment).volumes.find((podVolume: K8sObject) => podVolume.name === mount.name)?.persistentVolumeClaim?.claimName;
}

/** Whether an image reference names an explicit tag (not latest) or a digest. */
function isPinned(image: string): boolean {
    if (/@sha256:[a-f0-9]{64}$/.test(image)) {
        return true;
    }
    const lastSegment = image.split("/").pop() ?? "";
    const tag = lastSegment.includes(":") ? lastSegment.slice(lastSegment.indexOf(":") + 1) : "";
    return tag !== "" && tag !== "latest";
}

/** `host:port` addresses an init container names in its command, args or env. */
function addressesNamed(container: K8sObject): string[] {
    const text = [...(container.command ?? []), ...(container.args ?? []), ...(container.env ?? []).map((env: K8sObject) => env.value ?? "")].join(" ");
    return [...new Set(text.match(/[A-Za-z0-9][A-Za-z0-9.-]*:\d{1,5}\b/g) ?? [])].sort();
}

const byText = (a: string[], b: string[]) => a.join(",").localeCompare(b.join(","));

/**
 * A datasource of a node's deployment.yaml, as SP reads it: from the ConfigMap the node mounts over
 * `conf/<profile>/`, each `${NAME}` filled from the container's env (carbon-config; `${sys:…}` left).
 */
function datasourceSeen(run: ProgramRun, deploymentName: string, profile: string, datasource: string): Record<string, string> {
    const deployment = objectNamed(run, "Deployment", deploymentName);
    const container = onlyContainer(deployment);
    const configMap = configMapMountedAt(run, deployment, container, `${configVolumeRoot}/conf/${profile}`);
    const conf = parseYaml(configMap.data["deployment.yaml"]) as { "wso2.datasources": { dataSources: { name: string; definition: { configuration: Record<string, unknown> } }[] } };
    const found = conf["wso2.datasources"].dataSources.find((source) => source.name === datasource);
    assert.ok(found, `${deploymentName} defines no datasource ${datasource}`);
    return Object.fromEntries(
        Object.entries(found.definition.configuration).map(([key, value]) => [
            key,
            String(value).replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => envValue(run, deployment, container, name)),
        ]),
    );
}

/** The dashboard's datasources that hold what users set up in its UIs (docs/dashboard.md). */
const dashboardDatabases = ["WSO2_STATUS_DASHBOARD_DB", "BUSINESS_RULES_DB", "WSO2_PERMISSIONS_DB", "WSO2_DASHBOARD_DB"];

// ---------------------------------------------------------------------------------------------
// Settings the expectations come from
// ---------------------------------------------------------------------------------------------

/** Declared defaults of Pulumi.yaml, by setting name. */
function declaredDefaults(): Record<string, any> {
    const project = parseYaml(fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8")) as { config: Record<string, { default?: unknown }> };
    return Object.fromEntries(Object.entries(project.config).map(([key, declaration]) => [key, declaration.default]));
}

/** An object setting of a stack file with the declared defaults under it. */
function effective(config: StackConfig, key: string): Record<string, any> {
    return { ...(declaredDefaults()[key] as object), ...(config[key] as object) };
}

const spDeployments = (run: ProgramRun) => workloads(run).filter((deployment) => deployment.metadata.name.startsWith("wso2sp-"));
const managerNames = ["wso2sp-manager-1", "wso2sp-manager-2"];
const workerNames = ["wso2sp-worker", "wso2sp-receiver"];
const zookeeperNames = ["zoo1", "zoo2", "zoo3"];
const zookeeperEnsemble = "zookeeper";
/** The pod annotation of Kafka that follows the ensemble (components/kafka.ts). */
const ensembleAnnotation = "wso2sp/zookeeper-ensemble";
const inClusterNames = ["sp-rdbms", zookeeperEnsemble, ...zookeeperNames, "kafka-service"];
/** The MySQL claim is named from its NFS source: `sp-rdbms-volume-claim-<hash>`. */
const mysqlClaimPattern = /^sp-rdbms-volume-claim-[0-9a-f]{8}$/;

/** Where a stack's SP nodes must find their dependencies. */
interface ExpectedEndpoints {
    databaseHost: string;
    databasePort: string;
    databaseUsername: string;
    kafkaBootstrapServers: string;
    zookeeperConnect: string;
}

/** In-cluster endpoints, from the Services the run registered. */
function inClusterEndpoints(run: ProgramRun, username: string): ExpectedEndpoints {
    const database = objectNamed(run, "Service", "sp-rdbms");
    return {
        databaseHost: database.metadata.name,
        databasePort: String(address(run, "sp-rdbms", 3306).split(":")[1]),
        databaseUsername: username,
        kafkaBootstrapServers: address(run, "kafka-service", 9092),
        zookeeperConnect: zookeeperNames.map((name) => address(run, name, 2181)).join(","),
    };
}

/** External endpoints, from the stack file. */
function externalEndpoints(config: StackConfig): ExpectedEndpoints {
    const database = effective(config, "database");
    return {
        databaseHost: database.host,
        databasePort: String(database.port),
        databaseUsername: database.username,
        kafkaBootstrapServers: effective(config, "kafka").bootstrapServers,
        zookeeperConnect: effective(config, "zookeeper").connect,
    };
}

/** Checks shared by both stacks: what SP is told and what it waits for. */
function specifyEndpoints(stack: () => { run: ProgramRun; expected: ExpectedEndpoints }): void {
    it("tells both managers the database, Kafka and ZooKeeper endpoints", () => {
        const { run, expected } = stack();
        for (const name of managerNames) {
            const manager = workloadNamed(run, name);
            const container = onlyContainer(manager);
            const seen = (env: string) => envValue(run, manager, container, env);
            assert.equal(seen("DATABASE_HOST"), expected.databaseHost, `${name} DATABASE_HOST`);
            assert.equal(seen("DATABASE_PORT"), expected.databasePort, `${name} DATABASE_PORT`);
            assert.equal(seen("DATABASE_USERNAME"), expected.databaseUsername, `${name} DATABASE_USERNAME`);
            assert.equal(seen("KAFKA_BOOTSTRAP_SERVERS"), expected.kafkaBootstrapServers, `${name} KAFKA_BOOTSTRAP_SERVERS`);
            assert.equal(seen("ZOOKEEPER_CONNECT"), expected.zookeeperConnect, `${name} ZOOKEEPER_CONNECT`);
        }
    });

    it("tells the workers and the receiver the database and both managers' Service names and HTTPS ports", () => {
        const { run, expected } = stack();
        for (const name of workerNames) {
            const worker = workloadNamed(run, name);
            const container = onlyContainer(worker);
            const seen = (env: string) => envValue(run, worker, container, env);
            assert.equal(seen("DATABASE_HOST"), expected.databaseHost, `${name} DATABASE_HOST`);
            assert.equal(seen("DATABASE_PORT"), expected.databasePort, `${name} DATABASE_PORT`);
            assert.equal(seen("DATABASE_USERNAME"), expected.databaseUsername, `${name} DATABASE_USERNAME`);
            managerNames.forEach((managerName, index) => {
                const manager = workloadNamed(run, managerName);
                // The port the manager serves HTTPS on is the one its Service must expose to workers.
                const managerPort = envValue(run, manager, onlyContainer(manager), "NODE_PORT");
                assertServiceExposes(run, managerName, managerPort);
                assert.equal(workloadBehind(run, managerName), manager, `Service ${managerName} does not route to the ${managerName} pods`);
                assert.equal(seen(`MANAGER_${index + 1}_HOST`), objectNamed(run, "Service", managerName).metadata.name, `${name} MANAGER_${index + 1}_HOST`);
                assert.equal(seen(`MANAGER_${index + 1}_PORT`), managerPort, `${name} MANAGER_${index + 1}_PORT`);
            });
        }
    });

    it("makes managers wait in init containers for the database, ZooKeeper and Kafka at those addresses", () => {
        const { run, expected } = stack();
        const groups = [
            [`${expected.databaseHost}:${expected.databasePort}`],
            expected.zookeeperConnect.split(",").sort(),
            expected.kafkaBootstrapServers.split(",").sort(),
        ].sort(byText);
        for (const name of managerNames) {
            const initContainers = podSpec(workloadNamed(run, name)).initContainers ?? [];
            assert.deepEqual(initContainers.map(addressesNamed).sort(byText), groups, `init containers of ${name}`);
        }
    });

    it("makes workers and the receiver wait in init containers for the database and a manager at those addresses", () => {
        const { run, expected } = stack();
        const managerAddresses = managerNames.map((managerName) => {
            const manager = workloadNamed(run, managerName);
            return address(run, managerName, Number(envValue(run, manager, onlyContainer(manager), "NODE_PORT")));
        });
        const groups = [[`${expected.databaseHost}:${expected.databasePort}`], managerAddresses.sort()].sort(byText);
        for (const name of workerNames) {
            const initContainers = podSpec(workloadNamed(run, name)).initContainers ?? [];
            assert.deepEqual(initContainers.map(addressesNamed).sort(byText), groups, `init containers of ${name}`);
        }
    });

    it("points the dashboard's status, business rules, permissions and portal datasources at MySQL databases of their names, as the managers reach SP_MGT_DB", () => {
        const { run, expected } = stack();
        const management = datasourceSeen(run, managerNames[0], "manager", "SP_MGT_DB");
        assert.ok(management.jdbcUrl.startsWith(`jdbc:mysql://${expected.databaseHost}:${expected.databasePort}/SP_MGT_DB?`), management.jdbcUrl);
        for (const name of dashboardDatabases) {
            const seen = datasourceSeen(run, "wso2sp-dashboard", "dashboard", name);
            assert.equal(seen.jdbcUrl, management.jdbcUrl.replace("/SP_MGT_DB?", `/${name}?`), name);
            assert.equal(seen.username, expected.databaseUsername, name);
            assert.equal(seen.password, management.password, name);
            assert.equal(seen.driverClassName, management.driverClassName, name);
        }
    });

    it("makes the dashboard wait in an init container for the database at that address", () => {
        const { run, expected } = stack();
        const initContainers = podSpec(objectNamed(run, "Deployment", "wso2sp-dashboard")).initContainers ?? [];
        assert.deepEqual(initContainers.map(addressesNamed), [[`${expected.databaseHost}:${expected.databasePort}`]]);
        assert.equal(initContainers[0].name, "wait-for-database");
    });

    it("starts without fixed sleeps: commands, hooks and the scripts they run sleep only between checks of a condition", () => {
        const { run } = stack();
        for (const { workload, spec, container } of allContainers(run)) {
            const commands = [[...(container.command ?? []), ...(container.args ?? [])], container.lifecycle?.preStop?.exec?.command ?? []];
            for (const command of commands) {
                assert.deepEqual(sleepsOutsideLoops([command.join(" "), ...mountedScripts(run, spec, container, command)].join("\n")), [], `${workload.metadata.name}/${container.name}`);
            }
        }
    });

    it("gives every SP container a readiness and a startup probe", () => {
        const { run } = stack();
        const deployments = spDeployments(run);
        assert.ok(deployments.length >= 5, `only ${deployments.length} SP Deployments`);
        for (const deployment of deployments) {
            for (const container of podSpec(deployment).containers) {
                assert.ok(container.readinessProbe, `${deployment.metadata.name}/${container.name} has no readinessProbe`);
                assert.ok(container.startupProbe, `${deployment.metadata.name}/${container.name} has no startupProbe`);
            }
        }
    });

    it("bounds the memory of every init container", () => {
        const { run } = stack();
        const inits = allContainers(run).filter(({ init }) => init);
        assert.ok(inits.length > 0, "no init containers at all");
        for (const { workload, container } of inits) {
            assert.ok(container.resources?.limits?.memory, `init container ${workload.metadata.name}/${container.name} has no memory limit`);
        }
    });

    it("pins every image to an explicit tag other than latest", () => {
        const { run } = stack();
        for (const { workload, container } of allContainers(run)) {
            assert.ok(isPinned(container.image), `${workload.metadata.name}/${container.name} runs unpinned image ${container.image}`);
        }
    });
}

// ---------------------------------------------------------------------------------------------
// Passwords
// ---------------------------------------------------------------------------------------------

/** The password values of a run, with the base64 form SP's user store keeps of each. */
function withEncodings(passwords: string[]): string[] {
    return passwords.flatMap((password) => [password, Buffer.from(password).toString("base64")]);
}

/** Checks that hold for every run, whatever the passwords are. */
function specifyPasswordHandling(stack: () => { run: ProgramRun; passwords: string[]; adminPassword: string; passwordOutputsAreSecret: boolean }): void {
    it("hands containers passwords only through secretKeyRef to a key the program's Secret holds", () => {
        const { run } = stack();
        const credentialsEnv = allContainers(run).flatMap(({ workload, container }) =>
            (container.env ?? []).filter((env: K8sObject) => /PASSWORD|SECRET/i.test(env.name)).map((env: K8sObject) => ({ workload, container, env })),
        );
        assert.ok(credentialsEnv.length > 0, "no password env var at all");
        for (const { workload, container, env } of credentialsEnv) {
            assert.ok(env.valueFrom?.secretKeyRef, `${workload.metadata.name}/${container.name} env ${env.name} is not a secretKeyRef`);
            assert.equal(env.value, undefined, `${workload.metadata.name}/${container.name} env ${env.name} also has a literal`);
            envValue(run, workload, container, env.name); // the referenced Secret and key exist
        }
    });

    it("puts no password into a ConfigMap (data, keys or decoded binaryData) or an env literal", () => {
        const { run, passwords } = stack();
        const configMaps = objectsOfKind(run, "ConfigMap");
        assert.ok(configMaps.length > 0);
        for (const configMap of configMaps) {
            const text = configMapText(configMap);
            for (const password of passwords) {
                assert.ok(!text.includes(password), `ConfigMap ${configMap.metadata.name} contains a password of this run`);
            }
        }
        for (const { workload, container } of allContainers(run)) {
            for (const env of container.env ?? []) {
                for (const password of passwords) {
                    assert.ok(!(env.value ?? "").includes(password), `${workload.metadata.name}/${container.name} env ${env.name} holds a password literally`);
                }
            }
            const argv = [...(container.command ?? []), ...(container.args ?? [])].join(" ");
            for (const password of passwords) {
                assert.ok(!argv.includes(password), `${workload.metadata.name}/${container.name} has a password in its command line`);
            }
        }
    });

    it("keeps passwords out of every object but Secrets", () => {
        const { run, passwords } = stack();
        for (const object of run.objects.filter((candidate) => candidate.kind !== "Secret")) {
            const text = JSON.stringify(object);
            for (const password of passwords) {
                assert.ok(!text.includes(password), `${object.kind} ${object.metadata?.name} contains a password of this run`);
            }
        }
    });

    it("shows passwords only in the secret outputs adminPassword, databasePassword and mysqlRootPassword", () => {
        const { run, passwords, adminPassword, passwordOutputsAreSecret } = stack();
        const passwordOutputs = ["adminPassword", "databasePassword", "mysqlRootPassword"];
        const shown = run.outputs.adminPassword;
        const text = JSON.stringify(Object.entries(run.outputs).filter(([name]) => !passwordOutputs.includes(name)));
        for (const password of passwords) {
            assert.ok(!text.includes(password), "a stack output other than the password outputs shows a password");
        }
        assert.equal(shown, adminPassword, "adminPassword output is not the SP admin password");
        assert.ok(passwordOutputsAreSecret, "a password output is not marked secret");
    });
}

/** Whether every password output the run exports is a secret. */
function passwordOutputsSecret(run: ProgramRun): boolean {
    const exported = ["adminPassword", "databasePassword", "mysqlRootPassword"].filter((name) => name in run.outputs);
    return exported.length > 0 && exported.every((name) => run.secretOutputs.includes(name));
}

/** The MySQL pod's init container that applies users, passwords, databases and grants at every start. */
function mysqlAdminStep(mysql: K8sObject): K8sObject {
    const found = (podSpec(mysql).initContainers ?? []).find((container: K8sObject) => container.name === "init-file");
    assert.ok(found, `${mysql.metadata.name} has no init container init-file`);
    return found;
}

/** The SQL of the MySQL start that names no secret: databases and grants. */
function mysqlAdminSql(run: ProgramRun, mysql: K8sObject): string {
    return configMapText(configMapMountedAt(run, mysql, mysqlAdminStep(mysql), "/opt/wso2sp-mysql"));
}

/** The password the MySQL start gives the root account and the application user, and the SP ones. */
function passwordsSeen(run: ProgramRun) {
    const mysql = run.objects.some((object) => object.kind === "Service" && object.metadata.name === "sp-rdbms") ? workloadBehind(run, "sp-rdbms") : undefined;
    const mysqlContainer = mysql ? mysqlAdminStep(mysql) : undefined;
    const sp = spDeployments(run).map((deployment) => ({ deployment, container: onlyContainer(deployment) }));
    const spWithDatabase = sp.filter(({ container }) => (container.env ?? []).some((env: K8sObject) => env.name === "DATABASE_PASSWORD"));
    return {
        mysqlRoot: mysql ? envValue(run, mysql, mysqlContainer!, "ROOT_PASSWORD") : undefined,
        mysqlUser: mysql ? envValue(run, mysql, mysqlContainer!, "APP_PASSWORD") : undefined,
        spDatabase: [...new Set(spWithDatabase.map(({ deployment, container }) => envValue(run, deployment, container, "DATABASE_PASSWORD")))],
        spDatabaseNodes: spWithDatabase.map(({ deployment }) => deployment.metadata.name).sort(),
        spAdmin: [...new Set(sp.map(({ deployment, container }) => envValue(run, deployment, container, "ADMIN_PASSWORD")))],
    };
}

// ---------------------------------------------------------------------------------------------
// The specification
// ---------------------------------------------------------------------------------------------

describe("dependencies: in the cluster (fixture stack in-cluster)", () => {
    let run: ProgramRun;
    let config: StackConfig;
    let passwordOutputsAreSecret: boolean;

    before(async () => {
        run = await sharedFixture("in-cluster");
        passwordOutputsAreSecret = passwordOutputsSecret(run);
        config = readStackConfig("in-cluster", fixtureDir).config;
    });

    it("needs no secret settings and yields MySQL, ZooKeeper and Kafka", () => {
        assert.deepEqual(readStackConfig("in-cluster", fixtureDir).secretKeys, [], "the stack holds secure values");
        for (const name of inClusterNames) {
            workloadBehind(run, name);
        }
    });

    it("routes each dependency Service to exactly one workload whose container listens on the Service's ports", () => {
        for (const name of inClusterNames) {
            const service = objectNamed(run, "Service", name);
            const deployment = workloadBehind(run, name);
            const containerPorts = podSpec(deployment).containers.flatMap((container: K8sObject) => (container.ports ?? []).map((port: K8sObject) => port.containerPort));
            for (const port of service.spec.ports) {
                const target = port.targetPort ?? port.port;
                assert.ok(containerPorts.includes(target), `Service ${name} forwards ${port.port} to ${target}, which ${deployment.metadata.name} does not open`);
            }
        }
    });

    describe("MySQL", () => {
        it("serves sp-rdbms:3306 from the pinned image of database.image", () => {
            address(run, "sp-rdbms", 3306);
            const container = onlyContainer(workloadBehind(run, "sp-rdbms"));
            assert.equal(container.image, effective(config, "database").image);
            assert.ok(isPinned(container.image), `${container.image} has no explicit tag`);
            assert.ok((container.ports ?? []).some((port: K8sObject) => port.containerPort === 3306));
        });

        it("runs as uid 999, never root, and allows 10000 connections", () => {
            const deployment = workloadBehind(run, "sp-rdbms");
            const container = onlyContainer(deployment);
            const pod = podSpec(deployment).securityContext ?? {};
            const own = container.securityContext ?? {};
            assert.equal(own.runAsUser ?? pod.runAsUser, 999);
            assert.equal(own.runAsNonRoot ?? pod.runAsNonRoot, true);
            const argv = [...(container.command ?? []), ...(container.args ?? [])].join(" ");
            assert.match(argv, /--max[-_]connections(=| )10000\b/);
        });

        it("keeps its data on claim sp-rdbms-volume-claim-<hash>, bound to a Retain NFS volume on nfs.mysqlDataPath that pulumi destroy leaves alone", () => {
            const deployment = workloadBehind(run, "sp-rdbms");
            const mysqlClaim = claimMountedAt(deployment, onlyContainer(deployment), "/var/lib/mysql")!;
            assert.match(mysqlClaim, mysqlClaimPattern);
            const claim = objectNamed(run, "PersistentVolumeClaim", mysqlClaim);
            assert.equal(claim.metadata.namespace, deployment.metadata.namespace);
            const volume = objectNamed(run, "PersistentVolume", claim.spec.volumeName);
            const nfs = effective(config, "nfs");
            assert.deepEqual(volume.spec.nfs, { server: nfs.server, path: nfs.mysqlDataPath });
            assert.equal(volume.spec.persistentVolumeReclaimPolicy, "Retain");
            assert.deepEqual(
                { namespace: volume.spec.claimRef?.namespace, name: volume.spec.claimRef?.name },
                { namespace: claim.metadata.namespace, name: mysqlClaim },
                "the volume is not reserved for the MySQL claim",
            );
            for (const [type, name] of [
                ["kubernetes:core/v1:PersistentVolume", volume.metadata.name],
                ["kubernetes:core/v1:PersistentVolumeClaim", mysqlClaim],
            ]) {
                const registered = run.resources.find((resource) => resource.type === type && resource.inputs.metadata?.name === name);
                assert.ok(registered, `${type} ${name} not registered`);
                const { retainOnDelete, protect } = registered.options as { retainOnDelete?: boolean; protect?: boolean };
                assert.ok(retainOnDelete === true || protect === true, `${type} ${name} is deleted by pulumi destroy`);
            }
        });

        it("creates SP_MGT_DB and SP_WORKER_STATE_DB at every start and grants the application user (database.username, not root) on both", () => {
            const deployment = workloadBehind(run, "sp-rdbms");
            const sql = mysqlAdminSql(run, deployment);
            const username = effective(config, "database").username;
            assert.notEqual(username, "root");
            assert.equal(envValue(run, deployment, mysqlAdminStep(deployment), "APP_USER"), username);
            for (const database of ["SP_MGT_DB", "SP_WORKER_STATE_DB"]) {
                assert.match(sql, new RegExp(`CREATE DATABASE (IF NOT EXISTS )?\`?${database}\`?`, "i"), `init SQL does not create ${database}`);
                assert.match(
                    sql,
                    new RegExp(`GRANT [^;]+ ON \`?${database}\`?\\.\\* TO '?${username}'?`, "i"),
                    `init SQL does not grant ${username} on ${database}`,
                );
            }
            const databaseGrantees = [...sql.matchAll(/GRANT [^;]+ ON `?\w+`?\.\* TO '?(\w+)'?/gi)].map((match) => match[1]);
            assert.deepEqual([...new Set(databaseGrantees)], [username], "SP's databases are granted to another user than database.username");
        });

        it("creates the dashboard's four databases at every start, so a running stack gets them on its next start, and grants what their components do there", () => {
            const deployment = workloadBehind(run, "sp-rdbms");
            const sql = mysqlAdminSql(run, deployment);
            const username = effective(config, "database").username;
            const granted = (database: string) => {
                assert.match(sql, new RegExp(`^CREATE DATABASE IF NOT EXISTS \`${database}\`;$`, "m"), `init SQL does not create ${database}`);
                const grant = sql.match(new RegExp(`^GRANT ([^;]+) ON \`${database}\`\\.\\* TO '${username}'@'%';$`, "m"));
                assert.ok(grant, `init SQL does not grant ${username} on ${database}`);
                return grant[1].split(", ");
            };
            for (const database of dashboardDatabases) {
                assert.deepEqual(granted(database).filter((privilege) => privilege !== "REFERENCES").sort(), ["CREATE", "DELETE", "INSERT", "SELECT", "UPDATE"], database);
            }
            // WORKERS_DETAILS has a foreign key to WORKERS_CONFIGURATION.
            assert.ok(granted("WSO2_STATUS_DASHBOARD_DB").includes("REFERENCES"));
        });

        it("creates the application user with the password SP connects with, and gives root a different one", () => {
            const seen = passwordsSeen(run);
            assert.deepEqual(seen.spDatabaseNodes, [...managerNames, ...workerNames, "wso2sp-dashboard"].sort(), "SP nodes that connect to the database");
            assert.deepEqual(seen.spDatabase, [seen.mysqlUser]);
            assert.notEqual(seen.mysqlRoot, seen.mysqlUser);
        });

        it("runs mysqld as a StatefulSet of one pod on the bound NFS claim: a drain or an update starts the next sp-rdbms-0 only once the previous one is gone", () => {
            const mysql = workloadBehind(run, "sp-rdbms");
            assert.equal(mysql.kind, "StatefulSet", "a Deployment starts the replacement pod while the evicted one still stops");
            assert.equal(mysql.spec.replicas, 1);
            assert.equal(mysql.spec.podManagementPolicy ?? "OrderedReady", "OrderedReady");
            assert.equal(mysql.spec.updateStrategy?.type ?? "RollingUpdate", "RollingUpdate");
            assert.equal(mysql.spec.volumeClaimTemplates, undefined, "the data claim must stay the one bound to the NFS volume");
            assert.match(claimMountedAt(mysql, onlyContainer(mysql), "/var/lib/mysql")!, mysqlClaimPattern);
            assert.ok(podSpec(mysql).terminationGracePeriodSeconds >= 60, "mysqld gets no time to flush InnoDB on stop");
        });

        it("when Pulumi replaces it (another namespace, or the Deployment it was), deletes the old one first and waits until its pod is gone", () => {
            const mysql = workloadBehind(run, "sp-rdbms");
            const options = registered(run, mysql).options as pulumi.CustomResourceOptions;
            assert.equal(options.deleteBeforeReplace, true, "a replacement in another namespace would start before the old server stops");
            // pulumi-kubernetes deletes with this propagation (default foreground) and then waits for
            // the object to be gone; in the foreground, that is after its pods (await.go, Deletion).
            const propagation = mysql.metadata.annotations?.["pulumi.com/deletionPropagationPolicy"] ?? "foreground";
            assert.equal(propagation, "foreground");
            assert.ok(
                (options.aliases ?? []).some((alias) => typeof alias === "object" && (alias as { type?: string }).type === "kubernetes:apps/v1:Deployment"),
                "the Deployment of earlier versions would run next to the StatefulSet until the end of the update",
            );
        });

        it("keeps its pod's security, memory bound and probes", () => {
            const mysql = workloadBehind(run, "sp-rdbms");
            const container = onlyContainer(mysql);
            assert.equal(podSpec(mysql).automountServiceAccountToken, false);
            assert.equal(container.securityContext.allowPrivilegeEscalation, false);
            assert.equal(container.resources.limits.memory, container.resources.requests.memory);
            assert.ok(container.startupProbe && container.livenessProbe && container.readinessProbe);
        });
    });

    describe("ZooKeeper", () => {
        it("has Services zoo1..zoo3 with client 2181, follower 2888 and election 3888 ports", () => {
            for (const name of zookeeperNames) {
                for (const port of [2181, 2888, 3888]) {
                    address(run, name, port);
                }
            }
        });

        it("runs the servers as one StatefulSet: Service zoo<i> routes to exactly its pod <ensemble>-<i-1>, every server knows all three names", () => {
            const ensemble = objectNamed(run, "StatefulSet", zookeeperEnsemble);
            assert.equal(ensemble.spec.replicas, 3);
            zookeeperNames.forEach((name, index) => {
                const pods = podsBehind(run, name);
                assert.deepEqual(
                    pods.map((pod) => pod.podName),
                    [`${zookeeperEnsemble}-${index}`],
                    `Service ${name} routes to ${JSON.stringify(pods.map((pod) => pod.podName))}`,
                );
                const servers = envValue(run, ensemble, onlyContainer(ensemble), "ZOO_SERVERS");
                assert.match(servers, new RegExp(`(^|\\s)server\\.${index + 1}=${name}:2888:3888(;|\\s|$)`), `the servers do not know ${name} as server ${index + 1}`);
            });
            assert.deepEqual(
                podsBehind(run, zookeeperEnsemble).map((pod) => pod.podName),
                [0, 1, 2].map((ordinal) => `${zookeeperEnsemble}-${ordinal}`),
            );
            assert.equal(ensemble.spec.serviceName, objectNamed(run, "Service", zookeeperEnsemble).metadata.name);
            assert.equal(objectNamed(run, "Service", zookeeperEnsemble).spec.clusterIP, "None", "pods get no DNS names of their own");
        });

        it("gives the pod behind zoo<i> server id i: the container's own start command, run with that pod's name, exports ZOO_MY_ID=i", async () => {
            const ensemble = objectNamed(run, "StatefulSet", zookeeperEnsemble);
            const container = onlyContainer(ensemble);
            // The command hands over to the image's entrypoint and command (docker-library zookeeper).
            assert.deepEqual(container.args, ["/docker-entrypoint.sh", "zkServer.sh", "start-foreground"]);
            for (const [index, name] of zookeeperNames.entries()) {
                const [pod] = podsBehind(run, name);
                const env = podEnvironment(container, pod.podName!);
                const { stdout } = await execFileAsync(container.command[0], [...container.command.slice(1), "printenv", "ZOO_MY_ID"], { env: { PATH: process.env.PATH, ...env } });
                assert.equal(stdout.trim(), String(index + 1), `server id of ${pod.podName} (behind ${name})`);
            }
        });

        it("binds the quorum ports on every address, not on the server's own Service name, which resolves only once its pod exists", () => {
            const ensemble = objectNamed(run, "StatefulSet", zookeeperEnsemble);
            // docker-entrypoint.sh appends each word of ZOO_CFG_EXTRA to zoo.cfg.
            const extra = envValue(run, ensemble, onlyContainer(ensemble), "ZOO_CFG_EXTRA").split(/\s+/);
            assert.ok(extra.includes("quorumListenOnAllIPs=true"), `ZOO_CFG_EXTRA is ${extra.join(" ")}`);
            for (const name of [zookeeperEnsemble, ...zookeeperNames]) {
                const service = objectNamed(run, "Service", name);
                assert.equal(service.spec.publishNotReadyAddresses, true, `Service ${name} resolves only to ready servers`);
            }
        });

        it("starts the three servers together and rolls an update one server at a time (no partition, no parallel update)", () => {
            const { spec } = objectNamed(run, "StatefulSet", zookeeperEnsemble);
            // Parallel only affects start and scaling: a server is ready only once a quorum is.
            assert.equal(spec.podManagementPolicy, "Parallel");
            assert.equal(spec.updateStrategy?.type ?? "RollingUpdate", "RollingUpdate");
            assert.equal(spec.updateStrategy?.rollingUpdate?.partition ?? 0, 0);
            assert.equal(spec.updateStrategy?.rollingUpdate?.maxUnavailable ?? 1, 1);
        });

        it("counts a server ready only while it serves in a quorum (the readiness command asks srvr and needs a Mode), so a rollout waits for each one's sync", async () => {
            const ensemble = objectNamed(run, "StatefulSet", zookeeperEnsemble);
            const container = onlyContainer(ensemble);
            const whitelist = envValue(run, ensemble, container, "ZOO_4LW_COMMANDS_WHITELIST").split(/[\s,]+/);
            assert.ok(whitelist.includes("srvr") || whitelist.includes("*"), "the server refuses the srvr command");
            const probe: string[] = container.readinessProbe?.exec?.command;
            assert.ok(probe, "the readiness probe runs no command");
            const follower = await probeAgainstFakeServer(probe, 2181, "Zookeeper version: 3.8.4\nLatency min/avg/max: 0/0.0/0\nMode: follower\nNode count: 5\n");
            assert.deepEqual(follower, { ready: true, asked: "srvr" });
            const outsideQuorum = await probeAgainstFakeServer(probe, 2181, "This ZooKeeper instance is not currently serving requests\n");
            assert.deepEqual(outsideQuorum, { ready: false, asked: "srvr" });
            assert.ok(container.livenessProbe?.tcpSocket, "liveness should only ask whether the server is up");
        });

        it("lets a drain take one server at a time (PodDisruptionBudget over the ensemble's pods) and spreads the servers over nodes where it can", () => {
            const ensemble = objectNamed(run, "StatefulSet", zookeeperEnsemble);
            const budgets = objectsOfKind(run, "PodDisruptionBudget").filter(
                (budget) =>
                    budget.metadata.namespace === ensemble.metadata.namespace &&
                    Object.entries<string>(budget.spec.selector.matchLabels).every(([key, value]) => ensemble.spec.template.metadata.labels[key] === value),
            );
            assert.equal(budgets.length, 1);
            const { maxUnavailable, minAvailable } = budgets[0].spec;
            assert.ok(maxUnavailable === 1 || minAvailable === 2, JSON.stringify(budgets[0].spec));
            const spread = podSpec(ensemble).affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
            assert.ok(
                spread.some((term: K8sObject) => term.podAffinityTerm.topologyKey === "kubernetes.io/hostname"),
                "the servers may all land on one node",
            );
        });

        it("keeps its pods' security, memory bound and probes", () => {
            const ensemble = objectNamed(run, "StatefulSet", zookeeperEnsemble);
            const container = onlyContainer(ensemble);
            assert.equal(podSpec(ensemble).securityContext.runAsNonRoot, true);
            assert.equal(container.securityContext.allowPrivilegeEscalation, false);
            assert.equal(container.resources.limits.memory, container.resources.requests.memory);
            assert.ok(container.startupProbe && container.livenessProbe && container.readinessProbe);
        });
    });

    describe("Kafka", () => {
        it("advertises kafka-service:9092 and registers with zoo1:2181,zoo2:2181,zoo3:2181", () => {
            const deployment = workloadBehind(run, "kafka-service");
            const container = onlyContainer(deployment);
            const bootstrap = address(run, "kafka-service", 9092);
            const advertised = (container.env ?? []).filter((env: K8sObject) => /ADVERTISED/.test(env.name)).map((env: K8sObject) => env.value ?? "");
            assert.ok(
                advertised.some((value: string) => value.includes(`//${bootstrap}`) || value === objectNamed(run, "Service", "kafka-service").metadata.name),
                `Kafka advertises ${JSON.stringify(advertised)}, not ${bootstrap}`,
            );
            const zookeeper = zookeeperNames.map((name) => address(run, name, 2181)).join(",");
            assert.equal(envValue(run, deployment, container, "KAFKA_ZOOKEEPER_CONNECT"), zookeeper);
        });

        it("runs one broker as a StatefulSet (never two pods of broker id 1), replacing the Deployment it was", () => {
            const kafka = workloadBehind(run, "kafka-service");
            assert.equal(kafka.kind, "StatefulSet");
            assert.equal(kafka.spec.replicas, 1);
            const { options } = registered(run, kafka);
            assert.ok((options.aliases ?? []).some((alias) => typeof alias === "object" && (alias as { type?: string }).type === "kubernetes:apps/v1:Deployment"));
        });

        it("carries the ensemble's identity in its pod template and is updated only once the ensemble is, so a new ensemble gets a broker with a fresh data dir", async () => {
            const kafka = workloadBehind(run, "kafka-service");
            assert.ok(kafka.spec.template.metadata.annotations?.[ensembleAnnotation], "the broker's pod does not follow the ensemble");
            assert.ok(
                podSpec(kafka).volumes.some((volume: K8sObject) => volume.emptyDir) && !podSpec(kafka).volumes.some((volume: K8sObject) => volume.persistentVolumeClaim),
                "the broker's data dir outlives its pod",
            );
            const component = run.resources.find((resource) => resource.type === "wso2sp:deps:Kafka");
            const dependsOn = [component?.options.dependsOn ?? []].flat() as pulumi.Resource[];
            const urns = await Promise.all(dependsOn.map((resource) => (resource.urn as unknown as { promise(): Promise<string> }).promise()));
            assert.ok(
                urns.some((urn) => urn.includes("wso2sp:deps:ZooKeeperEnsemble")),
                `Kafka depends on ${JSON.stringify(urns)}, not on the ensemble`,
            );
        });
    });

    describe("SP", () => {
        specifyEndpoints(() => ({ run, expected: inClusterEndpoints(run, effective(config, "database").username) }));
    });

    describe("generated passwords (no password settings)", () => {
        it("generates the MySQL root, application user and SP admin passwords, distinct, into Secret wso2sp-credentials", () => {
            const generated = new Set(
                run.resources.filter((resource) => resource.type === "random:index/randomPassword:RandomPassword").map((resource) => `generated-${resource.name}`),
            );
            const seen = passwordsSeen(run);
            const roles = { "MySQL root": seen.mysqlRoot!, "application user": seen.mysqlUser!, "SP admin": seen.spAdmin[0] };
            assert.equal(seen.spAdmin.length, 1, "SP nodes disagree on the admin password");
            for (const [role, value] of Object.entries(roles)) {
                assert.ok(generated.has(value), `the ${role} password ${value} is not a generated one`);
            }
            assert.equal(new Set(Object.values(roles)).size, 3, "two roles share a password");
            const credentials = secretValues(objectNamed(run, "Secret", "wso2sp-credentials"));
            for (const value of Object.values(roles)) {
                assert.ok(credentials.includes(value), "Secret wso2sp-credentials does not carry a generated password");
            }
        });

        specifyPasswordHandling(() => {
            const generated = run.resources
                .filter((resource) => resource.type === "random:index/randomPassword:RandomPassword")
                .map((resource) => `generated-${resource.name}`);
            return { run, passwords: withEncodings(generated), adminPassword: passwordsSeen(run).spAdmin[0], passwordOutputsAreSecret };
        });
    });
});

describe("dependencies: password settings (Pulumi.dev.yaml with secrets set)", () => {
    const secrets = { databasePassword: "db-s3cr3t-from-stack", mysqlRootPassword: "root-s3cr3t-from-stack", adminPassword: "admin-s3cr3t-from-stack" };
    let run: ProgramRun;
    let passwordOutputsAreSecret: boolean;

    before(async () => {
        run = await runFixture("in-cluster", undefined, secrets);
        passwordOutputsAreSecret = passwordOutputsSecret(run);
    });

    it("uses each password setting for its role and carries it in Secret wso2sp-credentials", () => {
        const credentials = secretValues(objectNamed(run, "Secret", "wso2sp-credentials"));
        for (const value of Object.values(secrets)) {
            assert.ok(credentials.includes(value), `Secret wso2sp-credentials does not carry ${value}`);
        }
        const seen = passwordsSeen(run);
        assert.equal(seen.mysqlRoot, secrets.mysqlRootPassword);
        assert.equal(seen.mysqlUser, secrets.databasePassword);
        assert.deepEqual(seen.spDatabase, [secrets.databasePassword]);
        assert.deepEqual(seen.spAdmin, [secrets.adminPassword]);
    });

    specifyPasswordHandling(() => ({ run, passwords: withEncodings(Object.values(secrets)), adminPassword: secrets.adminPassword, passwordOutputsAreSecret }));
});

describe("dependencies: external (Pulumi.prod.yaml)", () => {
    const secrets = { databasePassword: "prod-db-s3cr3t", adminPassword: "prod-admin-s3cr3t", subscriptionPassword: "prod-registry-s3cr3t" };
    let run: ProgramRun;
    let config: StackConfig;
    let passwordOutputsAreSecret: boolean;

    before(async () => {
        run = await runFixture("external", undefined, secrets);
        passwordOutputsAreSecret = passwordOutputsSecret(run);
        config = readStackConfig("external", fixtureDir).config;
    });

    it("runs no in-cluster MySQL, ZooKeeper or Kafka: no such objects, no MySQL volume, no MySQL root password", () => {
        for (const object of run.objects) {
            assert.ok(!inClusterNames.includes(object.metadata?.name), `prod registers ${object.kind} ${object.metadata?.name}`);
        }
        for (const kind of ["Deployment", "StatefulSet", "Service"]) {
            for (const object of objectsOfKind(run, kind)) {
                assert.match(object.metadata.name, /^wso2sp-/, `prod runs ${kind} ${object.metadata.name}, which is not an SP node`);
            }
        }
        assert.ok(!objectsOfKind(run, "PersistentVolumeClaim").some((claim) => mysqlClaimPattern.test(claim.metadata.name)), "prod claims a MySQL volume");
        assert.ok(!objectsOfKind(run, "PersistentVolume").some((volume) => mysqlClaimPattern.test(volume.spec.claimRef?.name)), "prod creates a MySQL volume");
        const credentials = objectNamed(run, "Secret", "wso2sp-credentials");
        assert.equal(secretValue(credentials, "mysql-root-password"), undefined, "prod keeps a MySQL root password");
    });

    it("uses the databasePassword and adminPassword settings, carried in Secret wso2sp-credentials", () => {
        const credentials = secretValues(objectNamed(run, "Secret", "wso2sp-credentials"));
        assert.ok(credentials.includes(secrets.databasePassword));
        assert.ok(credentials.includes(secrets.adminPassword));
        const seen = passwordsSeen(run);
        assert.deepEqual(seen.spDatabaseNodes, [...managerNames, ...workerNames, "wso2sp-dashboard"].sort());
        assert.deepEqual(seen.spDatabase, [secrets.databasePassword]);
        assert.deepEqual(seen.spAdmin, [secrets.adminPassword]);
    });

    specifyEndpoints(() => ({ run, expected: externalEndpoints(config) }));
    specifyPasswordHandling(() => ({ run, passwords: withEncodings(Object.values(secrets)), adminPassword: secrets.adminPassword, passwordOutputsAreSecret }));
});

describe("dependencies: external ZooKeeper with in-cluster Kafka and MySQL", () => {
    const connect = "zk-a.example.com:2181,zk-b.example.com:2181";
    let run: ProgramRun;

    before(async () => {
        run = await runFixture("in-cluster", (config) => {
            setPath(config, "zookeeper.inCluster", false);
            setPath(config, "zookeeper.connect", connect);
            setPath(config, "networkPolicies.externalCidrs.zookeeper", ["10.20.3.0/24"]);
        });
    });

    it("runs no ZooKeeper but keeps MySQL and Kafka in the cluster", () => {
        for (const name of [zookeeperEnsemble, ...zookeeperNames]) {
            assert.ok(!run.objects.some((object) => object.metadata?.name === name), `${name} is still deployed`);
        }
        workloadBehind(run, "sp-rdbms");
        workloadBehind(run, "kafka-service");
    });

    it("points the in-cluster Kafka and the managers at the external ensemble", () => {
        const kafka = workloadBehind(run, "kafka-service");
        assert.equal(envValue(run, kafka, onlyContainer(kafka), "KAFKA_ZOOKEEPER_CONNECT"), connect);
        for (const name of managerNames) {
            const manager = workloadNamed(run, name);
            assert.equal(envValue(run, manager, onlyContainer(manager), "ZOOKEEPER_CONNECT"), connect);
            assert.equal(envValue(run, manager, onlyContainer(manager), "KAFKA_BOOTSTRAP_SERVERS"), address(run, "kafka-service", 9092));
        }
    });
});

describe("dependencies: images and application user come from the settings", () => {
    const images = {
        database: "registry.example.com/mirror/mysql:5.7.43",
        kafka: "registry.example.com/mirror/cp-kafka:7.9.0",
        zookeeper: "registry.example.com/mirror/zookeeper:3.8.3",
    };
    const username = "sp_app";
    let run: ProgramRun;

    before(async () => {
        run = await runFixture("in-cluster", (config) => {
            setPath(config, "database.image", images.database);
            setPath(config, "database.username", username);
            setPath(config, "kafka.image", images.kafka);
            setPath(config, "zookeeper.image", images.zookeeper);
        });
    });

    it("runs MySQL, Kafka and every ZooKeeper server from the configured images", () => {
        assert.equal(onlyContainer(workloadBehind(run, "sp-rdbms")).image, images.database);
        assert.equal(onlyContainer(workloadBehind(run, "kafka-service")).image, images.kafka);
        for (const name of zookeeperNames) {
            assert.equal(onlyContainer(workloadBehind(run, name)).image, images.zookeeper, name);
        }
    });

    it("creates, grants and connects as the configured database.username", () => {
        const mysql = workloadBehind(run, "sp-rdbms");
        assert.equal(envValue(run, mysql, mysqlAdminStep(mysql), "APP_USER"), username);
        const sql = mysqlAdminSql(run, mysql);
        for (const database of ["SP_MGT_DB", "SP_WORKER_STATE_DB"]) {
            assert.match(sql, new RegExp(`GRANT [^;]+ ON \`?${database}\`?\\.\\* TO '?${username}'?`, "i"));
        }
        for (const name of [...managerNames, ...workerNames]) {
            const deployment = workloadNamed(run, name);
            assert.equal(envValue(run, deployment, onlyContainer(deployment), "DATABASE_USERNAME"), username, name);
        }
    });
});

// ---------------------------------------------------------------------------------------------
// Changes: what `pulumi up` would do to the dependencies
// ---------------------------------------------------------------------------------------------

/**
 * Fields pulumi-kubernetes cannot change in place, by kind (provider/pkg/provider/diff.go); the
 * name and the namespace are such fields of every object (provider.go, Diff).
 */
const replacedWhenChanged: Record<string, string[]> = {
    StatefulSet: ["spec.podManagementPolicy", "spec.revisionHistoryLimit", "spec.selector", "spec.serviceName", "spec.volumeClaimTemplates"],
    Deployment: ["spec.selector"],
    Service: ["spec.clusterIP"],
    PersistentVolumeClaim: ["spec.accessModes", "spec.selector", "spec.storageClassName", "spec.volumeName"],
    PersistentVolume: ["spec.nfs"],
};

type Plan = "create" | "delete" | "unchanged" | "update" | "replace, old one deleted first" | "replace, new one created first";

/**
 * What `pulumi up` does, going from one run to the next, to the object Pulumi knows by `type` and
 * `name`, the way pulumi-kubernetes decides it: a replacement deletes first when the resource asks
 * (deleteBeforeReplace) or when the new object has the old one's name and namespace.
 */
function plan(before: ProgramRun, after: ProgramRun, type: string, name: string): Plan {
    const old = before.resources.find((resource) => resource.type === type && resource.name === name);
    const now = after.resources.find((resource) => resource.type === type && resource.name === name);
    if (!old || !now) {
        assert.ok(old || now, `neither run registers ${type} ${name}`);
        return old ? "delete" : "create";
    }
    const at = (inputs: K8sObject, path: string) => JSON.stringify(path.split(".").reduce<any>((node, key) => node?.[key], inputs));
    const fields = ["metadata.name", "metadata.namespace", ...(replacedWhenChanged[type.split(":").pop()!] ?? [])];
    if (fields.some((field) => at(old.inputs, field) !== at(now.inputs, field))) {
        const sameName = at(old.inputs, "metadata.name") === at(now.inputs, "metadata.name") && at(old.inputs, "metadata.namespace") === at(now.inputs, "metadata.namespace");
        return (now.options as pulumi.CustomResourceOptions).deleteBeforeReplace || sameName ? "replace, old one deleted first" : "replace, new one created first";
    }
    return JSON.stringify(old.inputs) === JSON.stringify(now.inputs) ? "unchanged" : "update";
}

/** The Pulumi name of the object of a kind and Kubernetes name in a run. */
function pulumiName(run: ProgramRun, kind: string, name: string): { type: string; name: string } {
    const { type, name: resourceName } = registered(run, objectNamed(run, kind, name));
    return { type, name: resourceName };
}

const ensembleIdentity = (run: ProgramRun) => objectNamed(run, "StatefulSet", "kafka-service").spec.template.metadata.annotations?.[ensembleAnnotation];

describe("dependencies: what pulumi up does to them when a setting changes (fixture stack in-cluster, run twice)", () => {
    let initial: ProgramRun;

    before(async () => {
        initial = await sharedFixture("in-cluster");
    });

    /** The plan of each object of `kind` named in `names`, between `initial` and `after`. */
    function plans(after: ProgramRun, kind: string, names: string[]): Record<string, Plan> {
        return Object.fromEntries(
            names.map((name) => {
                const resource = pulumiName(initial, kind, name);
                return [name, plan(initial, after, resource.type, resource.name)];
            }),
        );
    }

    describe("zookeeper.image (an image bump, like any change of the servers' pod template)", () => {
        let after: ProgramRun;
        before(async () => {
            after = await runFixture("in-cluster", (config) => setPath(config, "zookeeper.image", "zookeeper:3.8.5"));
        });

        it("updates the ensemble's StatefulSet in place (its pods then roll one at a time), replacing none of its objects", () => {
            assert.deepEqual(plans(after, "StatefulSet", [zookeeperEnsemble]), { [zookeeperEnsemble]: "update" });
            assert.equal(onlyContainer(objectNamed(after, "StatefulSet", zookeeperEnsemble)).image, "zookeeper:3.8.5");
            for (const [name, action] of Object.entries(plans(after, "Service", [zookeeperEnsemble, ...zookeeperNames]))) {
                assert.ok(["unchanged", "update"].includes(action), `Service ${name}: ${action}`);
            }
            assert.ok(["unchanged", "update"].includes(plans(after, "PodDisruptionBudget", [zookeeperEnsemble])[zookeeperEnsemble]));
        });

        it("leaves Kafka's and MySQL's pods alone: the ensemble keeps its state, so the broker keeps its data dir", () => {
            assert.equal(ensembleIdentity(after), ensembleIdentity(initial));
            assert.deepEqual(plans(after, "StatefulSet", ["kafka-service", "sp-rdbms"]), { "kafka-service": "unchanged", "sp-rdbms": "unchanged" });
        });
    });

    describe("zookeeper.inCluster false (another ensemble)", () => {
        let after: ProgramRun;
        before(async () => {
            after = await runFixture("in-cluster", (config) => {
                setPath(config, "zookeeper.inCluster", false);
                setPath(config, "zookeeper.connect", "zk-a.example.com:2181,zk-b.example.com:2181,zk-c.example.com:2181");
                setPath(config, "networkPolicies.externalCidrs.zookeeper", ["10.20.3.0/24"]);
            });
        });

        it("replaces Kafka's pod (a changed pod template) under another ensemble identity, so the broker starts with an empty data dir", () => {
            assert.deepEqual(plans(after, "StatefulSet", ["kafka-service"]), { "kafka-service": "update" });
            assert.notEqual(ensembleIdentity(after), ensembleIdentity(initial));
            assert.deepEqual(plans(after, "StatefulSet", [zookeeperEnsemble]), { [zookeeperEnsemble]: "delete" });
        });
    });

    describe("namespace (everything moves)", () => {
        let after: ProgramRun;
        before(async () => {
            after = await runFixture("in-cluster", (config) => setPath(config, "namespace", "wso2-moved"));
        });

        it("replaces MySQL by deleting the old StatefulSet first, so the old mysqld is gone before the new one opens the same NFS data", () => {
            assert.deepEqual(plans(after, "StatefulSet", ["sp-rdbms"]), { "sp-rdbms": "replace, old one deleted first" });
            const volume = (run: ProgramRun) => {
                const mysql = workloadBehind(run, "sp-rdbms");
                const claim = objectNamed(run, "PersistentVolumeClaim", claimMountedAt(mysql, onlyContainer(mysql), "/var/lib/mysql")!);
                return objectNamed(run, "PersistentVolume", claim.spec.volumeName).spec.nfs;
            };
            assert.deepEqual(volume(after), volume(initial), "the moved MySQL does not use the same data");
        });

        it("moves Kafka with the ensemble: a new broker in the new ensemble's namespace", () => {
            const namespaceOf = (kind: string, name: string) => objectNamed(after, kind, name).metadata.namespace;
            assert.equal(namespaceOf("StatefulSet", "kafka-service"), "wso2-moved");
            assert.equal(namespaceOf("StatefulSet", zookeeperEnsemble), "wso2-moved");
            assert.match(plans(after, "StatefulSet", ["kafka-service"])["kafka-service"], /^replace/);
        });
    });

    describe("database.image and kafka.image (image bumps)", () => {
        let after: ProgramRun;
        before(async () => {
            after = await runFixture("in-cluster", (config) => {
                setPath(config, "database.image", "mysql:5.7.43");
                setPath(config, "kafka.image", "confluentinc/cp-kafka:7.9.2");
            });
        });

        it("updates MySQL's and Kafka's StatefulSets in place, so the controller stops each old pod before it starts the new one", () => {
            assert.deepEqual(plans(after, "StatefulSet", ["sp-rdbms", "kafka-service"]), { "sp-rdbms": "update", "kafka-service": "update" });
            assert.deepEqual(plans(after, "StatefulSet", [zookeeperEnsemble]), { [zookeeperEnsemble]: "unchanged" });
        });
    });
});

describe("dependencies: the ensemble identity Kafka follows (ZooKeeperEnsemble alone, run twice)", () => {
    const program = path.join(__dirname, "programs", "zookeeperEnsemble.ts");
    const base = {
        namespace: "wso2",
        ensembleName: "zookeeper",
        serviceNames: ["zoo1", "zoo2", "zoo3"],
        ports: { client: 2181, follower: 2888, election: 3888 },
        image: "zookeeper:3.8.4",
    };
    async function runEnsemble(args: typeof base): Promise<ProgramRun> {
        return runProgram({ args }, { programFile: program });
    }
    const servers = (run: ProgramRun) => {
        const ensemble = objectsOfKind(run, "StatefulSet")[0];
        return envVar(onlyContainer(ensemble), "ZOO_SERVERS").value;
    };

    // The namespace is left out on purpose: Kafka moves with it, so it is replaced anyway.
    const cases: { change: string; args: typeof base; afresh: boolean }[] = [
        { change: "an image bump", args: { ...base, image: "zookeeper:3.8.5" }, afresh: false },
        { change: "another StatefulSet name", args: { ...base, ensembleName: "zk" }, afresh: true },
        { change: "other server names", args: { ...base, serviceNames: ["zk1", "zk2", "zk3"] }, afresh: true },
        { change: "other quorum ports", args: { ...base, ports: { ...base.ports, election: 3889 } }, afresh: true },
    ];
    for (const { change, args, afresh } of cases) {
        it(`${afresh ? "changes" : "keeps"} it on ${change}: it changes exactly when Pulumi replaces the StatefulSet or the servers get another list`, async () => {
            const initial = await runEnsemble(base);
            const after = await runEnsemble(args);
            const replaced = plan(initial, after, "kubernetes:apps/v1:StatefulSet", "zookeeper").startsWith("replace");
            const startsAfresh = replaced || servers(initial) !== servers(after);
            assert.equal(startsAfresh, afresh, `${change} ${afresh ? "does not start" : "starts"} the ensemble afresh`);
            assert.equal(after.outputs.identity !== initial.outputs.identity, startsAfresh);
        });
    }
});

describe("dependencies: incomplete settings fail before anything is registered", () => {
    /** Lets registrations the program may have started land, then returns them. */
    async function registeredAfterFailure() {
        await new Promise((resolve) => setTimeout(resolve, 50));
        return registeredBeforeError().filter((resource) => resource.type !== "pulumi:pulumi:Stack");
    }

    const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

    const cases: { title: string; stack: string; setting: string; change: (config: StackConfig) => void; secrets?: Record<string, string> }[] = [
        {
            title: "an external database without database.host (dev switched to external)",
            stack: "in-cluster",
            setting: "database.host",
            change: (config) => setPath(config, "database.inCluster", false),
            secrets: { databasePassword: "s3cr3t-from-stack" },
        },
        {
            title: "an external database without database.host (external stack)",
            stack: "external",
            setting: "database.host",
            change: (config) => setPath(config, "database.host", undefined),
        },
        {
            title: "an external database without the databasePassword secret (dev switched to external)",
            stack: "in-cluster",
            setting: "databasePassword",
            change: (config) => {
                setPath(config, "database.inCluster", false);
                setPath(config, "database.host", "mysql.example.com");
            },
        },
        {
            title: "an external database without the databasePassword secret (external stack)",
            stack: "external",
            setting: "databasePassword",
            change: (config) => setPath(config, "databasePassword", undefined),
        },
        {
            title: "an external Kafka without kafka.bootstrapServers (dev switched to external)",
            stack: "in-cluster",
            setting: "kafka.bootstrapServers",
            change: (config) => setPath(config, "kafka.inCluster", false),
        },
        {
            title: "an external Kafka without kafka.bootstrapServers (external stack)",
            stack: "external",
            setting: "kafka.bootstrapServers",
            change: (config) => setPath(config, "kafka.bootstrapServers", undefined),
        },
        {
            title: "an external ZooKeeper without zookeeper.connect (dev switched to external)",
            stack: "in-cluster",
            setting: "zookeeper.connect",
            change: (config) => setPath(config, "zookeeper.inCluster", false),
        },
        {
            title: "an external ZooKeeper without zookeeper.connect (external stack)",
            stack: "external",
            setting: "zookeeper.connect",
            change: (config) => setPath(config, "zookeeper.connect", undefined),
        },
        {
            title: "an in-cluster MySQL without nfs.mysqlDataPath (in-cluster stack)",
            stack: "in-cluster",
            setting: "nfs.mysqlDataPath",
            change: (config) => setPath(config, "nfs.mysqlDataPath", undefined),
        },
        {
            title: "an in-cluster MySQL without nfs.mysqlDataPath (external stack switched to in-cluster)",
            stack: "external",
            setting: "nfs.mysqlDataPath",
            change: (config) => setPath(config, "database.inCluster", true),
        },
    ];

    for (const { title, stack, setting, change, secrets } of cases) {
        it(`refuses ${title}, naming wso2-sp:${setting} and the pulumi config set command that fixes it`, async () => {
            await assert.rejects(runFixture(stack, change, secrets), (error: Error) => {
                assert.ok(error.message.includes(`wso2-sp:${setting}`), `the error does not name wso2-sp:${setting}:\n${error.message}`);
                const secret = /password/i.test(setting);
                // A secret's fix prompts for the value (nothing to paste into the shell history).
                const command = new RegExp(secret ? `pulumi config set --secret ${escape(setting)}$` : `pulumi config set (--path )?'?${escape(setting)}'? \\S+`, "m");
                assert.match(error.message, command, `the error does not show how to set ${setting}${secret ? " as a secret" : ""}`);
                return true;
            });
            assert.deepEqual(await registeredAfterFailure(), [], "resources were registered before the error");
        });
    }

    it("refuses in-cluster dependency images tagged latest or without a tag, naming each image setting", async () => {
        const images = { "database.image": "mysql:latest", "kafka.image": "confluentinc/cp-kafka", "zookeeper.image": "zookeeper:latest" };
        await assert.rejects(
            runFixture("in-cluster", (config) => Object.entries(images).forEach(([setting, image]) => setPath(config, setting, image))),
            (error: Error) => {
                for (const setting of Object.keys(images)) {
                    assert.ok(error.message.includes(`wso2-sp:${setting}`), `the error does not name wso2-sp:${setting}:\n${error.message}`);
                }
                assert.match(error.message, /pulumi config set/);
                return true;
            },
        );
        assert.deepEqual(await registeredAfterFailure(), [], "resources were registered before the error");
    });
});
