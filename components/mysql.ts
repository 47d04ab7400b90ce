import { createHash } from "crypto";
import * as fs from "fs";
import * as appsv1 from "@pulumi/kubernetes/apps/v1";
import * as corev1 from "@pulumi/kubernetes/core/v1";
import * as pulumi from "@pulumi/pulumi";
import { AppDatabase, appDatabases, initFileScriptPath } from "../config/mysql";
import { appNames, mysqlDataClaimName, mysqlDataVolume } from "../config/names";
import { preflightJob } from "../kube/preflight";
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
    /**
     * NFS export of the data directory (owned by uid 999; the path exactly as the volume was named
     * from it) and how `pulumi destroy` treats it.
     */
    nfs: { server: string; path: string; protection: "retainOnDelete" | "protect" };
    /**
     * A keyed digest of the Secret's passwords, the root password included (index.ts,
     * `credentialsDigest`): a change rolls the pod, whose start applies the new passwords.
     */
    credentialsDigest: pulumi.Input<string>;
    /**
     * Whether this stack's MySQL has initialised its data before (it has deployed with the database
     * in the cluster): the pod then refuses to start on an empty data directory, naming the export,
     * instead of starting an empty database. Unset or false on a first deploy.
     */
    initialisedBefore?: boolean;
}

/** uid of the `mysql` user in the official image, which owns the data directory (docs/mysql-image.md). */
const mysqlUserId = 999;

/**
 * How long mysqld may take to stop: it flushes InnoDB's buffer pool on SIGTERM (it is the
 * container's PID 1 in the official image); killed earlier, the next start runs crash recovery.
 */
const stopSeconds = 120;

const dataDir = "/var/lib/mysql";
/** The init container's script and the program's SQL (a ConfigMap). */
const adminDir = "/opt/wso2sp-mysql";
/** Memory only (an emptyDir of medium Memory): the SQL with the passwords that mysqld runs at start. */
const initFileDir = "/run/wso2sp-mysql";
const initFile = `${initFileDir}/init.sql`;

/** A SQL string literal, escaped as pod-scripts/mysql/init-file.sh escapes the passwords. */
function sqlString(value: string): string {
    return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

/**
 * The part of the start-up SQL that holds no secret, after the script has given root and the
 * application user their passwords: root on localhost only (earlier versions, through the image's
 * MYSQL_ROOT_HOST default, also made root@'%'), and each database with the user's grants on it.
 * One statement per line, no comments: MySQL 5.7 reads `--init-file` that way.
 */
export function adminSql(username: string, databases: readonly AppDatabase[]): string {
    const user = `${sqlString(username)}@'%'`;
    const unquotable = databases.filter(({ name }) => !/^\w{1,64}$/.test(name)).map(({ name }) => name);
    if (unquotable.length > 0) {
        throw new Error(`config/mysql.ts: database names must be 1–64 letters, digits or _: ${unquotable.join(", ")}`);
    }
    return [
        "GRANT ALL PRIVILEGES ON *.* TO 'root'@'localhost' WITH GRANT OPTION;",
        "SET @remote_roots = (SELECT GROUP_CONCAT(QUOTE(user), '@', QUOTE(host)) FROM mysql.user WHERE user = 'root' AND host <> 'localhost');",
        "SET @drop_remote_roots = IF(@remote_roots IS NULL, 'DO 0', CONCAT('DROP USER ', @remote_roots));",
        "PREPARE drop_remote_roots FROM @drop_remote_roots;",
        "EXECUTE drop_remote_roots;",
        "DEALLOCATE PREPARE drop_remote_roots;",
        ...databases.flatMap(({ name, privileges }) => [
            `CREATE DATABASE IF NOT EXISTS \`${name}\`;`,
            `GRANT ${privileges.join(", ")} ON \`${name}\`.* TO ${user};`,
        ]),
        "FLUSH PRIVILEGES;",
        "",
    ].join("\n");
}

/**
 * The evaluation MySQL: data on an NFS volume, SP's databases granted to one application user;
 * passwords only from the credentials Secret.
 *
 * One admin step runs at every start, inside the pod, over no network: an init container
 * (pod-scripts/mysql/init-file.sh) writes SQL from the Secret into memory, and mysqld runs it at
 * start (`--init-file`) before it accepts connections: the passwords equal the Secret's, the
 * databases and grants of `config/mysql.ts` exist, root exists for localhost only. A change of the
 * passwords (`credentialsDigest`) rolls the pod, so `pulumi up` rotates them. The init container
 * also initialises an empty data directory, so mysqld always starts on an existing one: the image's
 * entry script (docs/mysql-image.md; docker-library/mysql 5.7/docker-entrypoint.sh) hands the
 * container's arguments, `--init-file` included, to the temporary server of its first start
 * (`docker_temp_server_start "$@"`) and then logs in as root without a password, which the init
 * file has already set; on an existing directory (`DATABASE_ALREADY_EXISTS`) it only execs mysqld.
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
    /** The server; what depends on it is updated once its pod runs the update and is ready. */
    public readonly statefulSet: appsv1.StatefulSet;

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
                ...mysqlDataVolume,
                protection: args.nfs.protection,
                labels: { "app.kubernetes.io/instance": args.serviceName },
            },
            { parent: this },
        );

        // The export checked as uid 999 before mysqld or the init container touch it: owner, mode and
        // a file created and removed (kube/preflight.ts); a fault ends `pulumi up` with the fix.
        const preflight = preflightJob(
            name,
            {
                namespace: args.namespace,
                workload: args.serviceName,
                image: args.image,
                userId: mysqlUserId,
                check: { volume: { name: mysqlDataClaimName, claimName: data.claimName, nfs: data.source, access: "write" } },
            },
            { parent: this },
        );

        const admin = { "init-file.sh": fs.readFileSync(initFileScriptPath, "utf8"), "admin.sql": adminSql(args.username, appDatabases) };
        const adminFiles = new corev1.ConfigMap(
            `${name}-admin`,
            {
                metadata: {
                    name: `${args.serviceName}-admin-${createHash("sha256").update(JSON.stringify(admin)).digest("hex").slice(0, 10)}`,
                    namespace: args.namespace,
                    labels,
                },
                immutable: true,
                data: admin,
            },
            { parent: this },
        );

        const secret = (key: string) => ({ secretKeyRef: { name: args.credentials.secretName, key } });
        const initFileVolume = "init-file";
        this.statefulSet = new appsv1.StatefulSet(
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
                    podAnnotations: { "wso2sp/credentials-digest": args.credentialsDigest },
                    pod: {
                        securityContext: podSecurity(mysqlUserId),
                        terminationGracePeriodSeconds: stopSeconds,
                        initContainers: [
                            {
                                name: initFileVolume,
                                image: args.image,
                                command: ["bash", `${adminDir}/init-file.sh`],
                                env: [
                                    { name: "DATA_DIR", value: dataDir },
                                    { name: "INIT_FILE", value: initFile },
                                    { name: "ADMIN_SQL", value: `${adminDir}/admin.sql` },
                                    { name: "APP_USER", value: args.username },
                                    { name: "APP_PASSWORD", valueFrom: secret(args.credentials.userPasswordKey) },
                                    { name: "ROOT_PASSWORD", valueFrom: secret(args.credentials.rootPasswordKey) },
                                    ...(args.initialisedBefore ? [{ name: "INITIALISED_EXPORT", value: `${args.nfs.server}:${args.nfs.path}` }] : []),
                                ],
                                // mysqld --initialize of an empty data directory runs here.
                                resources: resources("1Gi", "250m"),
                                securityContext: { ...containerSecurity, readOnlyRootFilesystem: true },
                                volumeMounts: [
                                    { name: "data", mountPath: dataDir },
                                    { name: "admin", mountPath: adminDir, readOnly: true },
                                    { name: initFileVolume, mountPath: initFileDir },
                                    // InnoDB opens its temporary files there, also when it initialises.
                                    { name: "tmp", mountPath: "/tmp" },
                                ],
                            },
                        ],
                        containers: [
                            {
                                name: "mysql",
                                image: args.image,
                                args: ["--max-connections=10000", `--init-file=${initFile}`],
                                ports: [{ containerPort: args.port, protocol: "TCP" }],
                                resources: resources("1Gi", "250m"),
                                ...tcpProbes(args.port, 300),
                                securityContext: containerSecurity,
                                volumeMounts: [
                                    { name: "data", mountPath: dataDir },
                                    // Kept for the pod's life: a restarted mysqld applies it again.
                                    { name: initFileVolume, mountPath: initFileDir, readOnly: true },
                                ],
                            },
                        ],
                        volumes: [
                            { name: "data", persistentVolumeClaim: { claimName: data.claimName } },
                            { name: "admin", configMap: { name: adminFiles.metadata.name } },
                            { name: initFileVolume, emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
                            { name: "tmp", emptyDir: {} },
                        ],
                    },
                }),
            },
            {
                parent: this,
                customTimeouts: rolloutTimeouts,
                dependsOn: [preflight],
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
