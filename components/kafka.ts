import * as appsv1 from "@pulumi/kubernetes/apps/v1";
import * as corev1 from "@pulumi/kubernetes/core/v1";
import * as pulumi from "@pulumi/pulumi";
import { appNames } from "../config/names";
import { containerSecurity, podSecurity, resources, rolloutTimeouts, statefulSetSpec, tcpProbes, workloadLabels } from "../kube/workloads";

export interface KafkaArgs {
    /** Namespace of every object. */
    namespace: pulumi.Input<string>;
    /** Service name, also the host the broker advertises. */
    serviceName: string;
    port: number;
    /** ZooKeeper `host:port,…` the broker registers with. */
    zookeeperConnect: string;
    /**
     * A value that changes whenever the ensemble behind `zookeeperConnect` starts from empty state:
     * the in-cluster ensemble's `identity`, or the external connect string.
     */
    zookeeperIdentity: string;
    /** A `confluentinc/cp-kafka` image (ZooKeeper mode, 7.x) with a pinned tag. */
    image: string;
}

/** uid of `appuser` in the Confluent images. */
const kafkaUserId = 1000;

/** Pod annotation carrying the ZooKeeper ensemble's identity. */
export const zookeeperIdentityAnnotation = "wso2sp/zookeeper-ensemble";

/**
 * The evaluation Kafka: one broker behind a Service whose name it advertises. The image's own
 * start script waits (bounded) for ZooKeeper before the broker starts.
 *
 * The broker's data dir (emptyDir) records the cluster id of the ensemble it first registered
 * with, and survives container restarts: a broker restarted against an ensemble that started
 * afresh refuses to start (InconsistentClusterIdException) for as long as its pod lives. So the
 * pod template carries the ensemble's identity, and a new ensemble replaces the pod, and with it
 * the data dir; the caller orders this after the ensemble is ready (dependsOn). Any other change
 * of the pod (image, memory) or a drain also gives the broker an empty data dir, which is safe:
 * it takes the cluster id from the ensemble, which kept it. A StatefulSet, because two pods of
 * broker id 1 must not overlap (see statefulSetSpec).
 */
export class Kafka extends pulumi.ComponentResource {
    /** `host:port` for clients. */
    public readonly bootstrapServers: string;

    constructor(name: string, args: KafkaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("wso2sp:deps:Kafka", name, {}, opts);

        const { selector, labels } = workloadLabels(appNames.kafka, args.serviceName, "kafka", args.image);
        this.bootstrapServers = `${args.serviceName}:${args.port}`;

        new appsv1.StatefulSet(
            name,
            {
                metadata: { name: args.serviceName, namespace: args.namespace, labels },
                spec: statefulSetSpec({
                    replicas: 1,
                    // The broker needs no DNS name of its own: its clients' Service governs the set.
                    serviceName: args.serviceName,
                    parallelStart: false,
                    selector,
                    labels,
                    podAnnotations: { [zookeeperIdentityAnnotation]: args.zookeeperIdentity },
                    pod: {
                        securityContext: podSecurity(kafkaUserId),
                        containers: [
                            {
                                name: "kafka",
                                image: args.image,
                                env: [
                                    { name: "KAFKA_BROKER_ID", value: "1" },
                                    { name: "KAFKA_ZOOKEEPER_CONNECT", value: args.zookeeperConnect },
                                    { name: "KAFKA_LISTENERS", value: `PLAINTEXT://0.0.0.0:${args.port}` },
                                    { name: "KAFKA_ADVERTISED_LISTENERS", value: `PLAINTEXT://${this.bootstrapServers}` },
                                    // A single broker cannot replicate its internal topics.
                                    { name: "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR", value: "1" },
                                    { name: "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR", value: "1" },
                                    { name: "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR", value: "1" },
                                    // The image's default 1 GiB heap alone would fill the memory limit.
                                    { name: "KAFKA_HEAP_OPTS", value: "-Xms512m -Xmx512m" },
                                ],
                                ports: [{ containerPort: args.port, protocol: "TCP" }],
                                resources: resources("1Gi", "250m"),
                                ...tcpProbes(args.port, 300),
                                securityContext: containerSecurity,
                                volumeMounts: [{ name: "data", mountPath: "/var/lib/kafka/data" }],
                            },
                        ],
                        // Evaluation only: SP's topics are transient.
                        volumes: [{ name: "data", emptyDir: {} }],
                    },
                }),
            },
            {
                parent: this,
                customTimeouts: rolloutTimeouts,
                // It was a Deployment of the same name: Pulumi replaces it (deleting the old one first,
                // as the name stays) instead of running both.
                aliases: [{ type: "kubernetes:apps/v1:Deployment" }],
            },
        );

        new corev1.Service(
            name,
            {
                metadata: { name: args.serviceName, namespace: args.namespace, labels },
                spec: { selector, ports: [{ name: "kafka", port: args.port, targetPort: args.port, protocol: "TCP" }] },
            },
            { parent: this },
        );

        this.registerOutputs({ bootstrapServers: this.bootstrapServers });
    }
}
