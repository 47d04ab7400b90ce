/** Cross-setting rules of `networkPolicies`. */
import type { CrossCheck } from "./checks";
import { examples, setCommand } from "./problems";

/** A NetworkPolicy can only admit addresses: each external dependency needs the CIDRs of its hosts. */
export function externalCidrsProblems({ settings, problems }: CrossCheck): void {
    if (settings.networkPolicies?.enabled !== true) {
        return;
    }
    const external = [
        { key: "database", inCluster: settings.database?.inCluster, hosts: settings.database?.host },
        { key: "kafka", inCluster: settings.kafka?.inCluster, hosts: settings.kafka?.bootstrapServers },
        { key: "zookeeper", inCluster: settings.zookeeper?.inCluster, hosts: settings.zookeeper?.connect },
    ] as const;
    const missing = external
        .filter(({ key, inCluster }) => inCluster === false && settings.networkPolicies?.externalCidrs?.[key]?.length === 0)
        .map(({ key, hosts }) => ({
            path: ["networkPolicies", "externalCidrs", key],
            message:
                `is required when ${key}.inCluster is false and networkPolicies.enabled is true: a NetworkPolicy cannot name ${hosts || "a DNS host"}, ` +
                "so list the CIDRs of its addresses (or set networkPolicies.enabled false where no network plugin enforces policies)",
            fix: setCommand(["networkPolicies", "externalCidrs", key, 0], examples[`networkPolicies.externalCidrs.${key}`]),
        }));
    problems.push(...missing);
}

/** The CIDRs of an external dependency are ignored while it runs in the cluster. */
export function unusedExternalCidrs({ settings, changed, unused }: CrossCheck): void {
    for (const key of ["database", "kafka", "zookeeper"] as const) {
        if (settings[key]?.inCluster === true && changed("networkPolicies", "externalCidrs", key)) {
            unused(["networkPolicies", "externalCidrs", key], `${key}.inCluster is true`);
        }
    }
}

/** Without NetworkPolicies every pod of the cluster reaches what SP 4.4.0 cannot protect itself. */
export function networkPoliciesWarnings({ settings, warn }: CrossCheck): void {
    if (settings.networkPolicies?.enabled !== false) {
        return;
    }
    const names = { database: "MySQL", kafka: "Kafka", zookeeper: "ZooKeeper" } as const;
    const inCluster = (["database", "kafka", "zookeeper"] as const).filter((key) => settings[key]?.inCluster === true).map((key) => names[key]);
    warn(
        ["networkPolicies", "enabled"],
        "is false: every pod of the cluster reaches every SP node's HTTPS API and event receivers" +
            (inCluster.length > 0 ? `, and the in-cluster ${inCluster.join(", ")}` : "") +
            ", and SP 4.4.0 talks to Kafka and ZooKeeper without TLS or authentication (README, Network policies). " +
            "Keep it false only on a cluster whose network plugin enforces no NetworkPolicy",
        "pulumi config set --path networkPolicies.enabled true",
    );
}
