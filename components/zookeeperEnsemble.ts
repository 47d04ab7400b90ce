import { createHash } from "crypto";
import * as appsv1 from "@pulumi/kubernetes/apps/v1";
import * as corev1 from "@pulumi/kubernetes/core/v1";
import * as policyv1 from "@pulumi/kubernetes/policy/v1";
import * as pulumi from "@pulumi/pulumi";
import { appNames } from "../config/names";
import {
    containerSecurity,
    podSecurity,
    resources,
    rolloutTimeouts,
    statefulSetIdentity,
    statefulSetSpec,
    tcpProbes,
    workloadLabels,
} from "../kube/workloads";
import { apartFrom } from "../kube/placement";

export interface ZooKeeperEnsembleArgs {
    /** Namespace of every object. */
    namespace: pulumi.Input<string>;
    /** Name of the StatefulSet and of its headless Service; the pods are `<name>-0`, `<name>-1`, …. */
    ensembleName: string;
    /**
     * One Service name per server, in server-id order (zoo1, zoo2, zoo3): the names clients and the
     * servers themselves use. Server `i` is the pod with ordinal `i - 1`.
     */
    serviceNames: readonly string[];
    /** Client, follower and leader-election ports. */
    ports: { client: number; follower: number; election: number };
    /** An image of the official `zookeeper` kind (3.5 or newer) with a pinned tag. */
    image: string;
}

/** uid of the `zookeeper` user in the official image. */
const zookeeperUserId = 1000;

/**
 * The server id from the pod's ordinal (`zookeeper-1` is server 2), exported for the image's
 * `docker-entrypoint.sh`, which writes it to `myid` on first start; the rest of the command line
 * (`$@`) is the image's own entrypoint and command.
 */
const serverIdScript = 'export ZOO_MY_ID=$(( ${POD_NAME##*-} + 1 )) && exec "$@"';

/**
 * Ready means serving: a server answers `srvr` with its `Mode:` only once it has joined a quorum
 * and synced the data from the leader, so an update moves on to the next server only when the
 * ensemble holds every node again. Bash's /dev/tcp avoids depending on the image's netcat variant.
 */
const servingScript = (clientPort: number) => `exec 3<>/dev/tcp/127.0.0.1/${clientPort} && printf srvr >&3 && grep -q '^Mode: ' <&3`;

/**
 * The evaluation ZooKeeper ensemble: one StatefulSet of three servers on emptyDir, which hold the
 * ensemble's state (Kafka's cluster id, brokers and topics, SP's topic assignments) only as long as
 * a quorum of them keeps it. So no change may take more than one server away at a time:
 *
 * - an image bump (or any change of the pod template) rolls one server at a time, the next only
 *   once the replaced one serves again (readiness above), having copied the data from the others;
 * - a drain evicts at most one server at a time (PodDisruptionBudget), and the servers prefer
 *   different nodes, so one node failure takes at most one;
 * - the first start brings all three up at once (`Parallel`): none is ready before a quorum is.
 *   The price: Kubernetes then checks only the servers an update has already replaced, so an update
 *   started while a server is down can take a second one (`kubectl get pods` first).
 *
 * What does lose the state, a replacement of the StatefulSet (another namespace or a change of a
 * field Kubernetes cannot update) or another server list, changes `identity`, which Kafka carries
 * in its pod template so that its broker starts afresh on the new ensemble (see Kafka).
 *
 * Each server listens on every address (`quorumListenOnAllIPs`) rather than on the address its
 * own Service name resolves to, which is not in DNS until its pod exists. The per-server Services
 * `zoo1`..`zoo3` keep the names SP's configuration and Kafka use.
 */
export class ZooKeeperEnsemble extends pulumi.ComponentResource {
    /** `host:port,…` for clients. */
    public readonly connect: string;
    /** Changes exactly when a change of the program starts the ensemble from empty state. */
    public readonly identity: string;

    constructor(name: string, args: ZooKeeperEnsembleArgs, opts?: pulumi.ComponentResourceOptions) {
        super("wso2sp:deps:ZooKeeperEnsemble", name, {}, opts);

        const { client, follower, election } = args.ports;
        const servers = args.serviceNames.map((host, index) => `server.${index + 1}=${host}:${follower}:${election};${client}`).join(" ");
        const { selector, labels } = workloadLabels(appNames.zookeeper, args.ensembleName, "zookeeper", args.image);
        const servicePorts = [
            { name: "client", port: client, targetPort: client, protocol: "TCP" },
            { name: "follower", port: follower, targetPort: follower, protocol: "TCP" },
            { name: "election", port: election, targetPort: election, protocol: "TCP" },
        ];
        // Servers must find each other before any of them is ready.
        const headless = { clusterIP: "None", publishNotReadyAddresses: true, ports: servicePorts };

        new corev1.Service(
            name,
            { metadata: { name: args.ensembleName, namespace: args.namespace, labels }, spec: { ...headless, selector } },
            { parent: this },
        );
        args.serviceNames.forEach((serviceName, index) => {
            new corev1.Service(
                `${name}-${serviceName}`,
                {
                    metadata: { name: serviceName, namespace: args.namespace, labels },
                    spec: { ...headless, selector: { ...selector, "statefulset.kubernetes.io/pod-name": `${args.ensembleName}-${index}` } },
                },
                { parent: this },
            );
        });

        const spec = statefulSetSpec({
            replicas: args.serviceNames.length,
            serviceName: args.ensembleName,
            parallelStart: true,
            selector,
            labels,
            pod: {
                securityContext: podSecurity(zookeeperUserId),
                affinity: apartFrom(selector, "preferred"),
                containers: [
                    {
                        name: "zookeeper",
                        image: args.image,
                        command: ["bash", "-c", serverIdScript, "zookeeper-server-id"],
                        // The image's ENTRYPOINT and CMD (docker-library zookeeper 3.8 Dockerfile).
                        args: ["/docker-entrypoint.sh", "zkServer.sh", "start-foreground"],
                        env: [
                            { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
                            { name: "ZOO_SERVERS", value: servers },
                            // docker-entrypoint.sh appends each word to zoo.cfg.
                            { name: "ZOO_CFG_EXTRA", value: "quorumListenOnAllIPs=true" },
                            // What the readiness probe asks; the entrypoint writes it to zoo.cfg.
                            { name: "ZOO_4LW_COMMANDS_WHITELIST", value: "srvr" },
                            // Heap in MB; the image's default of 1000 would not fit the memory limit.
                            { name: "ZK_SERVER_HEAP", value: "256" },
                        ],
                        ports: [client, follower, election].map((containerPort) => ({ containerPort, protocol: "TCP" })),
                        resources: resources("512Mi", "100m"),
                        ...tcpProbes(client, 120),
                        readinessProbe: { exec: { command: ["bash", "-c", servingScript(client)] }, periodSeconds: 5, timeoutSeconds: 5, failureThreshold: 2 },
                        securityContext: containerSecurity,
                        volumeMounts: [
                            { name: "data", mountPath: "/data" },
                            { name: "datalog", mountPath: "/datalog" },
                        ],
                    },
                ],
                // Evaluation only: a replaced server copies the state from the other two.
                volumes: [
                    { name: "data", emptyDir: {} },
                    { name: "datalog", emptyDir: {} },
                ],
            },
        });
        new appsv1.StatefulSet(
            name,
            { metadata: { name: args.ensembleName, namespace: args.namespace, labels }, spec },
            { parent: this, customTimeouts: rolloutTimeouts },
        );

        // Voluntary disruptions (drains) take one server at a time, so two always keep the quorum.
        new policyv1.PodDisruptionBudget(
            name,
            { metadata: { name: args.ensembleName, namespace: args.namespace, labels }, spec: { maxUnavailable: 1, selector: { matchLabels: selector } } },
            { parent: this },
        );

        this.connect = args.serviceNames.map((host) => `${host}:${client}`).join(",");
        // The namespace is left out: Kafka lives in the same one, so moving it replaces Kafka too.
        this.identity = createHash("sha256")
            .update(JSON.stringify({ ...statefulSetIdentity(args.ensembleName, spec), servers }))
            .digest("hex")
            .slice(0, 16);
        this.registerOutputs({ connect: this.connect, identity: this.identity });
    }
}
