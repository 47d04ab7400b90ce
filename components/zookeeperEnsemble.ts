import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { appNames } from "../config/names";
import { containerSecurity, deploymentSpec, podSecurity, resources, rolloutTimeouts, tcpProbes, workloadLabels } from "../kube/workloads";

export interface ZooKeeperEnsembleArgs {
    /** Namespace of every object. */
    namespace: pulumi.Input<string>;
    /** One Service name per server, in server-id order (zoo1, zoo2, zoo3). */
    serviceNames: readonly string[];
    /** Client, follower and leader-election ports. */
    ports: { client: number; follower: number; election: number };
    /** An image of the official `zookeeper` kind with a pinned tag. */
    image: string;
}

/** uid of the `zookeeper` user in the official image. */
const zookeeperUserId = 1000;

/**
 * The evaluation ZooKeeper ensemble: one Deployment and one headless Service per server, so each
 * server's name resolves to its own pod and it can bind its quorum ports on it.
 */
export class ZooKeeperEnsemble extends pulumi.ComponentResource {
    /** `host:port,…` for clients. */
    public readonly connect: string;

    constructor(name: string, args: ZooKeeperEnsembleArgs, opts?: pulumi.ComponentResourceOptions) {
        super("wso2sp:deps:ZooKeeperEnsemble", name, {}, opts);

        const { client, follower, election } = args.ports;
        const servers = args.serviceNames.map((host, index) => `server.${index + 1}=${host}:${follower}:${election};${client}`).join(" ");

        args.serviceNames.forEach((serviceName, index) => {
            const { selector, labels } = workloadLabels(appNames.zookeeper, serviceName, "zookeeper", args.image);
            new k8s.apps.v1.Deployment(
                `${name}-${serviceName}`,
                {
                    metadata: { name: serviceName, namespace: args.namespace, labels },
                    spec: deploymentSpec({
                        replicas: 1,
                        singleton: true,
                        selector,
                        labels,
                        pod: {
                            securityContext: podSecurity(zookeeperUserId),
                            containers: [
                                {
                                    name: "zookeeper",
                                    image: args.image,
                                    env: [
                                        { name: "ZOO_MY_ID", value: String(index + 1) },
                                        { name: "ZOO_SERVERS", value: servers },
                                        // Heap in MB; the image's default of 1000 would not fit the memory limit.
                                        { name: "ZK_SERVER_HEAP", value: "256" },
                                    ],
                                    ports: [client, follower, election].map((containerPort) => ({ containerPort, protocol: "TCP" })),
                                    resources: resources("512Mi", "100m"),
                                    ...tcpProbes(client, 120),
                                    securityContext: containerSecurity,
                                    volumeMounts: [
                                        { name: "data", mountPath: "/data" },
                                        { name: "datalog", mountPath: "/datalog" },
                                    ],
                                },
                            ],
                            // Evaluation only: the ensemble rebuilds its state from Kafka and SP on restart.
                            volumes: [
                                { name: "data", emptyDir: {} },
                                { name: "datalog", emptyDir: {} },
                            ],
                        },
                    }),
                },
                { parent: this, customTimeouts: rolloutTimeouts },
            );
            new k8s.core.v1.Service(
                `${name}-${serviceName}`,
                {
                    metadata: { name: serviceName, namespace: args.namespace, labels },
                    spec: {
                        clusterIP: "None",
                        // Servers must find each other before any of them is ready.
                        publishNotReadyAddresses: true,
                        selector,
                        ports: [
                            { name: "client", port: client, targetPort: client, protocol: "TCP" },
                            { name: "follower", port: follower, targetPort: follower, protocol: "TCP" },
                            { name: "election", port: election, targetPort: election, protocol: "TCP" },
                        ],
                    },
                },
                { parent: this },
            );
        });

        this.connect = args.serviceNames.map((host) => `${host}:${client}`).join(",");
        this.registerOutputs({ connect: this.connect });
    }
}
