import type * as inputs from "@pulumi/kubernetes/types/input";
import type { ConfNode } from "./confs";
import type * as pulumi from "@pulumi/pulumi";
import { type Listener, listenersOf, workerProfileNodes } from "./listeners";
import { defaultKeystoreFile, imageEnvNames, tlsDir, trustedCasVariable } from "./image";
import { spJavaOptions } from "./memory";
import { adminUsername, credentialKeys, managerPorts, nodeServiceNames } from "./names";
import type { NodeKind, Settings } from "./settings";

type EnvVar = inputs.core.v1.EnvVar;

/** A TCP endpoint an SP pod waits for before it starts; any one of `addresses` will do. */
export interface Dependency {
    /**
     * What the log line and the init container are named after. A node that waits for the database
     * is admitted to it by the NetworkPolicies (kube/networkPolicies.ts).
     */
    name: "database" | "zookeeper" | "kafka" | "manager";
    /** `host:port` addresses. */
    addresses: string[];
}

/** Where SP finds the database, Kafka and ZooKeeper, in-cluster or external. */
export interface Endpoints {
    database: { host: string; port: number; username: string; tls: boolean };
    kafkaBootstrapServers: string;
    zookeeperConnect: string;
}

/** One SP node as data: the SpNode component builds every node from one of these. */
export interface SpNodeSpec {
    /** Deployment and Service name, which the SP configuration uses as DNS name. */
    name: string;
    /** The kind that settings (memory, additional volumes) refer to. */
    kind: NodeKind;
    /** The `confs/` tree the node mounts: the receiver is a worker. */
    confs: ConfNode;
    /** Repository name of the image, without registry and tag. */
    imageName: string;
    replicas: number;
    /** The node's own HTTPS port (`NODE_PORT`): probes check it, its Ingress forwards to it. */
    nodePort: number;
    /** Every port the node listens on: its container ports and its Service's ports. */
    listeners: Listener[];
    env: EnvVar[];
    /** Ingress host; "" for none. */
    ingressHost: string;
    /** Whether two pods of this node must never run side by side (it has one identity). */
    singleton: boolean;
    /**
     * The name the node registers with the managers (`httpsInterface.host`, env `NODE_HOST`), which
     * they call it by and its certificate must carry, and which must resolve from the first
     * heartbeat on, before the readiness probe passes. `pod`: each pod its own
     * `<pod>.<service>.<namespace>.svc` (a StatefulSet governed by the node's headless Service);
     * `service`: `<service>.<namespace>.svc`. Unset: a node the managers do not call back.
     */
    registeredAs?: "pod" | "service";
    dependsOn: Dependency[];
}

/**
 * Keys of one Kubernetes Secret handed to the SP nodes that compile and run Siddhi apps
 * (`appSecrets`). SP 4.4.0 does not replace `${NAME}` in apps (Siddhi 4.5.9): an app names a
 * `siddhi.refs` entry of deployment.yaml (`@store(ref='…')`), whose options carbon-config fills from
 * these variables at start (docs/app-secrets.md).
 */
export interface AppSecretEnv {
    /** A Secret in the stack's namespace. */
    secretName: string;
    /** Environment variable → key of the Secret. */
    variables: Record<string, string>;
}

/** The env entries of an AppSecretEnv, each a reference to the Secret's key (the value never appears). */
export function appSecretEnv(source: AppSecretEnv): EnvVar[] {
    return Object.entries(source.variables).map(([name, key]) => ({ name, valueFrom: { secretKeyRef: { name: source.secretName, key } } }));
}

/** A variable carbon-config's `${NAME}` can read. */
const envNamePattern = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Why a variable of an AppSecretEnv cannot be (one entry per problem, worded to follow the
 * variable's setting): a name `${…}` cannot read, or one the program sets itself.
 */
export function appSecretEnvProblems(variables: Record<string, string>): { variable: string; message: string }[] {
    const taken = programEnvNames();
    return Object.keys(variables).flatMap((name) =>
        !envNamePattern.test(name)
            ? [{ variable: name, message: "is no variable name ${…} can read: letters, digits and _, not starting with a digit" }]
            : taken.has(name)
              ? [{ variable: name, message: "is a variable the program or the image sets itself in the SP containers; choose another name" }]
              : [],
    );
}

/**
 * Every variable the program or the image sets in some SP container, whatever the settings: the
 * specs of a stack with every optional variable on (own TLS material), the CA bundles' directory
 * (SpNode) and the image's own.
 */
function programEnvNames(): Set<pulumi.Input<string>> {
    const everyOption = {
        namespace: "wso2",
        workers: 2,
        memory: { manager: "4Gi", worker: "2Gi", receiver: "2Gi", dashboard: "1Gi" },
        exposure: { managers: true },
        ingress: { hosts: { manager1: "", manager2: "", dashboard: "" } },
        tls: { secretName: "own", trustedCaBundles: [], hostnameVerification: true },
        appSecrets: { secretName: "", variables: {} },
        httpSourcePorts: [],
    } as unknown as Settings;
    const endpoints: Endpoints = { database: { host: "db", port: 3306, username: "sp", tls: true }, kafkaBootstrapServers: "kafka:9092", zookeeperConnect: "zk:2181" };
    return new Set([...spNodeSpecs(everyOption, endpoints, "credentials").flatMap((spec) => spec.env.map((variable) => variable.name)), trustedCasVariable, ...imageEnvNames]);
}

const literal = (name: string, value: string | number): EnvVar => ({ name, value: String(value) });
const fromPod = (name: string, fieldPath: string): EnvVar => ({ name, valueFrom: { fieldRef: { fieldPath } } });

/** The dashboard's HTTPS port and the offset its deployment.yaml fixes (confs/dashboard; docs/dashboard.md). */
const dashboardPort = 9643;
const dashboardOffset = 2;

/**
 * The five SP nodes of the pattern (docs/README.md; their ports: docs/ports.md). Every `${NAME}`
 * placeholder in `confs/` (docs/configuration.md) is set here from the same names the Services
 * get; passwords only as references to the credentials Secret.
 */
export function spNodeSpecs(settings: Settings, endpoints: Endpoints, credentialsSecretName: pulumi.Input<string>): SpNodeSpec[] {
    // Naming the Secret by its output makes every Deployment wait until the Secret exists.
    const fromSecret = (name: string, key: string): EnvVar => ({ name, valueFrom: { secretKeyRef: { name: credentialsSecretName, key } } });
    const credentials = [
        literal("ADMIN_USERNAME", adminUsername),
        fromSecret("ADMIN_PASSWORD", credentialKeys.adminPassword),
        fromSecret("ADMIN_PASSWORD_BASE64", credentialKeys.adminPasswordBase64),
        fromSecret("KEYSTORE_PASSWORD", credentialKeys.keystorePassword),
        fromSecret("TRUSTSTORE_PASSWORD", credentialKeys.truststorePassword),
        fromSecret("EMBEDDED_DB_PASSWORD", credentialKeys.embeddedDbPassword),
        // wso2.carbon.hostnameVerificationEnabled (a deployment.yaml key read by carbon-analytics-common's
        // AnalyticsHttpClientBuilderServiceImpl, not a system property; docs/trust.md).
        literal("HOSTNAME_VERIFICATION", String(settings.tls.hostnameVerification)),
        // Every listener's keystore (confs/*/deployment.yaml); with own TLS material start.sh also adds
        // OWN_TRUSTSTORE's certificates to the JVM-wide trust store the inter-node calls verify with.
        ...(settings.tls.secretName === ""
            ? [literal("KEYSTORE_FILE", defaultKeystoreFile)]
            : [literal("KEYSTORE_FILE", `${tlsDir}/keystore.jks`), literal("OWN_TRUSTSTORE", `${tlsDir}/truststore.jks`)]),
    ];
    const database = [
        literal("DATABASE_HOST", endpoints.database.host),
        literal("DATABASE_PORT", endpoints.database.port),
        // Connector/J 5.1 URL parameters; verification uses the JVM's trust store (client-truststore.jks).
        literal("DATABASE_JDBC_OPTIONS", endpoints.database.tls ? "useSSL=true&requireSSL=true&verifyServerCertificate=true" : "useSSL=false"),
        literal("DATABASE_USERNAME", endpoints.database.username),
        fromSecret("DATABASE_PASSWORD", credentialKeys.databasePassword),
    ];
    const managers = [
        literal("MANAGER_1_HOST", nodeServiceNames.manager1),
        literal("MANAGER_1_PORT", managerPorts.manager1),
        literal("MANAGER_2_HOST", nodeServiceNames.manager2),
        literal("MANAGER_2_PORT", managerPorts.manager2),
    ];
    // Managers compile apps too (to split them); workers and the receiver run them.
    const appSecrets = settings.appSecrets.secretName === "" ? [] : appSecretEnv(settings.appSecrets);
    const databaseDependency: Dependency = { name: "database", addresses: [`${endpoints.database.host}:${endpoints.database.port}`] };
    const managerDependency: Dependency = {
        name: "manager",
        addresses: [`${nodeServiceNames.manager1}:${managerPorts.manager1}`, `${nodeServiceNames.manager2}:${managerPorts.manager2}`],
    };

    const manager = (id: keyof typeof managerPorts, offset: number, ingressHost: string): SpNodeSpec => ({
        name: nodeServiceNames[id],
        kind: "manager",
        confs: "manager",
        imageName: "wso2sp-manager",
        replicas: 1,
        nodePort: managerPorts[id],
        listeners: listenersOf("manager", offset, managerPorts[id]),
        env: [
            literal("WSO2_SERVER_PROFILE", "manager"),
            literal("JAVA_OPTS", spJavaOptions(settings.memory.manager)),
            literal("OFFSET", offset),
            literal("NODE_ID", nodeServiceNames[id]),
            literal("NODE_PORT", managerPorts[id]),
            fromPod("NODE_IP", "status.podIP"),
            ...credentials,
            ...database,
            literal("KAFKA_BOOTSTRAP_SERVERS", endpoints.kafkaBootstrapServers),
            literal("ZOOKEEPER_CONNECT", endpoints.zookeeperConnect),
            ...appSecrets,
        ],
        ingressHost,
        singleton: true,
        dependsOn: [
            databaseDependency,
            { name: "zookeeper", addresses: endpoints.zookeeperConnect.split(",") },
            { name: "kafka", addresses: endpoints.kafkaBootstrapServers.split(",") },
        ],
    });

    const worker = (receiver: boolean): SpNodeSpec => {
        const kind = receiver ? "receiver" : "worker";
        const { nodePort, offset } = workerProfileNodes[kind];
        const name = receiver ? nodeServiceNames.receiver : nodeServiceNames.worker;
        return {
            name,
            kind,
            confs: "worker",
            imageName: "wso2sp-worker",
            replicas: receiver ? 1 : settings.workers,
            nodePort,
            listeners: listenersOf("worker", offset, nodePort, settings.httpSourcePorts),
            env: [
                literal("WSO2_SERVER_PROFILE", "worker"),
                literal("JAVA_OPTS", spJavaOptions(settings.memory[kind])),
                literal("OFFSET", offset),
                literal("RECEIVER_NODE", String(receiver)),
                literal("NODE_PORT", nodePort),
                // Each worker pod registers with the managers under its own identity.
                fromPod("NODE_ID", "metadata.name"),
                fromPod("NODE_IP", "status.podIP"),
                // A name a certificate can carry, not the pod IP (docs/trust.md); $(NODE_ID) is the pod name.
                literal("NODE_HOST", receiver ? `${name}.${settings.namespace}.svc` : `$(NODE_ID).${name}.${settings.namespace}.svc`),
                ...credentials,
                ...database,
                ...managers,
                ...appSecrets,
            ],
            ingressHost: "",
            singleton: receiver,
            registeredAs: receiver ? "service" : "pod",
            dependsOn: [databaseDependency, managerDependency],
        };
    };

    // exposure.managers false keeps the managers' REST API (which deploys Siddhi apps) in the cluster.
    const managerHost = (host: string) => (settings.exposure.managers ? host : "");
    return [
        manager("manager1", 0, managerHost(settings.ingress.hosts.manager1)),
        manager("manager2", 1, managerHost(settings.ingress.hosts.manager2)),
        worker(false),
        worker(true),
        {
            name: nodeServiceNames.dashboard,
            kind: "dashboard",
            confs: "dashboard",
            imageName: "wso2sp-dashboard",
            replicas: 1,
            nodePort: dashboardPort,
            listeners: listenersOf("dashboard", dashboardOffset, dashboardPort),
            env: [
                literal("WSO2_SERVER_PROFILE", "dashboard"),
                literal("JAVA_OPTS", spJavaOptions(settings.memory.dashboard)),
                literal("NODE_ID", "wso2sp-status-dashboard"),
                fromPod("NODE_IP", "status.podIP"),
                ...credentials,
                // What users set up in its UIs lives in MySQL (confs/dashboard; docs/dashboard.md).
                ...database,
            ],
            ingressHost: settings.ingress.hosts.dashboard,
            singleton: true,
            dependsOn: [databaseDependency],
        },
    ];
}
