import type * as inputs from "@pulumi/kubernetes/types/input";
import type { ConfNode } from "./confs";
import type * as pulumi from "@pulumi/pulumi";
import { type Listener, listenersOf, workerProfileNodes } from "./listeners";
import { defaultKeystoreFile, tlsDir } from "./image";
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
    dependsOn: Dependency[];
}

/** Options of the SP nodes that no stack setting carries yet. */
export interface SpNodeOptions {
    /**
     * `wso2.carbon.hostnameVerificationEnabled` of every node (a deployment.yaml key read by
     * carbon-analytics-common's AnalyticsHttpClientBuilderServiceImpl, not a system property;
     * docs/trust.md): the peer's certificate must carry the name it is called by.
     */
    hostnameVerification: boolean;
    /** Keys of a Secret the nodes that run apps (managers, workers, receiver) get as environment variables. */
    appSecrets?: AppSecretEnv;
}

/**
 * Keys of one Kubernetes Secret handed to the SP nodes that compile and run Siddhi apps. SP 4.4.0
 * does not replace `${NAME}` in apps (Siddhi 4.5.9): an app names a `siddhi.refs` entry of
 * deployment.yaml (`@store(ref='…')`), whose options carbon-config fills from these variables at
 * start (docs/app-secrets.md).
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
/** What the API server accepts as a Secret key. */
const secretKeyPattern = /^[-._a-zA-Z0-9]{1,253}$/;

/**
 * What is wrong with an AppSecretEnv given the variables the program sets itself (the `env` of
 * `specs` built without `appSecrets`): one line per problem, for the settings layer to report.
 */
export function appSecretEnvProblems(source: AppSecretEnv, specs: SpNodeSpec[]): string[] {
    const taken = new Set(specs.flatMap((spec) => spec.env.map((variable) => variable.name)));
    const problems: string[] = [];
    if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(source.secretName)) {
        problems.push(`the Secret name ${JSON.stringify(source.secretName)} is not a Kubernetes object name (lower-case letters, digits, '-', '.')`);
    }
    for (const [name, key] of Object.entries(source.variables)) {
        if (!envNamePattern.test(name)) {
            problems.push(`variable ${JSON.stringify(name)} may hold only letters, digits and '_', not starting with a digit, so that \${${name}} can name it`);
        } else if (taken.has(name)) {
            problems.push(`variable ${name} is set by the program itself; choose another name`);
        }
        if (!secretKeyPattern.test(key)) {
            problems.push(`variable ${name}: ${JSON.stringify(key)} is not a Secret key (letters, digits, '-', '_', '.')`);
        }
    }
    return problems;
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
export function spNodeSpecs(
    settings: Settings,
    endpoints: Endpoints,
    credentialsSecretName: pulumi.Input<string>,
    options: SpNodeOptions = { hostnameVerification: false },
): SpNodeSpec[] {
    // Naming the Secret by its output makes every Deployment wait until the Secret exists.
    const fromSecret = (name: string, key: string): EnvVar => ({ name, valueFrom: { secretKeyRef: { name: credentialsSecretName, key } } });
    const credentials = [
        literal("ADMIN_USERNAME", adminUsername),
        fromSecret("ADMIN_PASSWORD", credentialKeys.adminPassword),
        fromSecret("ADMIN_PASSWORD_BASE64", credentialKeys.adminPasswordBase64),
        fromSecret("KEYSTORE_PASSWORD", credentialKeys.keystorePassword),
        fromSecret("TRUSTSTORE_PASSWORD", credentialKeys.truststorePassword),
        fromSecret("EMBEDDED_DB_PASSWORD", credentialKeys.embeddedDbPassword),
        literal("HOSTNAME_VERIFICATION", String(options.hostnameVerification)),
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
    const appSecrets = options.appSecrets ? appSecretEnv(options.appSecrets) : [];
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
        return {
            name: receiver ? nodeServiceNames.receiver : nodeServiceNames.worker,
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
                ...credentials,
                ...database,
                ...managers,
                ...appSecrets,
            ],
            ingressHost: "",
            singleton: receiver,
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
