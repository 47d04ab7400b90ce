/**
 * Deliberate NFS moves (README, "Moving a volume"): the program reads the stack's last outputs
 * before it registers anything, refuses to move a data-bearing volume unless the move is
 * confirmed, tidies export paths without renaming volumes named from untidy ones, and tells the
 * MySQL pod that its data was initialised before. Each run here is given the outputs its "last
 * deploy" left (tests/harness.ts, lastOutputs), as a StackReference to the stack reads them.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mysqlDataClaimName, mysqlDataVolume, nfsClaimName } from "../config/names";
import { nonEmpty, objectNamed, objectsOfKind, organization, type ProgramRun, registeredBeforeError, runFixture, setPath, sharedFixture, type StackConfig, workloadNamed, workloads } from "./harness";

const fixture = "nfs-moves";
const oldExport = "10.0.0.9:/exports/wso2sp/mysql";

/** The stack's PersistentVolume for a claim base name, and its claim. */
function volumeOf(run: ProgramRun, base: string): { pv: Record<string, any>; claim: Record<string, any> } {
    const claims = objectsOfKind(run, "PersistentVolumeClaim").filter((claim) => claim.metadata.name.startsWith(`${base}-`));
    assert.equal(claims.length, 1, `claims of ${base}: ${claims.map((claim) => claim.metadata.name).join(", ")}`);
    return { claim: claims[0], pv: objectNamed(run, "PersistentVolume", claims[0].spec.volumeName) };
}

/** INITIALISED_EXPORT of the MySQL init container: set, the pod refuses an empty data directory. */
function initialisedExport(run: ProgramRun): string | undefined {
    const init = objectNamed(run, "StatefulSet", "sp-rdbms").spec.template.spec.initContainers[0];
    return init.env.find((env: Record<string, string>) => env.name === "INITIALISED_EXPORT")?.value;
}

/** The run's settings error; fails when the run passes. */
async function refusal(run: Promise<ProgramRun>): Promise<Error> {
    const error = await run.then(
        () => undefined,
        (thrown: Error) => thrown,
    );
    assert.ok(error, "the run was not refused");
    assert.match(error.message, /^Invalid stack settings; nothing was deployed:\n/);
    // The read of the last outputs registers nothing; the stack itself is all there is.
    assert.deepEqual(
        registeredBeforeError()
            .map((resource) => resource.type)
            .filter((type) => type !== "pulumi:pulumi:Stack"),
        [],
    );
    return error;
}

/** The fix of the problem of `setting`, as the error prints it. */
function fixOf(error: Error, setting: string): string {
    const line = error.message.split("\n").find((text) => text.startsWith(`  - wso2-sp:${setting} `));
    assert.ok(line, `no problem of ${setting} in:\n${error.message}`);
    return line.slice(line.lastIndexOf(". Fix: ") + ". Fix: ".length);
}

/** Applies `pulumi config set [--path] KEY VALUE` commands (joined by &&) as Pulumi would; single quotes as a shell reads them. */
function applyFix(config: StackConfig, fix: string): void {
    const commands = fix.split(" && ");
    assert.ok(commands.length > 0);
    for (const command of commands) {
        const match = /^pulumi config set (?:--path )?(\S+) (.+)$/.exec(command);
        assert.ok(match, `not a config set command: ${command}`);
        const value = match[2].startsWith("'") ? match[2].slice(1, -1).replace(/'\\''/g, "'") : match[2];
        setPath(config, match[1], value);
    }
}

describe("NFS volumes across deploys (deliberate moves)", () => {
    let first: ProgramRun;
    before(async () => {
        first = await runFixture(fixture);
    });

    it("a first deploy (no last outputs) passes, after reading the stack's own outputs before registering anything, and starts MySQL on an empty export", () => {
        // Read once, before the program registered anything but the stack itself.
        assert.deepEqual(
            first.stackReads.map(({ name, registeredBefore }) => ({ name, registeredBefore: registeredBefore.filter((resource) => !resource.startsWith("pulumi:pulumi:Stack::")) })),
            [{ name: `${organization}/wso2-sp/${fixture}`, registeredBefore: [] }],
        );
        assert.equal(initialisedExport(first), undefined);
    });

    it("records each volume's server, exact path and claim as the output nfsVolumes, MySQL's data among them", () => {
        const recorded = first.outputs.nfsVolumes;
        assert.deepEqual(Object.keys(recorded).sort(), ["mysqlData", "siddhiFiles", "sp-data", "sp-libs"]);
        const mysql = volumeOf(first, mysqlDataClaimName);
        assert.deepEqual(recorded.mysqlData, { server: "10.0.0.9", path: "/exports/wso2sp/mysql", claimName: mysql.claim.metadata.name });
        assert.deepEqual(recorded["sp-data"], { server: "10.0.0.9", path: "/exports/wso2sp/data", claimName: volumeOf(first, "sp-data").claim.metadata.name });
    });

    it("on a stack that has deployed, the MySQL pod refuses to initialise an empty data directory, naming its export", async () => {
        const again = await runFixture(fixture, undefined, {}, first.outputs);
        assert.equal(initialisedExport(again), oldExport);
        // Nothing moved: the same volume and claim.
        assert.equal(volumeOf(again, mysqlDataClaimName).claim.metadata.name, volumeOf(first, mysqlDataClaimName).claim.metadata.name);
    });

    it("the copy commands stop every SP node before the copy, the workers' StatefulSet included", async () => {
        const error = await refusal(runFixture(fixture, (config) => setPath(config, "nfs.mysqlDataPath", "/exports/wso2sp/mysql-new"), {}, first.outputs));
        const scale = /kubectl -n wso2 scale (\S+) -l 'app\.kubernetes\.io\/name=wso2sp,app\.kubernetes\.io\/component in \(([^)]+)\)' --replicas=0/.exec(error.message);
        assert.ok(scale, error.message);
        const kinds = scale[1].split(",");
        const components = scale[2].split(",");
        const spNodes = workloads(first).filter((workload) => workload.metadata.labels?.["app.kubernetes.io/name"] === "wso2sp");
        assert.ok(spNodes.some((workload) => workload.kind === "StatefulSet"), "no SP node runs as a StatefulSet");
        for (const workload of nonEmpty(spNodes, "SP node workloads")) {
            assert.ok(kinds.includes(workload.kind.toLowerCase()), `${workload.kind}/${workload.metadata.name} keeps running: the command scales ${kinds.join(",")}`);
            assert.ok(components.includes(workload.metadata.labels["app.kubernetes.io/component"]), `${workload.metadata.name} not selected`);
        }
    });

    it("a changed MySQL data path is refused, with the copy commands and the confirmation that pastes; confirmed, it moves", async () => {
        const moveTo = (config: StackConfig) => setPath(config, "nfs.mysqlDataPath", "/exports/wso2sp/mysql-new");
        const error = await refusal(runFixture(fixture, moveTo, {}, first.outputs));
        const message = error.message;
        assert.match(message, /wso2-sp:nfs\.mysqlDataPath moves MySQL's data \(SP_MGT_DB, SP_WORKER_STATE_DB\) from 10\.0\.0\.9:\/exports\/wso2sp\/mysql to 10\.0\.0\.9:\/exports\/wso2sp\/mysql-new/);
        assert.match(message, /\(got "\/exports\/wso2sp\/mysql-new"\)/);
        // SP nodes stop first, then MySQL; then the copy keeps numeric owners, from the old export to the new one.
        const steps = [
            "kubectl -n wso2 scale deployment,statefulset -l 'app.kubernetes.io/name=wso2sp,app.kubernetes.io/component in (manager,worker,receiver,dashboard)' --replicas=0",
            `until [ -z "$(kubectl -n wso2 get pod -l 'app.kubernetes.io/name=wso2sp,app.kubernetes.io/component in (manager,worker,receiver,dashboard)' -o name)" ]; do sleep 5; done`,
            "kubectl -n wso2 scale statefulset sp-rdbms --replicas=0",
            "kubectl -n wso2 wait --for=delete pod/sp-rdbms-0 --timeout=300s",
            "mount -t nfs 10.0.0.9:/exports/wso2sp/mysql /mnt/wso2sp-old",
            "mount -t nfs 10.0.0.9:/exports/wso2sp/mysql-new /mnt/wso2sp-new",
            "rsync -aHAX --numeric-ids /mnt/wso2sp-old/ /mnt/wso2sp-new/",
        ];
        const positions = steps.map((step) => message.indexOf(step));
        assert.ok(positions.every((position) => position >= 0), `missing steps: ${steps.filter((_, index) => positions[index] < 0).join(" | ")}`);
        assert.deepEqual([...positions].sort((a, b) => a - b), positions, "steps out of order");
        // The chain pastes into a shell as one command.
        const chain = message.slice(message.indexOf("(as root): ") + "(as root): ".length, message.indexOf(". Then confirm the move"));
        assert.ok(chain.startsWith("kubectl ") && chain.endsWith("umount /mnt/wso2sp-old /mnt/wso2sp-new"), chain);
        assert.equal(spawnSync("bash", ["-n", "-c", chain]).status, 0, `bash cannot parse: ${chain}`);
        const fix = fixOf(error, "nfs.mysqlDataPath");
        assert.equal(fix, "pulumi config set --path nfs.confirmMove.mysqlData 10.0.0.9:/exports/wso2sp/mysql-new");

        const confirmed = await runFixture(fixture, (config) => (moveTo(config), applyFix(config, fix)), {}, first.outputs);
        const moved = volumeOf(confirmed, mysqlDataClaimName);
        assert.equal(moved.pv.spec.nfs.path, "/exports/wso2sp/mysql-new");
        // The copied data must be there: an empty new export is refused by the pod, naming it.
        assert.equal(initialisedExport(confirmed), "10.0.0.9:/exports/wso2sp/mysql-new");
        assert.equal(confirmed.outputs.nfsVolumes.mysqlData.path, "/exports/wso2sp/mysql-new");

        // The next run, the move done: the confirmation left in the stack file is flagged as removable.
        const next = await runFixture(fixture, (config) => (moveTo(config), applyFix(config, fix)), {}, confirmed.outputs);
        assert.ok(
            next.warnings.some((warning) => warning.includes("nfs.confirmMove.mysqlData confirms a move that is done") && warning.endsWith("pulumi config rm --path nfs.confirmMove.mysqlData")),
            next.warnings.join("\n"),
        );
        assert.ok(!confirmed.warnings.some((warning) => warning.includes("nfs.confirmMove")), confirmed.warnings.join("\n"));
    });

    it('a move confirmed as "fresh" is meant to start empty: MySQL initialises the new export', async () => {
        const run = await runFixture(
            fixture,
            (config) => {
                setPath(config, "nfs.mysqlDataPath", "/exports/wso2sp/mysql-new");
                setPath(config, "nfs.confirmMove.mysqlData", "fresh 10.0.0.9:/exports/wso2sp/mysql-new");
            },
            {},
            first.outputs,
        );
        assert.equal(initialisedExport(run), undefined);
        assert.equal(volumeOf(run, mysqlDataClaimName).pv.spec.nfs.path, "/exports/wso2sp/mysql-new");
    });

    it("a confirmation approves only the location it names: a stale one does not approve a later typo", async () => {
        const error = await refusal(
            runFixture(
                fixture,
                (config) => {
                    setPath(config, "nfs.mysqlDataPath", "/exports/wso2sp/mysql-nwe");
                    setPath(config, "nfs.confirmMove.mysqlData", "10.0.0.9:/exports/wso2sp/mysql-new");
                },
                {},
                first.outputs,
            ),
        );
        assert.match(error.message, /nfs\.confirmMove\.mysqlData names 10\.0\.0\.9:\/exports\/wso2sp\/mysql-new, not this location/);
        assert.equal(fixOf(error, "nfs.mysqlDataPath"), "pulumi config set --path nfs.confirmMove.mysqlData 10.0.0.9:/exports/wso2sp/mysql-nwe");
    });

    it("another NFS server moves every data-bearing volume: each refused, in one list, on nfs.server", async () => {
        const error = await refusal(runFixture(fixture, (config) => setPath(config, "nfs.server", "10.0.0.10"), {}, first.outputs));
        const problems = error.message.split("\n").filter((line) => line.startsWith("  - wso2-sp:nfs.server moves"));
        assert.equal(problems.length, 3, error.message);
        assert.match(error.message, /moves the Siddhi files from 10\.0\.0\.9:\/exports\/wso2sp\/siddhi-files to 10\.0\.0\.10:\/exports\/wso2sp\/siddhi-files/);
        assert.match(error.message, /moves additional volume sp-data from/);
    });

    it("an additional volume with its own mountPath holds data and is refused likewise; an overlay (read-only code) moves freely", async () => {
        const error = await refusal(runFixture(fixture, (config) => setPath(config, "additionalVolumes[0].path", "/exports/wso2sp/data-2"), {}, first.outputs));
        assert.equal(fixOf(error, "additionalVolumes[0].path"), "pulumi config set --path nfs.confirmMove.sp-data 10.0.0.9:/exports/wso2sp/data-2");
        const overlayMoved = await runFixture(fixture, (config) => setPath(config, "additionalVolumes[1].path", "/exports/wso2sp/libs-2"), {}, first.outputs);
        assert.equal(volumeOf(overlayMoved, "sp-libs").pv.spec.nfs.path, "/exports/wso2sp/libs-2");
    });

    it("a confirmation for a volume the stack does not have is refused, so a misspelt key cannot pass unnoticed", async () => {
        const error = await refusal(runFixture(fixture, (config) => setPath(config, "nfs.confirmMove.mysqlDate", "10.0.0.9:/exports/x"), {}, first.outputs));
        assert.equal(fixOf(error, "nfs.confirmMove.mysqlDate"), "pulumi config rm --path nfs.confirmMove.mysqlDate");
        assert.match(error.message, /names no data-bearing volume of this stack; the keys are siddhiFiles, mysqlData, sp-data/);
    });

    it("a trailing or doubled slash is tidied before it names anything, on a fresh stack", async () => {
        const untidy = await runFixture(fixture, (config) => setPath(config, "nfs.mysqlDataPath", "/exports//wso2sp/mysql/"));
        const mysql = volumeOf(untidy, mysqlDataClaimName);
        assert.equal(mysql.pv.spec.nfs.path, "/exports/wso2sp/mysql");
        assert.equal(mysql.claim.metadata.name, volumeOf(first, mysqlDataClaimName).claim.metadata.name);
    });

    describe("a stack deployed before locations were recorded (its outputs name only the claims)", () => {
        const untidyPath = "/exports/wso2sp/mysql/";
        // The claim the program named from the path as typed, before paths were tidied.
        const untidyClaim = nfsClaimName(mysqlDataClaimName, { server: "10.0.0.9", path: untidyPath, ...mysqlDataVolume });
        const lastOutputs = () => ({ namespace: "wso2", claimNames: { ...first.outputs.claimNames, mysqlData: untidyClaim } });

        it("keeps the volume and claim named from its untidy path, and the volume's exact nfs.path, also once the path is tidied", async () => {
            const upgraded = await runFixture(fixture, (config) => setPath(config, "nfs.mysqlDataPath", untidyPath), {}, lastOutputs());
            const kept = volumeOf(upgraded, mysqlDataClaimName);
            assert.equal(kept.claim.metadata.name, untidyClaim);
            assert.equal(kept.pv.spec.nfs.path, untidyPath);
            assert.equal(upgraded.outputs.nfsVolumes.mysqlData.path, untidyPath);
            assert.equal(initialisedExport(upgraded), `10.0.0.9:${untidyPath}`);
            // The next run, with the path tidied in the stack file: still the same volume.
            const tidied = await runFixture(fixture, undefined, {}, upgraded.outputs);
            assert.equal(volumeOf(tidied, mysqlDataClaimName).claim.metadata.name, untidyClaim);
            assert.equal(volumeOf(tidied, mysqlDataClaimName).pv.spec.nfs.path, untidyPath);
        });

        it("refuses a move, and reads the old export from its PersistentVolume in the copy commands", async () => {
            const error = await refusal(runFixture(fixture, (config) => setPath(config, "nfs.mysqlDataPath", "/exports/other"), {}, lastOutputs()));
            assert.match(error.message, new RegExp(`moves MySQL's data \\(SP_MGT_DB, SP_WORKER_STATE_DB\\) off the export of its claim ${untidyClaim}`));
            assert.ok(error.message.includes(`mount -t nfs "$(kubectl get pv wso2-${untidyClaim} -o jsonpath='{.spec.nfs.server}:{.spec.nfs.path}')" /mnt/wso2sp-old`), error.message);
        });
    });
});

describe("in-cluster MySQL in the whole program", () => {
    const digestOf = (object: Record<string, any>) => object.spec.template.metadata.annotations["wso2sp/credentials-digest"];

    it("rolls with the same credentials digest as the SP pods, which changes with the MySQL root password", async () => {
        const run = await sharedFixture("in-cluster");
        const rotated = await runFixture("in-cluster", undefined, { mysqlRootPassword: "another-root-password-1" });
        const deployments = workloads(run).filter((workload) => workload.metadata.name.startsWith("wso2sp-"));
        assert.ok(deployments.length >= 5);
        for (const deployment of deployments) {
            assert.equal(digestOf(deployment), digestOf(objectNamed(run, "StatefulSet", "sp-rdbms")), deployment.metadata.name);
            assert.notEqual(digestOf(workloadNamed(rotated, deployment.metadata.name)), digestOf(deployment), deployment.metadata.name);
        }
        assert.notEqual(digestOf(objectNamed(rotated, "StatefulSet", "sp-rdbms")), digestOf(objectNamed(run, "StatefulSet", "sp-rdbms")));
    });

    it("updates every SP node after the MySQL StatefulSet, manager-2 still after manager-1", async () => {
        const run = await sharedFixture("in-cluster");
        const deployments = run.resources.filter((resource) => ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet"].includes(resource.type) && resource.name.startsWith("wso2sp-"));
        assert.ok(deployments.length >= 5);
        for (const deployment of deployments) {
            const waitsFor = ([] as unknown[])
                .concat(deployment.options.dependsOn ?? [])
                .map((resource) => (resource as { __name: string }).__name)
                .filter((name) => !name.includes("-preflight-"));
            assert.deepEqual(waitsFor, [deployment.name === "wso2sp-manager-2" ? "wso2sp-manager-1" : "mysql"], deployment.name);
        }
    });
});
