import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { commonLabels } from "../config/names";

export interface NfsVolumeArgs {
    /** Namespace of the claim. */
    namespace: pulumi.Input<string>;
    /** Name of the claim that pods mount; the PersistentVolume is named `<namespace>-<claimName>`. */
    claimName: string;
    /** NFS server: IPv4, IPv6 or DNS name. */
    server: string;
    /** Absolute export path on the server. */
    path: string;
    /** Capacity, as a Kubernetes quantity (1Gi). */
    size: string;
    /** ReadWriteMany for volumes that several pods share, ReadWriteOnce for a single writer. */
    accessMode: "ReadWriteMany" | "ReadWriteOnce";
    /**
     * What `pulumi destroy` does: `retainOnDelete` leaves volume and claim in the cluster,
     * `protect` refuses to delete them. The data on the server survives either way (reclaim Retain).
     */
    protection: "retainOnDelete" | "protect";
    /** Labels added to both objects. */
    labels?: Record<string, string>;
}

/**
 * An NFS export as a PersistentVolume and the one claim bound to it: each names the other
 * (`claimRef` and `volumeName`), so a claim can never bind another volume of the same size.
 */
export class NfsVolume extends pulumi.ComponentResource {
    public readonly claimName: pulumi.Output<string>;
    public readonly volumeName: pulumi.Output<string>;

    constructor(name: string, args: NfsVolumeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("wso2sp:storage:NfsVolume", name, {}, opts);

        const labels = { ...commonLabels, "app.kubernetes.io/component": "storage", ...args.labels };
        const keep: pulumi.CustomResourceOptions =
            args.protection === "protect" ? { parent: this, protect: true } : { parent: this, retainOnDelete: true };
        const volumeName = pulumi.interpolate`${args.namespace}-${args.claimName}`;

        const volume = new k8s.core.v1.PersistentVolume(
            name,
            {
                metadata: { name: volumeName, labels },
                spec: {
                    capacity: { storage: args.size },
                    accessModes: [args.accessMode],
                    persistentVolumeReclaimPolicy: "Retain",
                    storageClassName: "",
                    nfs: { server: args.server, path: args.path },
                    claimRef: { namespace: args.namespace, name: args.claimName },
                },
            },
            keep,
        );

        const claim = new k8s.core.v1.PersistentVolumeClaim(
            name,
            {
                metadata: { name: args.claimName, namespace: args.namespace, labels },
                spec: {
                    accessModes: [args.accessMode],
                    resources: { requests: { storage: args.size } },
                    storageClassName: "",
                    volumeName: volume.metadata.name,
                },
            },
            keep,
        );

        this.claimName = claim.metadata.name;
        this.volumeName = volume.metadata.name;
        this.registerOutputs({ claimName: this.claimName, volumeName: this.volumeName });
    }
}
