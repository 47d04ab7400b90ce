import { createHash } from "crypto";
import * as appsv1 from "@pulumi/kubernetes/apps/v1";
import * as corev1 from "@pulumi/kubernetes/core/v1";
import * as pulumi from "@pulumi/pulumi";
import { appNames, databaseNames, mysqlDataClaimName } from "../config/names";
import { containerSecurity, podSecurity, resources, rolloutTimeouts, statefulSetSpec, tcpProbes, workloadLabels } from "../kube/workloads";
import { NfsVolume } from "./nfsVolume";

export interface MySqlArgs {
    /** Namespace of every object. */
    namespace: pulumi.Input<string>;
    /** Service name: the host SP connects to. */
    serviceName: string;
    port: number;
    /** A `mysql:5.7`-compatible image with a pinned tag. */
    image: string;
    /** Application user SP connects as; granted on the SP databases only, never root. */
    username: string;
    /** Secret holding the root and application passwords, and the keys of each. */
    credentials: { secretName: pulumi.Input<string>; rootPasswordKey: string; userPasswordKey: string };
    /** NFS export of the data directory (owned by uid 999) and how `pulumi destroy` treats it. */
    nfs: { server: string; path: string; protection: "retainOnDelete" | "protect" };
}

/** uid of the `mysql` user in the official image, which owns the data directory (docs/mysql-image.md). */
const mysqlUserId = 999;

/**
 * How long mysqld may take to stop: it flushes InnoDB's buffer pool on SIGTERM (it is the
 * container's PID 1 in the official image); killed earlier, the next start runs crash recovery.
 */
const stopSeconds = 120;

/**
 * The evaluation MySQL: data on an NFS volume, SP's two databases created on first start and
 * granted to one application user; passwords only from the credentials Secret.
 *
 * Two `mysqld` must never run on the one data directory, and NFS does not stop them. So:
 * - a StatefulSet, whose controller starts the next `sp-rdbms-0` only once the previous one is
 *   gone: on a drain (eviction), on any update of the pod, and on a new claim;
 * - when Pulumi must replace the StatefulSet (another namespace, or a field Kubernetes cannot
 *   update), it deletes the old one first (`deleteBeforeReplace`; for a same-named one in the same
 *   namespace pulumi-kubernetes would too, but not across namespaces), and that delete returns
 *   only once the pod is gone: pulumi-kubernetes deletes with foreground propagation, stated here
 *   as an annotation, and waits for the object to disappear (provider/pkg/await/await.go).
 */
export class MySql extends pulumi.ComponentResource {
    public readonly serviceName: pulumi.Output<string>;
    public readonly claimName: pulumi.Output<string>;

    constructor(name: string, args: MySqlArgs, opts?: pulumi.ComponentResourceOptions) {
        super("wso2sp:deps:MySql", name, {}, opts);

        const { selector, labels } = workloadLabels(appNames.mysql, args.serviceName, "database", args.image);

        const data = new NfsVolume(
            `${name}-data`,
            {
                namespace: args.namespace,
                claimName: mysqlDataClaimName,
                server: args.nfs.server,
                path: args.nfs.path,
                size: "20Gi",
                accessMode: "ReadWriteOnce",
                protection: args.nfs.protection,
                labels: { "app.kubernetes.io/instance": args.serviceName },
            },
            { parent: this },
        );

        // The image creates the user from MYSQL_USER/MYSQL_PASSWORD before it runs these scripts,
        // so the SQL needs no password. The user name is validated as [A-Za-z0-9_].
        const initSql = [
            ...Object.values(databaseNames).map((database) => `CREATE DATABASE IF NOT EXISTS ${database};`),
            ...Object.values(databaseNames).map((database) => `GRANT ALL PRIVILEGES ON ${database}.* TO '${args.username}'@'%';`),
            "FLUSH PRIVILEGES;",
            "",
        ].join("\n");
        const initScripts = new corev1.ConfigMap(
            `${name}-init`,
            {
                metadata: {
                    name: `${args.serviceName}-init-${createHash("sha256").update(initSql).digest("hex").slice(0, 10)}`,
                    namespace: args.namespace,
                    labels,
                },
                immutable: true,
                data: { "init.sql": initSql },
            },
            { parent: this },
        );

        const secret = (key: string) => ({ secretKeyRef: { name: args.credentials.secretName, key } });
        new appsv1.StatefulSet(
            name,
            {
                metadata: {
                    name: args.serviceName,
                    namespace: args.namespace,
                    labels,
                    annotations: { "pulumi.com/deletionPropagationPolicy": "foreground" },
                },
                spec: statefulSetSpec({
                    replicas: 1,
                    // The server needs no DNS name of its own: its clients' Service governs the set.
                    serviceName: args.serviceName,
                    parallelStart: false,
                    selector,
                    labels,
                    pod: {
                        securityContext: podSecurity(mysqlUserId),
                        terminationGracePeriodSeconds: stopSeconds,
                        containers: [
                            {
                                name: "mysql",
                                image: args.image,
                                args: ["--max-connections=10000"],
                                env: [
                                    { name: "MYSQL_ROOT_PASSWORD", valueFrom: secret(args.credentials.rootPasswordKey) },
                                    { name: "MYSQL_USER", value: args.username },
                                    { name: "MYSQL_PASSWORD", valueFrom: secret(args.credentials.userPasswordKey) },
                                ],
                                ports: [{ containerPort: args.port, protocol: "TCP" }],
                                resources: resources("1Gi", "250m"),
                                ...tcpProbes(args.port, 300),
                                securityContext: containerSecurity,
                                volumeMounts: [
                                    { name: "data", mountPath: "/var/lib/mysql" },
                                    { name: "init-scripts", mountPath: "/docker-entrypoint-initdb.d", readOnly: true },
                                ],
                            },
                        ],
                        volumes: [
                            { name: "data", persistentVolumeClaim: { claimName: data.claimName } },
                            { name: "init-scripts", configMap: { name: initScripts.metadata.name } },
                        ],
                    },
                }),
            },
            {
                parent: this,
                customTimeouts: rolloutTimeouts,
                deleteBeforeReplace: true,
                // It was a Deployment of the same name: the new kind is a replacement, so the old
                // server stops before the new one starts, instead of both running until the end of
                // the update.
                aliases: [{ type: "kubernetes:apps/v1:Deployment" }],
            },
        );

        const service = new corev1.Service(
            name,
            {
                metadata: { name: args.serviceName, namespace: args.namespace, labels },
                spec: { selector, ports: [{ name: "mysql", port: args.port, targetPort: args.port, protocol: "TCP" }] },
            },
            { parent: this },
        );

        this.serviceName = service.metadata.name;
        this.claimName = data.claimName;
        this.registerOutputs({ serviceName: this.serviceName, claimName: this.claimName });
    }
}
