/**
 * The in-cluster MySQL's pod as the MySql component emits it (tests/programs/mySql.ts under the
 * mock runtime): where the start-up SQL lives, what rolls the pod, what refuses an empty export.
 * What that SQL does to a real server: tests/mysqlStart.test.ts.
 */
import assert from "node:assert/strict";
import * as path from "path";
import type { MySqlArgs } from "../components/mysql";
import { objectsOfKind, ProgramRun, runProgram } from "./harness";

type K8sObject = Record<string, any>;

const program = path.join(__dirname, "programs", "mySql.ts");
const base: MySqlArgs = {
    namespace: "wso2",
    serviceName: "sp-rdbms",
    port: 3306,
    image: "mysql:5.7.44",
    username: "wso2carbon",
    credentials: { secretName: "wso2sp-credentials", rootPasswordKey: "mysql-root-password", userPasswordKey: "database-password" },
    nfs: { server: "10.0.0.9", path: "/exports/wso2sp/mysql", protection: "retainOnDelete" },
    credentialsDigest: "0123456789abcdef",
};

const runMySql = (args: MySqlArgs): Promise<ProgramRun> => runProgram({ args }, { programFile: program });
const statefulSet = (run: ProgramRun): K8sObject => objectsOfKind(run, "StatefulSet")[0];
const podOf = (run: ProgramRun): K8sObject => statefulSet(run).spec.template.spec;
const secretEnv = (container: K8sObject): string[] =>
    (container.env ?? []).filter((env: K8sObject) => env.valueFrom?.secretKeyRef).map((env: K8sObject) => env.name);

describe("MySQL pod (MySql component alone)", () => {
    let run: ProgramRun;
    before(async () => {
        run = await runMySql(base);
    });

    it("carries the credentials digest on its pod template: a changed password rolls mysqld, whose start applies it", async () => {
        assert.equal(statefulSet(run).spec.template.metadata.annotations["wso2sp/credentials-digest"], base.credentialsDigest);
        const rotated = await runMySql({ ...base, credentialsDigest: "fedcba9876543210" });
        assert.equal(statefulSet(rotated).spec.template.metadata.annotations["wso2sp/credentials-digest"], "fedcba9876543210");
    });

    it("mysqld runs, at every start, SQL that only a memory volume holds, and gets no password of its own", () => {
        const pod = podOf(run);
        const [mysqld] = pod.containers;
        const initFile = /^--init-file=(.+)$/.exec((mysqld.args as string[]).find((arg) => arg.startsWith("--init-file=")) ?? "")?.[1];
        assert.ok(initFile, `mysqld args: ${JSON.stringify(mysqld.args)}`);
        const holders = [...pod.initContainers, mysqld].flatMap((container: K8sObject) =>
            (container.volumeMounts ?? []).filter((mount: K8sObject) => initFile.startsWith(`${mount.mountPath}/`)),
        );
        assert.ok(holders.length >= 2, "the file's directory is not mounted in both the writer and mysqld");
        for (const mount of holders) {
            const volume = pod.volumes.find((each: K8sObject) => each.name === mount.name);
            assert.equal(volume.emptyDir?.medium, "Memory", `${mount.mountPath} is not in memory: ${JSON.stringify(volume)}`);
        }
        assert.deepEqual(secretEnv(mysqld), [], "mysqld's env holds a password");
        assert.ok(!(mysqld.env ?? []).some((env: K8sObject) => env.name.startsWith("MYSQL_")), "MYSQL_* env would start the image's first-start path");
        const writer = pod.initContainers.find((container: K8sObject) => secretEnv(container).length > 0);
        assert.deepEqual(secretEnv(writer).sort(), ["APP_PASSWORD", "ROOT_PASSWORD"]);
    });

    it("runs as uid 999 under the restricted Pod Security Standard, the writer with a read-only root filesystem", () => {
        const pod = podOf(run);
        assert.deepEqual(pod.securityContext, { runAsUser: 999, runAsGroup: 999, fsGroup: 999, runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
        const containers = [...pod.initContainers, ...pod.containers];
        assert.ok(pod.initContainers.length > 0);
        for (const container of containers) {
            assert.equal(container.securityContext.allowPrivilegeEscalation, false, container.name);
            assert.deepEqual(container.securityContext.capabilities, { drop: ["ALL"] }, container.name);
        }
        for (const container of pod.initContainers) {
            assert.equal(container.securityContext.readOnlyRootFilesystem, true, container.name);
        }
    });

    it("names its export to the start only once the stack has initialised the data, so an empty export is refused", async () => {
        const exportEnv = (each: ProgramRun) =>
            podOf(each).initContainers.flatMap((container: K8sObject) => container.env ?? []).find((env: K8sObject) => env.name === "INITIALISED_EXPORT")?.value;
        assert.equal(exportEnv(run), undefined);
        assert.equal(exportEnv(await runMySql({ ...base, initialisedBefore: true })), "10.0.0.9:/exports/wso2sp/mysql");
    });
});
