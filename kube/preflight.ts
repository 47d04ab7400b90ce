import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as batchv1 from "@pulumi/kubernetes/batch/v1";
import type * as inputs from "@pulumi/kubernetes/types/input";
import * as pulumi from "@pulumi/pulumi";
import { containerSecurity, podSecurity, resources, workloadLabels } from "./workloads";

/**
 * Preflight checks run as one Job per mounted volume (and one per TLS Secret), which the workload
 * that mounts it waits for, rather than as init containers of the workload:
 * - an export that cannot be mounted leaves the pod in ContainerCreating, where no container (init
 *   or not) runs. Inside a Deployment that shows only when the Deployment's own await ends
 *   (`rolloutTimeouts`, 30 minutes, sized for a JVM chain start). A Job is awaited on its own, with
 *   the short `preflightTimeouts`, so such an export ends `pulumi up` within minutes, and the
 *   error names the Job's logical name, which carries the volume and the NFS server:path;
 * - a Job that fails ends the update at once with the script's termination message (the message
 *   naming the fix), where a failing init container only restarts in back-off until that 30-minute
 *   await gives up;
 * - one Job per volume: a timeout names the one export that did not mount.
 * The check runs once per claim, image and script (a new name for each, as a Job's pod template
 * cannot change); a pod that starts later on a changed export is not checked again. The facts
 * relied on (users, tools in the images, keys) are in docs/preflight.md.
 */

/** The script (pod-scripts/jobs/preflight.sh), passed inline: no ConfigMap to wait for. */
const scriptFile = path.join(__dirname, "..", "pod-scripts", "jobs", "preflight.sh");

/**
 * How long `pulumi up` waits for a preflight Job. The check itself takes a second or two; what
 * fills the rest is pulling the workload's image on a node that does not have it yet (the SP
 * images are large), which comes on top. README, Troubleshooting, maps a timeout to its causes.
 */
export const preflightTimeouts = { create: "5m", update: "5m" };

/**
 * The Job's own deadline, within `preflightTimeouts`: a pod still pending (an export that cannot be
 * mounted) is stopped and the Job marked failed (DeadlineExceeded) in the cluster too, so nothing
 * is left waiting after `pulumi up` gave up.
 */
const activeDeadlineSeconds = 270;

/** A volume the workload mounts, and how it uses it. */
export interface PreflightVolume {
    /** The volume's name as the stack settings give it (siddhi-files, mysql-data, an additional volume's name). */
    name: string;
    /** The claim the workload mounts. */
    claimName: pulumi.Input<string>;
    /** The export behind the claim, named in every message and fix. */
    nfs: { server: string; path: string };
    /** `write`: the workload writes to it (probe file created and removed); `read`: mounted read-only and listed. */
    access: "write" | "read";
}

/** A Secret a workload mounts, and the keys the program reads from it. */
export interface PreflightSecret {
    secretName: string;
    keys: readonly string[];
}

export interface PreflightJobArgs {
    /** Namespace of the Job (the workload's). */
    namespace: pulumi.Input<string>;
    /** Name of the workload the Job checks for (`app.kubernetes.io/instance` of its pod). */
    workload: string;
    /** The workload's own image (no image beyond those the stack pulls); it must have sh and coreutils (id, stat, ls, head). */
    image: string;
    /** The user the workload runs as, who must own the volume (802 for SP, 999 for MySQL). */
    userId: number;
    /** docker-registry Secret for the image, when it comes from a private registry. */
    imagePullSecretName?: pulumi.Input<string>;
    /** What to check: one volume, or one Secret. */
    check: { volume: PreflightVolume } | { secret: PreflightSecret };
}

const mountPath = "/preflight";

/**
 * The export as `server:path` for a logical name, without `::`: a URN joins its parts with `::`,
 * and engines of late 2023 refused a URN with one more ("invalid URN", pulumi/pulumi#13968, fixed
 * by #14107), as do tools that split a URN on it (the Node SDK's own `urnTypeAndName`). So an IPv6
 * server is written in brackets with its zero groups spelt out (`[fd00:0:0:0:0:0:0:5]`, the same
 * address as `fd00::5`), and a colon in the path as `%3A`. The script's messages show the export
 * as given.
 */
export function urnSafeExport(nfs: { server: string; path: string }): string {
    const server = nfs.server.includes(":") ? `[${expandIpv6(nfs.server)}]` : nfs.server;
    return `${server}:${nfs.path.replace(/:/g, "%3A")}`;
}

/** An IPv6 address with its `::` spelt out as zero groups (an embedded IPv4 tail counts as two). */
function expandIpv6(address: string): string {
    const groups = (part: string) => (part === "" ? [] : part.split(":"));
    const [head, tail] = address.split("::").map(groups);
    if (tail === undefined) {
        return address;
    }
    const width = (parts: string[]) => parts.reduce((sum, part) => sum + (part.includes(".") ? 2 : 1), 0);
    return [...head, ...Array<string>(8 - width(head) - width(tail)).fill("0"), ...tail].join(":");
}

/**
 * A Job that checks one volume or Secret as the workload's user and fails with a message naming
 * the fix (pod-scripts/jobs/preflight.sh). Its logical name is `<resourceName>-preflight-<volume>`,
 * followed by `@<server>:<path>` for a volume (urnSafeExport), so that a timeout's error names the
 * export. Give the returned Job to the workload's `dependsOn`; the Job itself depends only on the
 * claim.
 */
export function preflightJob(resourceName: string, args: PreflightJobArgs, opts: pulumi.CustomResourceOptions): batchv1.Job {
    const script = fs.readFileSync(scriptFile, "utf8");
    const { check } = args;
    const owner = `${args.userId}:${args.userId}`;
    const target =
        "volume" in check
            ? {
                  subject: `${check.volume.name}@${urnSafeExport(check.volume.nfs)}`,
                  volume: { persistentVolumeClaim: { claimName: check.volume.claimName, readOnly: check.volume.access === "read" } },
                  // README: every export owned by the user that uses it, mode 700.
                  scriptArgs: ["volume", check.volume.name, `${check.volume.nfs.server}:${check.volume.nfs.path}`, mountPath, check.volume.access, owner, "700"],
              }
            : {
                  subject: check.secret.secretName,
                  // Optional: a missing Secret mounts empty and the script names it, where a
                  // required one would leave the pod pending until the timeout.
                  volume: { secret: { secretName: check.secret.secretName, optional: true, defaultMode: 0o440 } },
                  scriptArgs: ["secret", check.secret.secretName, mountPath, ...check.secret.keys],
              };
    const { labels } = workloadLabels("wso2sp-preflight", args.workload, "preflight", args.image);
    const digest = pulumi.output(target.volume).apply((volume) =>
        createHash("sha256").update(JSON.stringify([args.workload, args.image, args.userId, volume, target.scriptArgs, script])).digest("hex").slice(0, 10),
    );
    const pod: inputs.core.v1.PodSpec = {
        restartPolicy: "Never",
        automountServiceAccountToken: false,
        enableServiceLinks: false,
        imagePullSecrets: args.imagePullSecretName ? [{ name: args.imagePullSecretName }] : undefined,
        securityContext: podSecurity(args.userId),
        containers: [
            {
                name: "preflight",
                image: args.image,
                command: ["sh", "-c", script, "preflight.sh", ...target.scriptArgs],
                resources: resources("32Mi", "10m"),
                securityContext: { ...containerSecurity, readOnlyRootFilesystem: true },
                terminationMessagePolicy: "FallbackToLogsOnError",
                volumeMounts: [{ name: "checked", mountPath, readOnly: "volume" in check ? check.volume.access === "read" : true }],
            },
        ],
        volumes: [{ name: "checked", ...target.volume }],
    };
    return new batchv1.Job(
        `${resourceName}-preflight-${target.subject}`,
        {
            metadata: {
                // A Job's pod template cannot change: a new name for new content replaces it.
                name: pulumi.interpolate`${args.workload}-preflight-${digest}`,
                namespace: args.namespace,
                labels,
            },
            spec: {
                // One attempt: a fault does not heal by retrying, and the message is there at once.
                backoffLimit: 0,
                activeDeadlineSeconds,
                template: { metadata: { labels }, spec: pod },
            },
        },
        { ...opts, customTimeouts: preflightTimeouts },
    );
}
