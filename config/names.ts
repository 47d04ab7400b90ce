/**
 * Every Kubernetes name, path and port that the SP configuration relies on, in one place: the
 * Services are named from here and the containers' env (which fills the `${…}` placeholders in
 * `confs/`) is set from here, so DNS names and configuration cannot drift apart.
 */
import { createHash } from "crypto";

export const serviceAccountName = "wso2svc-account";
export const pullSecretName = "wso2creds";
/** Where the SP images come from: Docker Hub's `wso2/…`, or WSO2's registry with a subscription. */
export const publicRegistry = "wso2";
export const subscriptionRegistry = "docker.wso2.com";
export const credentialsSecretName = "wso2sp-credentials";
/** Pod volume of the stack's own keystore Secret (`tls.secretName`); no additional volume may take it. */
export const ownKeystoresVolumeName = "own-keystores";

/** Claims that SP nodes and MySQL mount. */
export const siddhiFilesClaimName = "sp-mgt-volume-claim";
export const mysqlDataClaimName = "sp-rdbms-volume-claim";
/** Their capacities and access modes: with the source, they name the claim (nfsClaimName). */
export const siddhiFilesVolume = { size: "1Gi", accessMode: "ReadWriteMany" } as const;
export const mysqlDataVolume = { size: "20Gi", accessMode: "ReadWriteOnce" } as const;

/**
 * An NFS volume's claim: `<base>-<hash of its source and size>`, as Kubernetes can change neither a
 * volume's source nor a bound claim's size (components/nfsVolume.ts). The path is hashed exactly as
 * given: a stack keeps the path its volume was first named from (config/settings/volumes.ts).
 */
export function nfsClaimName(base: string, source: { server: string; path: string; size: string; accessMode: string }): string {
    const hash = createHash("sha256").update(JSON.stringify([source.server, source.path, source.size, source.accessMode])).digest("hex");
    return `${base}-${hash.slice(0, 8)}`;
}

/** Service names of the SP nodes: the managers' names are also their NODE_IDs. */
export const nodeServiceNames = {
    manager1: "wso2sp-manager-1",
    manager2: "wso2sp-manager-2",
    worker: "wso2sp-worker",
    receiver: "wso2sp-receiver",
    dashboard: "wso2sp-dashboard",
} as const;

/** The managers' HTTPS ports (their NODE_PORTs), which workers register with. */
export const managerPorts = { manager1: 9543, manager2: 9544 } as const;

/** Service names and ports of the in-cluster (evaluation) dependencies. */
export const mysqlServiceName = "sp-rdbms";
export const mysqlPort = 3306;
export const kafkaServiceName = "kafka-service";
export const kafkaPort = 9092;
/** The ensemble's StatefulSet and headless Service: its pods are `zookeeper-0`..`zookeeper-2`. */
export const zookeeperEnsembleName = "zookeeper";
/** One Service per server, in server-id order: the names SP and Kafka connect to and the servers know each other by. */
export const zookeeperServiceNames = ["zoo1", "zoo2", "zoo3"] as const;
export const zookeeperPorts = { client: 2181, follower: 2888, election: 3888 } as const;

/**
 * Databases the SP configuration names (`confs/`) and the in-cluster MySQL creates; each is named
 * after the datasource that uses it. The dashboard's four hold what users set up in its UIs
 * (docs/dashboard.md).
 */
export const databaseNames = {
    management: "SP_MGT_DB",
    workerState: "SP_WORKER_STATE_DB",
    statusDashboard: "WSO2_STATUS_DASHBOARD_DB",
    businessRules: "BUSINESS_RULES_DB",
    permissions: "WSO2_PERMISSIONS_DB",
    portal: "WSO2_DASHBOARD_DB",
} as const;

/** Keys of the credentials Secret; containers read them only through `secretKeyRef`. */
export const credentialKeys = {
    databasePassword: "database-password",
    mysqlRootPassword: "mysql-root-password",
    adminPassword: "admin-password",
    /** The SP local user store keeps passwords base64-encoded. */
    adminPasswordBase64: "admin-password-base64",
    /** The listeners' keystore: the stack's keystorePassword, or the image's built-in one. */
    keystorePassword: "keystore-password",
    /** The JVM-wide client-truststore.jks, always locked with the image's password (carbon.sh fixes it). */
    truststorePassword: "truststore-password",
    embeddedDbPassword: "embedded-db-password",
} as const;

/**
 * The password the SP images' keystores and embedded H2 databases are locked with. It is public,
 * but it is still a password: it reaches the configuration through the credentials Secret.
 */
export const imageBuiltInPassword = "wso2carbon";

/** The SP administrator, whose password comes from the credentials Secret. */
export const adminUsername = "admin";

/**
 * `app.kubernetes.io/name` of each kind of workload: pods are labelled with it (kube/workloads.ts)
 * and network policies select them by it.
 */
export const appNames = { sp: "wso2sp", mysql: "mysql", zookeeper: "zookeeper", kafka: "kafka" } as const;

/** Labels shared by every object of the deployment. */
export const commonLabels = {
    "app.kubernetes.io/part-of": "wso2-sp",
    "app.kubernetes.io/managed-by": "pulumi",
} as const;
