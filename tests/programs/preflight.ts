/**
 * An SpNode (with NFS claims and a keystore Secret) and a MySQL-style preflight Job, their
 * arguments from the settings `node` and `mysql`: the emitted preflight objects under mocks, with
 * exports of any form (tests/preflight.test.ts).
 */
import * as corev1 from "@pulumi/kubernetes/core/v1";
import * as pulumi from "@pulumi/pulumi";
import { SpNode, type SpNodeArgs } from "../../components/spNode";
import { preflightJob, type PreflightVolume } from "../../kube/preflight";

const config = new pulumi.Config();
const node = config.requireObject<SpNodeArgs>("node");
// The claims as index.ts makes them: outputs of PersistentVolumeClaims.
const claim = (claimName: string) =>
    new corev1.PersistentVolumeClaim(claimName, { metadata: { name: claimName, namespace: node.namespace }, spec: { volumeName: `pv-${claimName}` } }).metadata.name;
new SpNode(node.spec.name, { ...node, claimMounts: node.claimMounts.map((mount) => ({ ...mount, claimName: claim(mount.claimName as string) })) });

const mysql = config.getObject<{ image: string; volume: PreflightVolume }>("mysql");
if (mysql) {
    preflightJob(
        "mysql",
        { namespace: node.namespace, workload: "sp-rdbms", image: mysql.image, userId: 999, check: { volume: { ...mysql.volume, claimName: claim(mysql.volume.claimName as string) } } },
        {},
    );
}
