/**
 * The dependencies of SP (MySQL, ZooKeeper, Kafka) in both modes, how SP finds them, how it waits
 * for them, how passwords reach the pods, and the errors for incomplete dependency settings. Each
 * stack is run once per describe (the real program under Pulumi's mock runtime, see harness.ts).
 */
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import {
    fixtureDir,
    objectNamed,
    objectsOfKind,
    ProgramRun,
    projectDir,
    readStackConfig,
    registeredBeforeError,
    runFixture,
    setPath,
    StackConfig,
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
function allContainers(run: ProgramRun): { workload: K8sObject; container: K8sObject; init: boolean }[] {
    return podSpecs(run).flatMap(({ workload, spec }) => [
        ...(spec.initContainers ?? []).map((container: K8sObject) => ({ workload, container, init: true })),
        ...(spec.containers ?? []).map((container: K8sObject) => ({ workload, container, init: false })),
    ]);
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
function mountedScripts(run: ProgramRun, workload: K8sObject, container: K8sObject, command: string[]): string[] {
    const spec = workload.spec.template.spec;
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

/** The Deployments whose pods a Service routes to. */
function backingDeployments(run: ProgramRun, service: K8sObject): K8sObject[] {
    const selector: Record<string, string> = service.spec?.selector ?? {};
    assert.ok(Object.keys(selector).length > 0, `Service ${service.metadata.name} selects no pods`);
    return objectsOfKind(run, "Deployment").filter(
        (deployment) =>
            deployment.metadata.namespace === service.metadata.namespace &&
            Object.entries(selector).every(([key, value]) => deployment.spec.template.metadata?.labels?.[key] === value),
    );
}

/** The one Deployment behind a Service. */
function deploymentBehind(run: ProgramRun, serviceName: string): K8sObject {
    const backing = backingDeployments(run, objectNamed(run, "Service", serviceName));
    assert.equal(backing.length, 1, `Service ${serviceName} routes to ${backing.length} Deployments`);
    return backing[0];
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

/** The stack's exports as Pulumi sees them (secret wrappers intact): the module the last run loaded. */
function rawStackOutputs(): Record<string, unknown> {
    return { ...require(path.join(projectDir, "index.ts")) };
}

const spDeployments = (run: ProgramRun) => objectsOfKind(run, "Deployment").filter((deployment) => deployment.metadata.name.startsWith("wso2sp-"));
const managerNames = ["wso2sp-manager-1", "wso2sp-manager-2"];
const workerNames = ["wso2sp-worker", "wso2sp-receiver"];
const zookeeperNames = ["zoo1", "zoo2", "zoo3"];
const inClusterNames = ["sp-rdbms", ...zookeeperNames, "kafka-service"];
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
            const manager = objectNamed(run, "Deployment", name);
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
            const worker = objectNamed(run, "Deployment", name);
            const container = onlyContainer(worker);
            const seen = (env: string) => envValue(run, worker, container, env);
            assert.equal(seen("DATABASE_HOST"), expected.databaseHost, `${name} DATABASE_HOST`);
            assert.equal(seen("DATABASE_PORT"), expected.databasePort, `${name} DATABASE_PORT`);
            assert.equal(seen("DATABASE_USERNAME"), expected.databaseUsername, `${name} DATABASE_USERNAME`);
            managerNames.forEach((managerName, index) => {
                const manager = objectNamed(run, "Deployment", managerName);
                // The port the manager serves HTTPS on is the one its Service must expose to workers.
                const managerPort = envValue(run, manager, onlyContainer(manager), "NODE_PORT");
                assertServiceExposes(run, managerName, managerPort);
                assert.equal(deploymentBehind(run, managerName), manager, `Service ${managerName} does not route to the ${managerName} pods`);
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
            const initContainers = podSpec(objectNamed(run, "Deployment", name)).initContainers ?? [];
            assert.deepEqual(initContainers.map(addressesNamed).sort(byText), groups, `init containers of ${name}`);
        }
    });

    it("makes workers and the receiver wait in init containers for the database and a manager at those addresses", () => {
        const { run, expected } = stack();
        const managerAddresses = managerNames.map((managerName) => {
            const manager = objectNamed(run, "Deployment", managerName);
            return address(run, managerName, Number(envValue(run, manager, onlyContainer(manager), "NODE_PORT")));
        });
        const groups = [[`${expected.databaseHost}:${expected.databasePort}`], managerAddresses.sort()].sort(byText);
        for (const name of workerNames) {
            const initContainers = podSpec(objectNamed(run, "Deployment", name)).initContainers ?? [];
            assert.deepEqual(initContainers.map(addressesNamed).sort(byText), groups, `init containers of ${name}`);
        }
    });

    it("starts without fixed sleeps: commands, hooks and the scripts they run sleep only between checks of a condition", () => {
        const { run } = stack();
        for (const { workload, container } of allContainers(run)) {
            const commands = [[...(container.command ?? []), ...(container.args ?? [])], container.lifecycle?.preStop?.exec?.command ?? []];
            for (const command of commands) {
                assert.deepEqual(sleepsOutsideLoops([command.join(" "), ...mountedScripts(run, workload, container, command)].join("\n")), [], `${workload.metadata.name}/${container.name}`);
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

/** Whether every password output of the last run (those it exports) is a secret Output. */
async function passwordOutputsSecret(): Promise<boolean> {
    const outputs = rawStackOutputs();
    const exported = ["adminPassword", "databasePassword", "mysqlRootPassword"].map((name) => outputs[name]).filter((value) => value !== undefined);
    const secret = await Promise.all(exported.map(async (value) => pulumi.Output.isInstance(value) && (await pulumi.isSecret(value as pulumi.Output<string>))));
    return exported.length > 0 && secret.every(Boolean);
}

/** The password the MySQL container gives the root account, the one it creates the application user with, and the SP ones. */
function passwordsSeen(run: ProgramRun) {
    const mysql = run.objects.find((object) => object.kind === "Deployment" && object.metadata.name === "sp-rdbms");
    const mysqlContainer = mysql ? onlyContainer(mysql) : undefined;
    const sp = spDeployments(run).map((deployment) => ({ deployment, container: onlyContainer(deployment) }));
    const spWithDatabase = sp.filter(({ container }) => (container.env ?? []).some((env: K8sObject) => env.name === "DATABASE_PASSWORD"));
    return {
        mysqlRoot: mysql ? envValue(run, mysql, mysqlContainer!, "MYSQL_ROOT_PASSWORD") : undefined,
        mysqlUser: mysql ? envValue(run, mysql, mysqlContainer!, "MYSQL_PASSWORD") : undefined,
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
        run = await runFixture("in-cluster");
        passwordOutputsAreSecret = await passwordOutputsSecret();
        config = readStackConfig("in-cluster", fixtureDir).config;
    });

    it("is a complete example: it needs no secret settings and yields MySQL, ZooKeeper and Kafka", () => {
        assert.deepEqual(readStackConfig("dev").secretKeys, [], "Pulumi.dev.yaml holds secure values that a fresh stack cannot decrypt");
        for (const name of inClusterNames) {
            objectNamed(run, "Deployment", name);
            objectNamed(run, "Service", name);
        }
    });

    it("routes each dependency Service to exactly one Deployment whose container listens on the Service's ports", () => {
        for (const name of inClusterNames) {
            const service = objectNamed(run, "Service", name);
            const deployment = deploymentBehind(run, name);
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
            const container = onlyContainer(deploymentBehind(run, "sp-rdbms"));
            assert.equal(container.image, effective(config, "database").image);
            assert.ok(isPinned(container.image), `${container.image} has no explicit tag`);
            assert.ok((container.ports ?? []).some((port: K8sObject) => port.containerPort === 3306));
        });

        it("runs as uid 999, never root, and allows 10000 connections", () => {
            const deployment = deploymentBehind(run, "sp-rdbms");
            const container = onlyContainer(deployment);
            const pod = podSpec(deployment).securityContext ?? {};
            const own = container.securityContext ?? {};
            assert.equal(own.runAsUser ?? pod.runAsUser, 999);
            assert.equal(own.runAsNonRoot ?? pod.runAsNonRoot, true);
            const argv = [...(container.command ?? []), ...(container.args ?? [])].join(" ");
            assert.match(argv, /--max[-_]connections(=| )10000\b/);
        });

        it("keeps its data on claim sp-rdbms-volume-claim-<hash>, bound to a Retain NFS volume on nfs.mysqlDataPath that pulumi destroy leaves alone", () => {
            const deployment = deploymentBehind(run, "sp-rdbms");
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

        it("creates SP_MGT_DB and SP_WORKER_STATE_DB on first start and grants the application user (database.username, not root) on both", () => {
            const deployment = deploymentBehind(run, "sp-rdbms");
            const container = onlyContainer(deployment);
            const sql = configMapText(configMapMountedAt(run, deployment, container, "/docker-entrypoint-initdb.d"));
            const username = effective(config, "database").username;
            assert.notEqual(username, "root");
            assert.equal(envValue(run, deployment, container, "MYSQL_USER"), username);
            for (const database of ["SP_MGT_DB", "SP_WORKER_STATE_DB"]) {
                assert.match(sql, new RegExp(`CREATE DATABASE (IF NOT EXISTS )?\`?${database}\`?`, "i"), `init SQL does not create ${database}`);
                assert.match(
                    sql,
                    new RegExp(`GRANT [^;]+ ON \`?${database}\`?\\.\\* TO '?${username}'?`, "i"),
                    `init SQL does not grant ${username} on ${database}`,
                );
            }
            assert.doesNotMatch(sql, /TO '?root'?/i, "init SQL grants to root");
        });

        it("creates the application user with the password SP connects with, and gives root a different one", () => {
            const seen = passwordsSeen(run);
            assert.deepEqual(seen.spDatabaseNodes, [...managerNames, ...workerNames].sort(), "SP nodes that connect to the database");
            assert.deepEqual(seen.spDatabase, [seen.mysqlUser]);
            assert.notEqual(seen.mysqlRoot, seen.mysqlUser);
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

        it("gives each server its id 1..3 and the names of all three servers", () => {
            zookeeperNames.forEach((name, index) => {
                const deployment = deploymentBehind(run, name);
                const container = onlyContainer(deployment);
                assert.equal(envValue(run, deployment, container, "ZOO_MY_ID"), String(index + 1), `id of ${name}`);
                const servers = envValue(run, deployment, container, "ZOO_SERVERS");
                zookeeperNames.forEach((server, serverIndex) => {
                    assert.match(servers, new RegExp(`server\\.${serverIndex + 1}=${server}:2888:3888(;|\\s|$)`), `${name} does not know ${server}`);
                });
            });
        });
    });

    describe("Kafka", () => {
        it("advertises kafka-service:9092 and registers with zoo1:2181,zoo2:2181,zoo3:2181", () => {
            const deployment = deploymentBehind(run, "kafka-service");
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
        passwordOutputsAreSecret = await passwordOutputsSecret();
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
        passwordOutputsAreSecret = await passwordOutputsSecret();
        config = readStackConfig("external", fixtureDir).config;
    });

    it("runs no in-cluster MySQL, ZooKeeper or Kafka: no such objects, no MySQL volume, no MySQL root password", () => {
        for (const object of run.objects) {
            assert.ok(!inClusterNames.includes(object.metadata?.name), `prod registers ${object.kind} ${object.metadata?.name}`);
        }
        for (const kind of ["Deployment", "Service"]) {
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
        assert.deepEqual(seen.spDatabaseNodes, [...managerNames, ...workerNames].sort());
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
        for (const name of zookeeperNames) {
            assert.ok(!run.objects.some((object) => object.metadata?.name === name), `${name} is still deployed`);
        }
        deploymentBehind(run, "sp-rdbms");
        deploymentBehind(run, "kafka-service");
    });

    it("points the in-cluster Kafka and the managers at the external ensemble", () => {
        const kafka = deploymentBehind(run, "kafka-service");
        assert.equal(envValue(run, kafka, onlyContainer(kafka), "KAFKA_ZOOKEEPER_CONNECT"), connect);
        for (const name of managerNames) {
            const manager = objectNamed(run, "Deployment", name);
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
        assert.equal(onlyContainer(deploymentBehind(run, "sp-rdbms")).image, images.database);
        assert.equal(onlyContainer(deploymentBehind(run, "kafka-service")).image, images.kafka);
        for (const name of zookeeperNames) {
            assert.equal(onlyContainer(deploymentBehind(run, name)).image, images.zookeeper, name);
        }
    });

    it("creates, grants and connects as the configured database.username", () => {
        const mysql = deploymentBehind(run, "sp-rdbms");
        const container = onlyContainer(mysql);
        assert.equal(envValue(run, mysql, container, "MYSQL_USER"), username);
        const sql = configMapText(configMapMountedAt(run, mysql, container, "/docker-entrypoint-initdb.d"));
        for (const database of ["SP_MGT_DB", "SP_WORKER_STATE_DB"]) {
            assert.match(sql, new RegExp(`GRANT [^;]+ ON \`?${database}\`?\\.\\* TO '?${username}'?`, "i"));
        }
        for (const name of [...managerNames, ...workerNames]) {
            const deployment = objectNamed(run, "Deployment", name);
            assert.equal(envValue(run, deployment, onlyContainer(deployment), "DATABASE_USERNAME"), username, name);
        }
    });
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
                const command = new RegExp(`pulumi config set ${secret ? "--secret " : "(--path )?"}'?${escape(setting)}'? \\S+`);
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
