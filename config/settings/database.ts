/** Cross-setting rules of `database`: the in-cluster MySQL or an external one, never a mix. */
import type { CrossCheck } from "./checks";
import { valueAt } from "./problems";

export function databaseProblems({ settings, given, changed, secretSet, unused, problems, warn }: CrossCheck): void {
    const { nfs, database } = settings;
    if (database?.inCluster === true) {
        if (changed("database", "host")) unused(["database", "host"], "database.inCluster is true");
        if (changed("database", "port")) unused(["database", "port"], "database.inCluster is true");
        if (database.tls === true) {
            problems.push({
                path: ["database", "tls"],
                message: "is for an external MySQL whose CA is in SP's truststore; the in-cluster evaluation MySQL has no such certificate",
                fix: "pulumi config set --path database.tls false",
            });
        }
        // Unless it was given and failed its own rule (reported already).
        if (nfs !== undefined && nfs.mysqlDataPath === undefined && valueAt(given, ["nfs", "mysqlDataPath"]) === undefined) {
            problems.push({ path: ["nfs", "mysqlDataPath"], message: "is required when database.inCluster is true" });
        }
    }
    if (database?.inCluster === false) {
        if (changed("database", "image")) unused(["database", "image"], "database.inCluster is false");
        if (changed("nfs", "mysqlDataPath")) unused(["nfs", "mysqlDataPath"], "database.inCluster is false");
        if (secretSet("mysqlRootPassword")) unused(["mysqlRootPassword"], "database.inCluster is false");
        if (database.host === "") {
            problems.push({ path: ["database", "host"], message: "is required when database.inCluster is false" });
        }
        if (!secretSet("databasePassword")) {
            problems.push({ path: ["databasePassword"], message: "is required when database.inCluster is false" });
        }
        if (database.tls === false && database.host !== "") {
            warn(
                ["database", "tls"],
                `is false: SP sends its database password and every app's persisted state to ${database.host}:${database.port} unencrypted (Connector/J useSSL=false). ` +
                    "Give the server a certificate, put its CA where SP trusts it (README, Database TLS)",
                "pulumi config set --path database.tls true",
            );
        }
    }
}
