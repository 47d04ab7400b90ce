import { createHash } from "crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { appNames, databaseNames, mysqlDataClaimName } from "../config/names";
import { containerSecurity, deploymentSpec, podSecurity, resources, rolloutTimeouts, tcpProbes, workloadLabels } from "../kube/workloads";
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

/** uid of the `mysql` user in the official image, which owns the data directory. */
const mysqlUserId = 999;

/**
 * The evaluation MySQL: data on an NFS volume, SP's two databases created on first start and
 * granted to one application user; passwords only from the credentials Secret.
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
        const initScripts = new k8s.core.v1.ConfigMap(
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
        new k8s.apps.v1.Deployment(
            name,
            {
                metadata: { name: args.serviceName, namespace: args.namespace, labels },
                spec: deploymentSpec({
                    replicas: 1,
                    // Two servers must never share one data directory.
                    singleton: true,
                    selector,
                    labels,
                    pod: {
                        securityContext: podSecurity(mysqlUserId),
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
            { parent: this, customTimeouts: rolloutTimeouts },
        );

        const service = new k8s.core.v1.Service(
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
