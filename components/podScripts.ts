import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as corev1 from "@pulumi/kubernetes/core/v1";
import * as pulumi from "@pulumi/pulumi";
import { commonLabels } from "../config/names";

export interface PodScriptsArgs {
    /** Namespace of the ConfigMap. */
    namespace: pulumi.Input<string>;
    /** Directory whose files become the ConfigMap's keys (`pod-scripts/`). */
    directory: string;
}

/**
 * The shell scripts SP pods run (start, stop, wait for a dependency) as one immutable ConfigMap
 * named from its content: a changed script rolls every pod that mounts it.
 */
export class PodScripts extends pulumi.ComponentResource {
    /** The ConfigMap's name; using it makes a Deployment wait for the ConfigMap. */
    public readonly configMapName: pulumi.Output<string>;

    constructor(name: string, args: PodScriptsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("wso2sp:config:PodScripts", name, {}, opts);

        const files = fs.readdirSync(args.directory).filter((file) => file.endsWith(".sh")).sort();
        const data = Object.fromEntries(files.map((file) => [file, fs.readFileSync(path.join(args.directory, file), "utf8")]));
        const digest = createHash("sha256").update(JSON.stringify(data)).digest("hex").slice(0, 10);
        const configMap = new corev1.ConfigMap(
            name,
            {
                metadata: { name: `wso2sp-pod-scripts-${digest}`, namespace: args.namespace, labels: { ...commonLabels, "app.kubernetes.io/component": "pod-scripts" } },
                immutable: true,
                data,
            },
            { parent: this },
        );
        this.configMapName = configMap.metadata.name;
        this.registerOutputs({ configMapName: this.configMapName });
    }
}
