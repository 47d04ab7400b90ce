import * as fs from "fs";
import * as path from "path";
import * as corev1 from "@pulumi/kubernetes/core/v1";
import * as pulumi from "@pulumi/pulumi";
import { ConfsConfigMaps } from "./components/confsConfigMaps";
import { Credentials } from "./components/credentials";
import { Kafka } from "./components/kafka";
import { MySql } from "./components/mysql";
import { InlineNfsAdmission } from "./components/nfsAdmission";
import { NetworkIsolation } from "./components/networkIsolation";
import { NfsVolume } from "./components/nfsVolume";
import { PodScripts } from "./components/podScripts";
import { SiddhiApps } from "./components/siddhiApps";
import { ClaimMount, SpNode } from "./components/spNode";
import { ZooKeeperEnsemble } from "./components/zookeeperEnsemble";
import { confNodes, minResourceCount, readConfTree } from "./config/confs";
import { overlayMountPath, siddhiFilesMountPath, spImage } from "./config/image";
import * as names from "./config/names";
import { Endpoints, SpNodeSpec, spNodeSpecs } from "./config/nodes";
import { loadSettings, projectDir } from "./config/settings";
import { deploymentDigest, readSiddhiApps, siddhiAppsJobPods, syncScriptPath } from "./config/siddhiApps";
import { podSecurityAdmission } from "./kube/admission";
import { disruptionBudget } from "./kube/disruption";
import { deploymentFlows } from "./kube/networkPolicies";
import { scheduling, spManagers } from "./kube/placement";
import { keepOnDestroy, workloadSelector } from "./kube/workloads";

// Everything that can be wrong with the input is found here, before the first resource exists.
const settings = loadSettings();
const confTree = readConfTree(path.resolve(projectDir, settings.confsDir));
const siddhiApps = readSiddhiApps(path.resolve(projectDir, settings.siddhiAppsDir));
// Workers the leader manager waits for before it deploys apps (confs/manager).
const minWorkers = minResourceCount(confTree.manager);

const labels = names.commonLabels;
// Deleting the namespace would delete the claims with it, so it is kept like them.
// Every pod here meets the "restricted" Pod Security Standard, so admission enforces it.
const ns = new corev1.Namespace(
    "namespace",
    { metadata: { name: settings.namespace, labels: { ...labels, ...podSecurityAdmission } } },
    keepOnDestroy(settings.volumeProtection),
).metadata.name;

const serviceAccount = new corev1.ServiceAccount("service-account", {
    metadata: { name: names.serviceAccountName, namespace: ns, labels },
    // SP never calls the Kubernetes API.
    automountServiceAccountToken: false,
});

const credentials = new Credentials("credentials", {
    namespace: ns,
    databasePassword: settings.secrets.databasePassword,
    adminPassword: settings.secrets.adminPassword,
    mysqlInCluster: settings.database.inCluster,
    mysqlRootPassword: settings.secrets.mysqlRootPassword,
    keystorePassword: settings.secrets.keystorePassword,
    subscription: settings.secrets.subscriptionPassword && { username: settings.subscriptionUsername, password: settings.secrets.subscriptionPassword },
});

if (settings.tls.secretName === "") {
    void pulumi.log.warn(
        "Every SP listener serves the product's default keystore (wso2carbon.jks), whose private key and password come with every SP " +
            "download: anyone can impersonate these nodes. Bring your own (README, TLS): pulumi config set --path tls.secretName wso2sp-keystores " +
            "&& pulumi config set --secret keystorePassword",
    );
}

if (settings.tls.secretName !== "" && !settings.tls.hostnameVerification) {
    void pulumi.log.warn(
        "SP's HTTPS clients accept any certificate of your CA for any host: one stolen node certificate stands in for every node, " +
            "and receives the admin password with the next call. Once the certificate carries the names README, TLS lists: " +
            "pulumi config set --path tls.hostnameVerification true",
    );
}

const registry = settings.imageRegistry || (credentials.pullSecretName ? names.subscriptionRegistry : names.publicRegistry);

// Cluster-wide and optional: it needs rights on admissionregistration.k8s.io a namespace owner may lack.
if (settings.nfs.admissionPolicy.create) {
    new InlineNfsAdmission("inline-nfs-admission", { stackNamespace: settings.namespace, exemptNamespaces: settings.nfs.admissionPolicy.exemptNamespaces });
}

const protection = settings.volumeProtection;
const siddhiFiles = new NfsVolume("siddhi-files", {
    namespace: ns,
    claimName: names.siddhiFilesClaimName,
    server: settings.nfs.server,
    path: settings.nfs.siddhiFilesPath,
    size: "1Gi",
    accessMode: "ReadWriteMany",
    protection,
});
const additionalVolumes = settings.additionalVolumes.map((volume) => ({
    volume,
    nfs: new NfsVolume(`volume-${volume.name}`, {
        namespace: ns,
        claimName: volume.name,
        server: volume.server ?? settings.nfs.server,
        path: volume.path,
        size: volume.size,
        accessMode: "ReadWriteMany",
        protection,
    }),
}));

const mysql = settings.database.inCluster
    ? new MySql("mysql", {
          namespace: ns,
          serviceName: names.mysqlServiceName,
          port: names.mysqlPort,
          image: settings.database.image,
          username: settings.database.username,
          credentials: {
              secretName: credentials.secretName,
              rootPasswordKey: names.credentialKeys.mysqlRootPassword,
              userPasswordKey: names.credentialKeys.databasePassword,
          },
          // loadSettings requires mysqlDataPath whenever the database is in the cluster.
          nfs: { server: settings.nfs.server, path: settings.nfs.mysqlDataPath!, protection },
      })
    : undefined;
const zookeeper = settings.zookeeper.inCluster
    ? new ZooKeeperEnsemble("zookeeper", {
          namespace: ns,
          ensembleName: names.zookeeperEnsembleName,
          serviceNames: names.zookeeperServiceNames,
          ports: names.zookeeperPorts,
          image: settings.zookeeper.image,
      })
    : undefined;
const zookeeperConnect = zookeeper?.connect ?? settings.zookeeper.connect;
const kafka = settings.kafka.inCluster
    ? new Kafka(
          "kafka",
          {
              namespace: ns,
              serviceName: names.kafkaServiceName,
              port: names.kafkaPort,
              zookeeperConnect,
              zookeeperIdentity: zookeeper?.identity ?? settings.zookeeper.connect,
              image: settings.kafka.image,
          },
          // A broker started afresh must register with the ensemble it will keep: the new one.
          { dependsOn: zookeeper ? [zookeeper] : [] },
      )
    : undefined;

const endpoints: Endpoints = {
    database: mysql
        ? { host: names.mysqlServiceName, port: names.mysqlPort, username: settings.database.username, tls: false }
        : { host: settings.database.host, port: settings.database.port, username: settings.database.username, tls: settings.database.tls },
    kafkaBootstrapServers: kafka?.bootstrapServers ?? settings.kafka.bootstrapServers,
    zookeeperConnect,
};

const confsConfigMaps = Object.fromEntries(
    confNodes.map((node) => [node, new ConfsConfigMaps(`confs-${node}`, { namespace: ns, node, directories: confTree[node] })]),
) as Record<(typeof confNodes)[number], ConfsConfigMaps>;

const podScripts = new PodScripts("pod-scripts", { namespace: ns, directory: path.join(projectDir, "pod-scripts") });

const specs = spNodeSpecs(settings, endpoints, credentials.secretName);
const image = spImage(registry, settings.imageTag, {
    ...(settings.images.manager ? { "wso2sp-manager": settings.images.manager } : {}),
    ...(settings.images.worker ? { "wso2sp-worker": settings.images.worker } : {}),
    ...(settings.images.dashboard ? { "wso2sp-dashboard": settings.images.dashboard } : {}),
});

// Off for clusters whose network plugin ignores NetworkPolicy (README, "Network policies").
if (settings.networkPolicies.enabled) {
    new NetworkIsolation("network", {
        namespace: ns,
        flows: deploymentFlows({
            nodes: specs,
            endpoints,
            inCluster: { database: settings.database.inCluster, kafka: settings.kafka.inCluster, zookeeper: settings.zookeeper.inCluster },
            settings: settings.networkPolicies,
            managerApiClients: [siddhiAppsJobPods],
        }),
    });
}

// A change to both managers (a confs/manager file, the image, a password) updates manager-2 only once
// manager-1's update has finished: the provider's Deployment await (pulumi-kubernetes
// provider/pkg/await/deployment.go) ends an update only when the new ReplicaSet is Available and
// all its pods are ready, so one manager serves throughout. A failed manager-1 stops the update there.
let previousManager: SpNode | undefined;
const spNodes = specs.map((spec) => {
    const claimMounts: ClaimMount[] = [
        ...(spec.kind === "manager"
            ? [{ volumeName: names.siddhiFilesClaimName, claimName: siddhiFiles.claimName, mountPath: siddhiFilesMountPath, overlaysProductHome: false }]
            : []),
        ...additionalVolumes
            .filter(({ volume }) => volume.nodes.includes(spec.kind))
            .map(({ volume, nfs }) => ({
                volumeName: volume.name,
                claimName: nfs.claimName,
                mountPath: volume.mountPath ?? overlayMountPath(volume.name),
                overlaysProductHome: volume.mountPath === undefined,
            })),
    ];
    const node = new SpNode(spec.name, {
        namespace: ns,
        spec,
        image: image(spec.imageName),
        memory: settings.memory[spec.kind],
        cpu: settings.cpu[spec.kind],
        scheduling: scheduling(spec, settings.placement),
        rolloutAfter: spec.kind === "manager" ? previousManager?.workload : undefined,
        serviceAccountName: serviceAccount.metadata.name,
        imagePullSecretName: credentials.pullSecretName,
        podScriptsConfigMapName: podScripts.configMapName,
        configMounts: confsConfigMaps[spec.confs].mounts,
        claimMounts,
        ingress: { ...settings.ingress, sourceRanges: settings.exposure.sourceRanges },
        tls: settings.tls.secretName === "" ? undefined : { secretName: settings.tls.secretName, trustedCaBundles: settings.tls.trustedCaBundles },
        credentialsDigest: credentials.digest,
    });
    if (spec.kind === "manager") {
        previousManager = node;
    }
    return node;
});

// Drains and evictions keep one manager of the pair, and enough workers for the managers to keep
// their Siddhi apps deployed (minResourceCount in confs/manager).
disruptionBudget("managers-budget", { namespace: ns, name: "wso2sp-managers", labels, selector: spManagers, minAvailable: 1 });
disruptionBudget("workers-budget", {
    namespace: ns,
    name: names.nodeServiceNames.worker,
    labels,
    selector: workloadSelector(names.appNames.sp, names.nodeServiceNames.worker),
    minAvailable: minWorkers,
});

// Runs once managers and workers are ready, and again whenever the apps or those nodes change.
const appsJob = new SiddhiApps(
    "siddhi-apps",
    {
        namespace: ns,
        apps: siddhiApps,
        script: fs.readFileSync(syncScriptPath, "utf8"),
        image: image(specs.find((spec) => spec.kind === "manager")!.imageName),
        serviceAccountName: serviceAccount.metadata.name,
        imagePullSecretName: credentials.pullSecretName,
        credentialsSecretName: credentials.secretName,
        // With the stack's own certificates, by the names README has them carry, and verified.
        managerUrls: specs.filter((spec) => spec.kind === "manager").map((spec) => `https://${settings.tls.secretName ? `${spec.name}.${settings.namespace}.svc` : spec.name}:${spec.nodePort}`),
        caSecretName: settings.tls.secretName || undefined,
        minWorkers,
        deploymentDigest: deploymentDigest(settings.workers, confTree),
    },
    { dependsOn: spNodes.filter((_, index) => specs[index].kind !== "dashboard") },
);

/** The published ingress hosts of one node kind. */
const ingressHosts = (kind?: SpNodeSpec["kind"]) => specs.filter((spec) => spec.ingressHost !== "" && (kind === undefined || spec.kind === kind)).map((spec) => spec.ingressHost);
export const namespace = ns;
/** The apps of the Siddhi apps folder, once the managers run them, and the smoke check that followed. */
export const siddhiAppsDeployed = appsJob.deployedApps;
export const smokeCheck = appsJob.smokeCheck;
export const managerUrls = ingressHosts("manager").map((host) => `https://${host}`);
/** The `/etc/hosts` line for clients when the ingress hosts are not in DNS. */
export const etcHostsLine = pulumi
    .all(spNodes.map((node) => node.ingressAddress).filter((address) => address !== undefined))
    .apply((addresses) => {
        return `${addresses.find((address) => address) ?? "<ingress-controller-address>"} ${ingressHosts().join(" ")}`;
    });
export const claimNames = {
    siddhiFiles: siddhiFiles.claimName,
    ...Object.fromEntries(additionalVolumes.map(({ volume, nfs }) => [volume.name, nfs.claimName])),
    ...(mysql ? { mysqlData: mysql.claimName } : {}),
};
/**
 * `pulumi stack output --show-secrets` shows the passwords, generated ones included. The in-cluster
 * MySQL keeps its passwords in its data: save them before `pulumi destroy` to reuse that data.
 */
export const adminPassword = pulumi.secret(credentials.adminPassword);
export const databasePassword = pulumi.secret(credentials.databasePassword);

// Outputs that exist only with some settings are left out otherwise: an undefined output makes
// Pulumi print a warning on every run.
Object.assign(
    module.exports,
    Object.fromEntries(ingressHosts("dashboard").map((host) => ["dashboardUrl", `https://${host}/monitoring`])),
    credentials.mysqlRootPassword === undefined ? {} : { mysqlRootPassword: pulumi.secret(credentials.mysqlRootPassword) },
);
