import * as corev1 from "@pulumi/kubernetes/core/v1";
import * as pulumi from "@pulumi/pulumi";
import type { ConfDirectory, ConfNode } from "../config/confs";
import { commonLabels } from "../config/names";

/** A ConfigMap as a pod mounts it. */
export interface ConfigMapMount {
    /** Pod volume name. */
    volumeName: string;
    /** Absolute path in the container. */
    mountPath: string;
    /** The ConfigMap's name; using it makes the Deployment wait for the ConfigMap. */
    configMapName: pulumi.Output<string>;
}

export interface ConfsConfigMapsArgs {
    /** Namespace of the ConfigMaps. */
    namespace: pulumi.Input<string>;
    /** The node kind whose tree this is: manager, worker or dashboard. */
    node: ConfNode;
    /** The directories of `confs/<node>/` that hold files, as read by `readConfTree`. */
    directories: ConfDirectory[];
}

/**
 * One immutable ConfigMap per directory of `confs/<node>/`, named from its content: a changed
 * file gives a new name, the Deployments that mount it roll, and the old ConfigMap is deleted
 * once nothing uses it. No undeploy, no hand edit.
 */
export class ConfsConfigMaps extends pulumi.ComponentResource {
    /** How pods mount each ConfigMap, in the order of `directories`. */
    public readonly mounts: ConfigMapMount[];

    constructor(name: string, args: ConfsConfigMapsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("wso2sp:config:ConfsConfigMaps", name, {}, opts);

        const labels = { ...commonLabels, "app.kubernetes.io/component": args.node };
        this.mounts = args.directories.map((directory) => {
            // The logical name follows the directory, so a content change is a replacement of the
            // same resource (created before the old one is deleted), not a new resource.
            const configMap = new corev1.ConfigMap(
                `${name}:${directory.relativeDir || "."}`,
                {
                    metadata: { name: directory.configMapName, namespace: args.namespace, labels },
                    immutable: true,
                    data: directory.data,
                    binaryData: directory.binaryData,
                },
                { parent: this },
            );
            return { volumeName: directory.volumeName, mountPath: directory.mountPath, configMapName: configMap.metadata.name };
        });
        this.registerOutputs({ configMapNames: this.mounts.map((mount) => mount.configMapName) });
    }
}
