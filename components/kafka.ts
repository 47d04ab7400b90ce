import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { appNames } from "../config/names";
import { containerSecurity, deploymentSpec, podSecurity, resources, rolloutTimeouts, tcpProbes, workloadLabels } from "../kube/workloads";

export interface KafkaArgs {
    /** Namespace of every object. */
    namespace: pulumi.Input<string>;
    /** Service name, also the host the broker advertises. */
    serviceName: string;
    port: number;
    /** ZooKeeper `host:port,…` the broker registers with. */
    zookeeperConnect: string;
    /** A `confluentinc/cp-kafka` image (ZooKeeper mode, 7.x) with a pinned tag. */
    image: string;
}

/** uid of `appuser` in the Confluent images. */
const kafkaUserId = 1000;

/**
 * The evaluation Kafka: one broker behind a Service whose name it advertises. The image's own
 * start script waits (bounded) for ZooKeeper before the broker starts.
 */
export class Kafka extends pulumi.ComponentResource {
    /** `host:port` for clients. */
    public readonly bootstrapServers: string;

    constructor(name: string, args: KafkaArgs, opts?: pulumi.ComponentResourceOptions) {
        super("wso2sp:deps:Kafka", name, {}, opts);

        const { selector, labels } = workloadLabels(appNames.kafka, args.serviceName, "kafka", args.image);
        this.bootstrapServers = `${args.serviceName}:${args.port}`;

        new k8s.apps.v1.Deployment(
            name,
            {
                metadata: { name: args.serviceName, namespace: args.namespace, labels },
                spec: deploymentSpec({
                    replicas: 1,
                    singleton: true,
                    selector,
                    labels,
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
            { parent: this, customTimeouts: rolloutTimeouts },
        );

        new k8s.core.v1.Service(
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
