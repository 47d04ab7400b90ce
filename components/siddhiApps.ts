import { createHash } from "crypto";
import * as corev1 from "@pulumi/kubernetes/core/v1";
import * as batchv1 from "@pulumi/kubernetes/batch/v1";
import type * as inputs from "@pulumi/kubernetes/types/input";
import * as pulumi from "@pulumi/pulumi";
import { spUserId } from "../config/image";
import { adminUsername, commonLabels, credentialKeys } from "../config/names";
import { siddhiAppsComponent, type SiddhiApp } from "../config/siddhiApps";
import { containerSecurity, podSecurity, resources, rolloutTimeouts, workloadLabels } from "../kube/workloads";

export interface SiddhiAppsArgs {
    /** Namespace of every object. */
    namespace: pulumi.Input<string>;
    /** The apps of the folder, read and checked by `readSiddhiApps`. */
    apps: SiddhiApp[];
    /** Text of pod-scripts/jobs/sync-siddhi-apps.sh, which the Job runs. */
    script: string;
    /** Image the Job runs in: the SP manager image, whose Ubuntu base ships curl and sha256sum. */
    image: string;
    /** ServiceAccount the pods run as (no API token is mounted). */
    serviceAccountName: pulumi.Input<string>;
    /** docker-registry Secret for the image, when it comes from a private registry. */
    imagePullSecretName?: pulumi.Input<string>;
    /** The credentials Secret, whose admin password the Job authenticates with. */
    credentialsSecretName: pulumi.Input<string>;
    /**
     * HTTPS base URLs of the managers: the Job finds the leader among them. With `caSecretName`,
     * by names their certificate carries (`https://<Service>.<namespace>.svc:<port>`).
     */
    managerUrls: string[];
    /**
     * The stack's own keystore Secret (`tls.secretName`): the pods mount its `ca.crt` (PEM) and
     * verify the managers' certificate with it. Unset: the product's default keystore, whose
     * certificate is not verified (`curl -k`; README, TLS).
     */
    caSecretName?: string;
    /** The managers' minResourceCount: the workers the smoke check requires. */
    minWorkers: number;
    /**
     * Digest of what else the smoke check verifies (worker count, node configuration): when it
     * changes, the Job runs again against the changed deployment.
     */
    deploymentDigest: string;
}

/** How long the deploy-time Job waits for managers, workers and each app before it reports the failure. */
const timeoutSeconds = 1200;
/**
 * The reconciler: a pass every minute, each over within a minute (40 s of waiting, killed at 55 s),
 * so that apps are back on a new leader within two minutes of it answering /managers/isActive.
 */
const reconcileSchedule = "* * * * *";
const reconcileTimeoutSeconds = 40;
const reconcileDeadlineSeconds = 55;
const caPath = "/manager-ca";
const scriptFile = "sync-siddhi-apps.sh";
const appsPath = "/siddhi-apps";
const scriptsPath = "/scripts";

/**
 * The Siddhi apps folder, applied: one immutable ConfigMap per app (so `pulumi preview` names each
 * app that is added, changed or removed) and a Job, named from a digest of everything it checks, that
 * makes the leader manager run exactly these apps through its REST API and then checks the pattern.
 * The Job runs in the cluster, so `pulumi up` needs no network path to the pods, and the provider
 * waits for it: a failed app fails the update with the manager's reason (the container's
 * termination message). A CronJob, the reconciler, runs the same script every minute, so that a new
 * leader manager, which lists no apps, or a restarted one runs them again without `pulumi up`
 * (docs/siddhi-apps.md).
 */
export class SiddhiApps extends pulumi.ComponentResource {
    /** The apps of the folder, resolved once the Job has deployed them. */
    public readonly deployedApps: pulumi.Output<string[]>;
    /** What the Job verified, resolved once it has succeeded. */
    public readonly smokeCheck: pulumi.Output<string>;

    constructor(name: string, args: SiddhiAppsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("wso2sp:siddhi:Apps", name, {}, opts);

        const labels = { ...commonLabels, "app.kubernetes.io/component": siddhiAppsComponent };
        // The logical name follows the app, so a changed app is a replacement of its ConfigMap and a
        // removed app a deletion: the preview names both.
        const appConfigMaps = args.apps.map(
            (app) =>
                new corev1.ConfigMap(
                    `${name}:${app.name}`,
                    { metadata: { name: app.configMapName, namespace: args.namespace, labels }, immutable: true, data: { [app.fileName]: app.content } },
                    { parent: this },
                ),
        );
        const scriptDigest = digest(args.script);
        const scripts = new corev1.ConfigMap(
            `${name}-script`,
            {
                metadata: { name: `wso2sp-siddhi-apps-script-${scriptDigest}`, namespace: args.namespace, labels },
                immutable: true,
                data: { [scriptFile]: args.script },
            },
            { parent: this },
        );

        // A Job's pod template cannot change, and a finished Job does not run again: a new name per
        // content makes Pulumi replace it, which runs it again.
        const jobName = `wso2sp-siddhi-apps-${digest(
            JSON.stringify({
                apps: args.apps.map((app) => [app.name, app.digest]),
                scriptDigest,
                image: args.image,
                managerUrls: args.managerUrls,
                caSecretName: args.caSecretName,
                minWorkers: args.minWorkers,
                deploymentDigest: args.deploymentDigest,
            }),
        )}`;
        const { labels: podLabels } = workloadLabels("wso2sp", "wso2sp-siddhi-apps", siddhiAppsComponent, args.image);
        const literal = (envName: string, value: string | number) => ({ name: envName, value: String(value) });
        /** The pod of one pass of the script, for the Job and the reconciler alike. */
        const syncPod = (waitSeconds: number): inputs.core.v1.PodTemplateSpec => ({
            metadata: { labels: podLabels },
            spec: {
                restartPolicy: "Never",
                // A pass stopped half-way leaves nothing the next one does not finish.
                terminationGracePeriodSeconds: 5,
                serviceAccountName: args.serviceAccountName,
                automountServiceAccountToken: false,
                enableServiceLinks: false,
                imagePullSecrets: args.imagePullSecretName ? [{ name: args.imagePullSecretName }] : undefined,
                securityContext: podSecurity(spUserId),
                containers: [
                    {
                        name: "sync",
                        image: args.image,
                        command: ["sh", `${scriptsPath}/${scriptFile}`],
                        env: [
                            literal("MANAGER_URLS", args.managerUrls.join(" ")),
                            literal("ADMIN_USERNAME", adminUsername),
                            {
                                name: "ADMIN_PASSWORD",
                                valueFrom: { secretKeyRef: { name: args.credentialsSecretName, key: credentialKeys.adminPassword } },
                            },
                            literal("APPS_DIR", appsPath),
                            literal("MIN_WORKERS", args.minWorkers),
                            literal("TIMEOUT_SECONDS", waitSeconds),
                            ...(args.caSecretName ? [literal("CA_CERT", `${caPath}/ca.crt`)] : []),
                            // The pod name marks what this run deployed, to tell it from earlier runs.
                            { name: "RUN_ID", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
                        ],
                        resources: resources("64Mi", "50m"),
                        securityContext: { ...containerSecurity, readOnlyRootFilesystem: true },
                        // The script writes its reason to the termination log; should it die
                        // before, the log's tail is the message the provider reports.
                        terminationMessagePolicy: "FallbackToLogsOnError",
                        volumeMounts: [
                            { name: "apps", mountPath: appsPath, readOnly: true },
                            { name: "scripts", mountPath: scriptsPath, readOnly: true },
                            { name: "tmp", mountPath: "/tmp" },
                            ...(args.caSecretName ? [{ name: "manager-ca", mountPath: caPath, readOnly: true }] : []),
                        ],
                    },
                ],
                volumes: [
                    appConfigMaps.length > 0
                        ? { name: "apps", projected: { sources: appConfigMaps.map((configMap) => ({ configMap: { name: configMap.metadata.name } })) } }
                        : { name: "apps", emptyDir: {} },
                    { name: "scripts", configMap: { name: scripts.metadata.name } },
                    { name: "tmp", emptyDir: { sizeLimit: "16Mi" } },
                    ...(args.caSecretName ? [{ name: "manager-ca", secret: { secretName: args.caSecretName, items: [{ key: "ca.crt", path: "ca.crt" }] } }] : []),
                ],
            },
        });

        // The reconciler brings a new leader, or a restarted manager, back to the folder without
        // `pulumi up`. It runs the Job's script over the Job's apps, so a pass running while the Job
        // does sends the same content (README, Siddhi apps). Its name follows the Job's: a changed
        // folder replaces it, and the old one is deleted, its running pass with it (foreground),
        // before the new one and then the Job are created: no pass over an older folder outlives it.
        const reconciler = new batchv1.CronJob(
            `${name}-reconciler`,
            {
                metadata: {
                    name: jobName.replace("wso2sp-siddhi-apps-", "wso2sp-siddhi-apps-reconciler-"),
                    namespace: args.namespace,
                    labels: podLabels,
                    annotations: { "pulumi.com/deletionPropagationPolicy": "foreground" },
                },
                spec: {
                    schedule: reconcileSchedule,
                    concurrencyPolicy: "Forbid",
                    // A missed minute is not made up: the next pass does the same.
                    startingDeadlineSeconds: 30,
                    successfulJobsHistoryLimit: 1,
                    failedJobsHistoryLimit: 1,
                    jobTemplate: {
                        metadata: { labels: podLabels },
                        spec: { backoffLimit: 0, activeDeadlineSeconds: reconcileDeadlineSeconds, template: syncPod(reconcileTimeoutSeconds) },
                    },
                },
            },
            { parent: this, deleteBeforeReplace: true },
        );
        const job = new batchv1.Job(
            name,
            {
                metadata: { name: jobName, namespace: args.namespace, labels: podLabels },
                spec: {
                    // One attempt: a rejected app fails the update at once, with its reason.
                    backoffLimit: 0,
                    activeDeadlineSeconds: timeoutSeconds + 300,
                    template: syncPod(timeoutSeconds),
                },
            },
            { parent: this, customTimeouts: rolloutTimeouts, dependsOn: [reconciler] },
        );

        const appNames = args.apps.map((app) => app.name);
        // Both resolve from the Job's status, that is once the provider has seen it complete.
        this.deployedApps = job.status.apply(() => appNames);
        this.smokeCheck = job.status.apply(
            (status) =>
                `passed${status?.completionTime ? ` at ${status.completionTime}` : ""}: one leader among ${args.managerUrls.join(", ")}, ` +
                `at least ${args.minWorkers} workers registered, apps active: ${appNames.join(", ") || "none"}`,
        );
        this.registerOutputs({ deployedApps: this.deployedApps, smokeCheck: this.smokeCheck });
    }
}

function digest(text: string): string {
    return createHash("sha256").update(text).digest("hex").slice(0, 10);
}
