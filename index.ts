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
import { overlayMountPath, siddhiFilesMountPath, spImage, tlsCaFile, tlsFiles } from "./config/image";
import * as names from "./config/names";
import { Endpoints, SpNodeSpec, spNodeSpecs } from "./config/nodes";
import { loadSettings, placeVolumes, projectDir, readPreviousDeployment } from "./config/settings";
import { deploymentDigest, readSiddhiApps, siddhiAppsJobPods, syncScriptPath } from "./config/siddhiApps";
import { podSecurityAdmission } from "./kube/admission";
import { reportClusterChecks } from "./kube/clusterChecks";
import { disruptionBudget } from "./kube/disruption";
import { deploymentFlows } from "./kube/networkPolicies";
import { scheduling, spManagers } from "./kube/placement";
import { keepOnDestroy, workloadSelector } from "./kube/workloads";

/**
 * The program, an async entry point: Pulumi calls it and its result is the stack's outputs
 * (docs/pulumi-runtime.md). Async because the settings are checked against the stack's last outputs,
 * which must be awaited before any resource exists.
 */
export = async () => {
    // The last deploy's outputs come first: the settings check compares where its volumes were with
    // where the settings put them (config/settings/previous.ts: a read, which registers nothing).
    const previous = await readPreviousDeployment();
    // Everything that can be wrong with the input is found here, before the first resource exists.
    const settings = loadSettings(previous);
    // Each NFS volume's export, as its volume was named from it (config/settings/nfs.ts).
    const placements = placeVolumes(settings, previous);
    const placement = (key: string) => placements.find((volume) => volume.key === key)!;
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

    // What preview shows about settings that are valid but leave the deployment open, or a step half done (config/settings).
    settings.warnings.forEach((message) => void pulumi.log.warn(message));

    const registry = settings.imageRegistry || (credentials.pullSecretName ? names.subscriptionRegistry : names.publicRegistry);

    // Cluster-wide and optional: it needs rights on admissionregistration.k8s.io a namespace owner may lack.
    if (settings.nfs.admissionPolicy.create) {
        new InlineNfsAdmission("inline-nfs-admission", { stackNamespace: settings.namespace, exemptNamespaces: settings.nfs.admissionPolicy.exemptNamespaces });
    }

    const protection = settings.volumeProtection;
    const siddhiFiles = new NfsVolume("siddhi-files", {
        namespace: ns,
        claimName: names.siddhiFilesClaimName,
        server: placement("siddhiFiles").server,
        path: placement("siddhiFiles").path,
        ...names.siddhiFilesVolume,
        protection,
    });
    const additionalVolumes = settings.additionalVolumes.map((volume) => ({
        volume,
        nfs: new NfsVolume(`volume-${volume.name}`, {
            namespace: ns,
            claimName: volume.name,
            server: placement(volume.name).server,
            path: placement(volume.name).path,
            size: volume.size,
            accessMode: "ReadWriteMany",
            protection,
        }),
    }));

    const mysqlData = settings.database.inCluster ? placement("mysqlData") : undefined;
    const mysql = mysqlData
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
              nfs: { server: mysqlData.server, path: mysqlData.path, protection },
              credentialsDigest: credentials.digest,
              // Its last deploy had MySQL's data claim, unless the data moves to an export meant to start empty.
              initialisedBefore: mysqlData.previous !== undefined && !(mysqlData.moved && mysqlData.confirmed === "fresh"),
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

    // A preview warns about what would leave pods pending or Ingresses unserved, where its kubeconfig
    // can read the cluster (kube/clusterChecks.ts): the Secrets the stack names but does not create, with
    // the keys the pods (and NGINX, for nodes with an Ingress) read.
    reportClusterChecks({
        namespace: settings.namespace,
        ingressClassName: settings.ingress.className,
        placement: settings.placement,
        secrets: [
            ...(settings.tls.secretName
                ? [{ name: settings.tls.secretName, keys: [...tlsFiles, ...(specs.some((spec) => spec.ingressHost !== "") ? [tlsCaFile] : [])], setting: "tls.secretName" }]
                : []),
            ...(settings.ingress.tlsSecretName ? [{ name: settings.ingress.tlsSecretName, keys: ["tls.crt", "tls.key"], setting: "ingress.tlsSecretName" }] : []),
        ],
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
    // Every SP node updates after the in-cluster MySQL (its StatefulSet's update ends once its pod is
    // ready): a rotated password is MySQL's before any node connects with it.
    let previousManager: SpNode | undefined;
    const spNodes = specs.map((spec) => {
        const claimMounts: ClaimMount[] = [
            ...(spec.kind === "manager"
                ? [{ volumeName: names.siddhiFilesClaimName, claimName: siddhiFiles.claimName, mountPath: siddhiFilesMountPath, overlaysProductHome: false, nfs: siddhiFiles.source }]
                : []),
            ...additionalVolumes
                .filter(({ volume }) => volume.nodes.includes(spec.kind))
                .map(({ volume, nfs }) => ({
                    volumeName: volume.name,
                    claimName: nfs.claimName,
                    mountPath: volume.mountPath ?? overlayMountPath(volume.name),
                    overlaysProductHome: volume.mountPath === undefined,
                    nfs: nfs.source,
                })),
        ];
        const node = new SpNode(spec.name, {
            namespace: ns,
            spec,
            image: image(spec.imageName),
            memory: settings.memory[spec.kind],
            cpu: settings.cpu[spec.kind],
            scheduling: scheduling(spec, settings.placement),
            rolloutAfter: spec.kind === "manager" ? (previousManager?.workload ?? mysql?.statefulSet) : mysql?.statefulSet,
            serviceAccountName: serviceAccount.metadata.name,
            imagePullSecretName: credentials.pullSecretName,
            podScriptsConfigMapName: podScripts.configMapName,
            configMounts: confsConfigMaps[spec.confs].mounts,
            claimMounts,
            ingress: { ...settings.ingress, sourceRanges: settings.exposure.sourceRanges, limits: settings.exposure.limits },
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
    const outputs = {
        namespace: ns,
        /** The apps of the Siddhi apps folder, once the managers run them, and the smoke check that followed. */
        siddhiAppsDeployed: appsJob.deployedApps,
        smokeCheck: appsJob.smokeCheck,
        managerUrls: ingressHosts("manager").map((host) => `https://${host}`),
        /** The `/etc/hosts` line for clients when the ingress hosts are not in DNS. */
        etcHostsLine: pulumi
            .all(spNodes.map((node) => node.ingressAddress).filter((address) => address !== undefined))
            .apply((addresses) => {
                return `${addresses.find((address) => address) ?? "<ingress-controller-address>"} ${ingressHosts().join(" ")}`;
            }),
        claimNames: {
            siddhiFiles: siddhiFiles.claimName,
            ...Object.fromEntries(additionalVolumes.map(({ volume, nfs }) => [volume.name, nfs.claimName])),
            ...(mysql ? { mysqlData: mysql.claimName } : {}),
        },
        /**
         * Where each NFS volume lives (server, the exact path it was named from, claim), by the key of
         * nfs.confirmMove: the next run compares the settings with it, and a recorded mysqlData means
         * MySQL has initialised its data (config/settings/previous.ts).
         */
        nfsVolumes: pulumi.output(
            Object.fromEntries(
                [
                    { key: "siddhiFiles", claimName: siddhiFiles.claimName },
                    ...additionalVolumes.map(({ volume, nfs }) => ({ key: volume.name, claimName: nfs.claimName })),
                    ...(mysql ? [{ key: "mysqlData", claimName: mysql.claimName }] : []),
                ].map(({ key, claimName }) => [key, { server: placement(key).server, path: placement(key).path, claimName }]),
            ),
        ),
        /**
         * `pulumi stack output --show-secrets` shows the passwords, generated ones included. The in-cluster
         * MySQL takes them from the Secret at every start, so its data outlives a regenerated password.
         */
        adminPassword: pulumi.secret(credentials.adminPassword),
        databasePassword: pulumi.secret(credentials.databasePassword),
    };
    // Outputs that exist only with some settings are left out otherwise: an undefined output makes
    // Pulumi print a warning on every run.
    return {
        ...outputs,
        ...Object.fromEntries(ingressHosts("dashboard").map((host) => ["dashboardUrl", `https://${host}/monitoring`])),
        ...(credentials.mysqlRootPassword === undefined ? {} : { mysqlRootPassword: pulumi.secret(credentials.mysqlRootPassword) }),
    };
};
