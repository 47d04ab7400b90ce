import * as corev1 from "@pulumi/kubernetes/core/v1";
import * as pulumi from "@pulumi/pulumi";
import { commonLabels, nfsClaimName } from "../config/names";
import { keepOnDestroy } from "../kube/workloads";

export interface NfsVolumeArgs {
    /** Namespace of the claim. */
    namespace: pulumi.Input<string>;
    /**
     * Base name of the claim that pods mount. The claim is named `<claimName>-<hash of the NFS
     * source and size>` and the PersistentVolume `<namespace>-<claim>`.
     */
    claimName: string;
    /** NFS server: IPv4, IPv6 or DNS name. */
    server: string;
    /**
     * Absolute export path on the server, as the volume was first named from it: a stack deployed
     * with an untidy path (`/exports/x/`) keeps it, so its volume and claim are not replaced.
     */
    path: string;
    /** Capacity, as a Kubernetes quantity (1Gi). */
    size: string;
    /** ReadWriteMany for volumes that several pods share, ReadWriteOnce for a single writer. */
    accessMode: "ReadWriteMany" | "ReadWriteOnce";
    /**
     * What `pulumi destroy` (or moving the volume) does with the old objects: `retainOnDelete`
     * leaves volume and claim in the cluster, `protect` refuses to delete them. The data on the
     * server survives either way (reclaim Retain).
     */
    protection: "retainOnDelete" | "protect";
    /** Labels added to both objects. */
    labels?: Record<string, string>;
}

/**
 * An NFS export as a PersistentVolume and the one claim bound to it: each names the other
 * (`claimRef` and `volumeName`), so a claim can never bind another volume of the same size.
 * Kubernetes cannot change a volume's source or a bound claim's size, so both are named from
 * them: another server, path or size gives a new volume and claim, the pods roll over to it, and
 * the old pair is deleted, left (retainOnDelete) or kept (protect, which stops the update).
 */
export class NfsVolume extends pulumi.ComponentResource {
    public readonly claimName: pulumi.Output<string>;
    public readonly volumeName: pulumi.Output<string>;
    /** The export behind the claim, as the pods' preflight checks name it. */
    public readonly source: { server: string; path: string };

    constructor(name: string, args: NfsVolumeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("wso2sp:storage:NfsVolume", name, {}, opts);

        const labels = { ...commonLabels, "app.kubernetes.io/component": "storage", ...args.labels };
        const keep = { parent: this, ...keepOnDestroy(args.protection) };
        const claimName = nfsClaimName(args.claimName, args);
        const volumeName = pulumi.interpolate`${args.namespace}-${claimName}`;

        const volume = new corev1.PersistentVolume(
            name,
            {
                metadata: { name: volumeName, labels },
                spec: {
                    capacity: { storage: args.size },
                    accessModes: [args.accessMode],
                    persistentVolumeReclaimPolicy: "Retain",
                    storageClassName: "",
                    nfs: { server: args.server, path: args.path },
                    claimRef: { namespace: args.namespace, name: claimName },
                },
            },
            keep,
        );

        const claim = new corev1.PersistentVolumeClaim(
            name,
            {
                metadata: { name: claimName, namespace: args.namespace, labels },
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
        this.source = { server: args.server, path: args.path };
        this.registerOutputs({ claimName: this.claimName, volumeName: this.volumeName });
    }
}
