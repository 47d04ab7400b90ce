/** Cross-setting rules of `kafka`: the in-cluster broker or an external one, never a mix. */
import type { CrossCheck } from "./checks";
import { imageReferencePattern } from "../image";

export function kafkaProblems({ settings, changed, unused, problems }: CrossCheck): void {
    const { kafka, zookeeper } = settings;
    if (kafka?.inCluster === true) {
        if (changed("kafka", "bootstrapServers")) unused(["kafka", "bootstrapServers"], "kafka.inCluster is true");
        if (kafka.image !== undefined) {
            const why = kafkaImageProblem(kafka.image);
            if (why) problems.push({ path: ["kafka", "image"], message: why });
        }
    }
    if (kafka?.inCluster === false) {
        if (changed("kafka", "image")) unused(["kafka", "image"], "kafka.inCluster is false");
        if (kafka.bootstrapServers === "") {
            problems.push({ path: ["kafka", "bootstrapServers"], message: "is required when kafka.inCluster is false" });
        }
        // The manager creates topics through ZooKeeper (Kafka 0.10 admin API): it must be the external Kafka's own ensemble.
        if (zookeeper?.inCluster === true) {
            problems.push({
                path: ["zookeeper", "inCluster"],
                message: "must be false when kafka.inCluster is false: SP creates topics through the ZooKeeper ensemble of that Kafka, so set zookeeper.connect to it",
                fix: "pulumi config set --path zookeeper.inCluster false && pulumi config set --path zookeeper.connect zk-1.example.com:2181,zk-2.example.com:2181",
            });
        }
    }
}

/**
 * The in-cluster Kafka is configured through Confluent's `KAFKA_*` environment in ZooKeeper mode
 * (components/kafka.ts), and SP's Kafka 0.10 admin client needs ZooKeeper: Confluent 8 (Kafka 4)
 * dropped ZooKeeper, and the apache/kafka images run KRaft only.
 */
function kafkaImageProblem(image: string): string | undefined {
    const match = imageReferencePattern.exec(image);
    const repository = match?.groups?.repository ?? "";
    const tag = match?.groups?.tag;
    if (!/(^|\/)cp-kafka$/.test(repository)) {
        return "must be a confluentinc/cp-kafka image (7.x or older): the in-cluster broker is configured the Confluent way, in ZooKeeper mode";
    }
    const major = tag === undefined ? undefined : Number(/^v?(\d+)/.exec(tag)?.[1]);
    if (major !== undefined && major >= 8) {
        return "is Confluent 8 or later (Kafka 4), which has no ZooKeeper mode; SP's Kafka 0.10 client creates topics through ZooKeeper: use 7.x";
    }
    return undefined;
}
