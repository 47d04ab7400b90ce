/** Cross-setting rules of `zookeeper`: the in-cluster ensemble or an external one, never a mix. */
import type { CrossCheck } from "./checks";
import { imageReferencePattern } from "../image";

export function zookeeperProblems({ settings, changed, unused, problems }: CrossCheck): void {
    const { zookeeper } = settings;
    if (zookeeper?.inCluster === true && changed("zookeeper", "connect")) {
        unused(["zookeeper", "connect"], "zookeeper.inCluster is true");
    }
    if (zookeeper?.inCluster === true && zookeeper.image !== undefined) {
        const why = zookeeperImageProblem(zookeeper.image);
        if (why) problems.push({ path: ["zookeeper", "image"], message: why });
    }
    if (zookeeper?.inCluster === false) {
        if (changed("zookeeper", "image")) unused(["zookeeper", "image"], "zookeeper.inCluster is false");
        if (zookeeper.connect === "") {
            problems.push({ path: ["zookeeper", "connect"], message: "is required when zookeeper.inCluster is false" });
        }
    }
}

/**
 * The in-cluster ensemble is configured the way the official `zookeeper` image reads it
 * (ZOO_SERVERS in the 3.5 form with `;<client port>`, ZOO_CFG_EXTRA; components/zookeeperEnsemble.ts).
 */
function zookeeperImageProblem(image: string): string | undefined {
    const match = imageReferencePattern.exec(image);
    if (!/(^|\/)zookeeper$/.test(match?.groups?.repository ?? "")) {
        return "must be an image of the official zookeeper kind (repository …/zookeeper, 3.5 or newer): the in-cluster ensemble is configured through its ZOO_* environment";
    }
    const version = /^(\d+)\.(\d+)/.exec(match?.groups?.tag ?? "");
    if (version !== null && (Number(version[1]) < 3 || (Number(version[1]) === 3 && Number(version[2]) < 5))) {
        return "is older than ZooKeeper 3.5, whose server list format (ZOO_SERVERS with ;<client port>) the in-cluster ensemble uses";
    }
    return undefined;
}
