/**
 * The preflight Jobs as emitted under mocks (tests/programs/preflight.ts): one per NFS volume of an
 * SP node and per keystore Secret, and the one the MySQL component builds; the workload waits for
 * them, they wait only for their claims, and a volume that cannot be mounted ends `pulumi up` within
 * minutes, named.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { urnSafeExport } from "../kube/preflight";
import { directoryWith } from "./temporaryFiles";
import { objectNamed, objectsOfKind, projectDir, type ProgramRun, runProgram, sharedFixture } from "./harness";

const program = path.join(__dirname, "programs", "preflight");
const script = fs.readFileSync(path.join(projectDir, "pod-scripts", "jobs", "preflight.sh"), "utf8");
const spImage = "wso2/wso2sp-manager:4.4.0";
const mysqlImage = "mysql:5.7.44";

const manager = {
    namespace: "wso2sp",
    spec: {
        name: "wso2sp-manager-1",
        kind: "manager",
        confs: "manager",
        imageName: "wso2sp-manager",
        replicas: 1,
        nodePort: 9543,
        listeners: [{ name: "https", port: 9543 }],
        env: [],
        ingressHost: "manager.example.com",
        singleton: true,
        dependsOn: [],
    },
    image: spImage,
    memory: "2Gi",
    cpu: "500m",
    scheduling: {},
    serviceAccountName: "wso2sp",
    podScriptsConfigMapName: "pod-scripts",
    configMounts: [],
    claimMounts: [
        { volumeName: "sp-mgt-volume-claim", claimName: "siddhi-claim", mountPath: "/home/wso2carbon/wso2sp-4.4.0/deployment/siddhi-files/", overlaysProductHome: false, nfs: { server: "10.0.0.5", path: "/exports/siddhi-files" } },
        { volumeName: "extensions", claimName: "extensions-claim", mountPath: "/home/wso2carbon/wso2-overlays/extensions", overlaysProductHome: true, nfs: { server: "fd00::5", path: "/exports/extensions" } },
    ],
    credentialsDigest: "digest",
    ingress: { className: "nginx", tlsSecretName: "", sourceRanges: [], limits: { requestsPerSecond: 20, burstMultiplier: 5, connections: 20 } },
    tls: { secretName: "wso2sp-keystores" },
};
const mysql = { image: mysqlImage, volume: { name: "mysql-data", claimName: "mysql-claim", nfs: { server: "10.0.0.5", path: "/exports/mysql" }, access: "write" } };

const jobs = (run: ProgramRun) => run.resources.filter((resource) => resource.type === "kubernetes:batch/v1:Job");
const podOf = (job: { inputs: Record<string, any> }) => job.inputs.spec.template.spec;
const scriptArgs = (job: { inputs: Record<string, any> }) => podOf(job).containers[0].command.slice(4);

describe("preflight Jobs (mocks)", () => {
    let run: ProgramRun;
    before(async () => {
        run = await runProgram({ node: manager, mysql }, { programFile: program });
    });

    it("checks each NFS volume of an SP node in its own Job, as uid 802: the Siddhi files for writing, an overlay mounted read-only for reading", () => {
        const checked = jobs(run).filter((job) => scriptArgs(job)[0] === "volume" && job.name.startsWith("wso2sp-manager-1-"));
        assert.equal(checked.length, manager.claimMounts.length);
        const byVolume = Object.fromEntries(checked.map((job) => [scriptArgs(job)[1], job]));
        const siddhi = byVolume["sp-mgt-volume-claim"];
        assert.deepEqual(scriptArgs(siddhi), ["volume", "sp-mgt-volume-claim", "10.0.0.5:/exports/siddhi-files", "/preflight", "write", "802:802", "700"]);
        assert.deepEqual(podOf(siddhi).volumes, [{ name: "checked", persistentVolumeClaim: { claimName: "siddhi-claim", readOnly: false } }]);
        const overlay = byVolume.extensions;
        assert.deepEqual(scriptArgs(overlay), ["volume", "extensions", "fd00::5:/exports/extensions", "/preflight", "read", "802:802", "700"]);
        assert.equal(podOf(overlay).volumes[0].persistentVolumeClaim.readOnly, true);
        assert.equal(podOf(overlay).containers[0].volumeMounts[0].readOnly, true);
        for (const job of checked) {
            assert.equal(podOf(job).securityContext.runAsUser, 802);
            assert.equal(podOf(job).containers[0].command[2], script);
        }
    });

    it("checks the keystore Secret for the keys the pods read, and ca.crt that NGINX reads for a node with an Ingress; a missing Secret mounts empty and is named", () => {
        const [secretJob] = jobs(run).filter((job) => scriptArgs(job)[0] === "secret");
        assert.deepEqual(scriptArgs(secretJob), ["secret", "wso2sp-keystores", "/preflight", "keystore.jks", "truststore.jks", "ca.crt"]);
        assert.equal(podOf(secretJob).volumes[0].secret.optional, true);
        assert.equal(podOf(secretJob).securityContext.runAsUser, 802);
    });

    it("builds the MySQL data check as uid 999, owner 999:999, in the MySQL image", () => {
        const [mysqlJob] = jobs(run).filter((job) => job.name.startsWith("mysql-"));
        assert.deepEqual(scriptArgs(mysqlJob), ["volume", "mysql-data", "10.0.0.5:/exports/mysql", "/preflight", "write", "999:999", "700"]);
        assert.equal(podOf(mysqlJob).containers[0].image, mysqlImage);
        assert.equal(podOf(mysqlJob).securityContext.runAsUser, 999);
    });

    it("an export that cannot be mounted ends pulumi up within minutes, not after the rollout's 30: short timeouts, a Job deadline within them, one attempt", () => {
        const all = jobs(run);
        assert.equal(all.length, 4);
        for (const job of all) {
            assert.deepEqual(job.options.customTimeouts, { create: "5m", update: "5m" });
            assert.ok(job.inputs.spec.activeDeadlineSeconds < 5 * 60);
            assert.equal(job.inputs.spec.backoffLimit, 0);
            assert.equal(podOf(job).restartPolicy, "Never");
        }
    });

    it("names the volume and the NFS server:path in the Job's logical name, which a timeout's error shows", () => {
        const names = jobs(run).map((job) => job.name).sort();
        assert.deepEqual(names, [
            "mysql-preflight-mysql-data@10.0.0.5:/exports/mysql",
            "wso2sp-manager-1-preflight-extensions@[fd00:0:0:0:0:0:0:5]:/exports/extensions",
            "wso2sp-manager-1-preflight-sp-mgt-volume-claim@10.0.0.5:/exports/siddhi-files",
            "wso2sp-manager-1-preflight-wso2sp-keystores",
        ]);
    });

    it("keeps `::`, the URN's separator, out of the logical name: an IPv6 server spelt out in brackets, a colon in the path escaped", () => {
        const urns = run.urns.map(({ urn }) => urn).filter((urn) => urn.includes(":batch/v1:Job::"));
        assert.equal(urns.length, 4);
        for (const urn of urns) {
            assert.equal(urn.split("::").length, 4, urn);
        }
        assert.equal(urnSafeExport({ server: "fd00::5", path: "/exports/a" }), "[fd00:0:0:0:0:0:0:5]:/exports/a");
        assert.equal(urnSafeExport({ server: "::ffff:10.0.0.5", path: "/exports/a" }), "[0:0:0:0:0:ffff:10.0.0.5]:/exports/a");
        assert.equal(urnSafeExport({ server: "2001:db8:1:2:3:4:5:6", path: "/exports/a::b" }), "[2001:db8:1:2:3:4:5:6]:/exports/a%3A%3Ab");
        assert.equal(urnSafeExport({ server: "nfs.example.com", path: "/exports/a" }), "nfs.example.com:/exports/a");
    });

    it("runs within Pod Security restricted and 32Mi, in the workload's own image, with no API token and a read-only root", () => {
        for (const job of jobs(run)) {
            const pod = podOf(job);
            const [container] = pod.containers;
            assert.equal(pod.containers.length, 1);
            assert.equal(pod.securityContext.runAsNonRoot, true);
            assert.equal(pod.securityContext.seccompProfile.type, "RuntimeDefault");
            assert.equal(container.securityContext.allowPrivilegeEscalation, false);
            assert.deepEqual(container.securityContext.capabilities.drop, ["ALL"]);
            assert.equal(container.securityContext.readOnlyRootFilesystem, true);
            assert.equal(container.resources.limits.memory, "32Mi");
            assert.equal(container.resources.requests.memory, "32Mi");
            assert.equal(pod.automountServiceAccountToken, false);
            assert.equal(container.image, job.name.startsWith("mysql-") ? mysqlImage : spImage);
        }
    });

    it("the Deployment waits for its preflight Jobs; the Jobs wait for nothing but their claims", async () => {
        const deployment = run.resources.find((resource) => resource.type === "kubernetes:apps/v1:Deployment")!;
        const waitsFor = await Promise.all(((deployment.options.dependsOn ?? []) as pulumi.Resource[]).map((resource) => promiseOf(resource.urn)));
        const spJobs = jobs(run).filter((job) => job.name.startsWith("wso2sp-manager-1-"));
        assert.equal(spJobs.length, 3);
        assert.deepEqual(waitsFor.map((urn) => urn.split("::").slice(3).join("::")).sort(), spJobs.map((job) => job.name).sort());
        for (const job of jobs(run)) {
            assert.equal(job.options.dependsOn, undefined, job.name);
        }
        // The claim is referenced by name only, an output of the claim: the one edge.
        assert.deepEqual(objectsOfKind(run, "Job").flatMap((job) => job.spec.template.spec.volumes.map((volume: any) => volume.persistentVolumeClaim?.claimName ?? volume.secret.secretName)).sort(), [
            "extensions-claim",
            "mysql-claim",
            "siddhi-claim",
            "wso2sp-keystores",
        ]);
    });

    it("the emitted command runs the script with its arguments (sh -c), as the Job's user, on what is mounted", function () {
        if (process.getuid?.() !== 0) {
            this.skip(); // Running as uid 802 needs root, as in the dev container.
        }
        const job = jobs(run).find((each) => scriptArgs(each)[1] === "sp-mgt-volume-claim")!;
        const { command } = podOf(job).containers[0];
        const mounted = directoryWith();
        fs.chownSync(mounted, 802, 802);
        fs.chmodSync(mounted, 0o700);
        const local = command.map((word: string) => (word === "/preflight" ? mounted : word));
        const output = execFileSync("setpriv", ["--reuid=802", "--regid=802", "--clear-groups", ...local], { env: { PATH: process.env.PATH, TERMINATION_LOG: "/dev/null" } }).toString();
        assert.match(output, /volume sp-mgt-volume-claim \(NFS 10\.0\.0\.5:\/exports\/siddhi-files, mounted at .*\): owner 802:802, mode 700; usable by uid 802 gid 802 for write/);
    });

    it("a changed export, image or script gives the Job a new name, so it runs again", async () => {
        const moved = structuredClone(manager);
        moved.claimMounts[0].claimName = "siddhi-claim-moved";
        const again = await runProgram({ node: moved }, { programFile: program });
        const nameOf = (result: ProgramRun, volume: string) => objectsOfKind(result, "Job").find((job) => job.spec.template.spec.containers[0].command[5] === volume)!.metadata.name;
        assert.notEqual(nameOf(again, "sp-mgt-volume-claim"), nameOf(run, "sp-mgt-volume-claim"));
        assert.equal(nameOf(again, "extensions"), nameOf(run, "extensions"));
        assert.match(objectNamed(again, "Job", nameOf(again, "extensions")).metadata.name, /^wso2sp-manager-1-preflight-[0-9a-f]{10}$/);
    });
});

function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply((value) => resolve(value)));
}

describe("preflight Jobs of the program (fixture stacks)", () => {
    for (const stack of ["in-cluster", "external"]) {
        describe(stack, () => {
            let run: ProgramRun;
            before(async () => {
                run = await sharedFixture(stack);
            });
            const byName = (name: string) => run.resources.find((resource) => resource.name === name)!;
            const workloads = () => run.resources.filter((resource) => ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet"].includes(resource.type));

            it("every NFS claim a workload mounts is checked first by a Job of its own, as the workload's user, for the access the workload has", () => {
                const claimed = workloads().filter((workload) => podOf(workload).volumes.some((volume: any) => volume.persistentVolumeClaim));
                assert.ok(claimed.length >= 4, claimed.map((workload) => workload.name).join(", "));
                for (const workload of claimed) {
                    const pod = podOf(workload);
                    const waitsFor = ((workload.options.dependsOn ?? []) as pulumi.Resource[]).map((resource) => byName((resource as any).__name));
                    for (const volume of pod.volumes.filter((each: any) => each.persistentVolumeClaim)) {
                        const { claimName } = volume.persistentVolumeClaim;
                        const readOnly = pod.containers[0].volumeMounts.find((mount: any) => mount.name === volume.name).readOnly === true;
                        const checks = waitsFor.filter((job) => job.type === "kubernetes:batch/v1:Job" && podOf(job).volumes[0].persistentVolumeClaim?.claimName === claimName);
                        assert.equal(checks.length, 1, `${workload.name} waits for one check of ${claimName}`);
                        const [check] = checks;
                        const { nfs } = objectsOfKind(run, "PersistentVolume").find((pv) => pv.spec.claimRef.name === claimName)!.spec;
                        const user = pod.securityContext.runAsUser;
                        assert.equal(podOf(check).securityContext.runAsUser, user);
                        assert.equal(scriptArgs(check)[5], `${user}:${user}`, "owned by the user");
                        assert.equal(podOf(check).containers[0].image, pod.containers[0].image, "in the workload's own image");
                        assert.deepEqual(scriptArgs(check).slice(2, 5), [`${nfs.server}:${nfs.path}`, "/preflight", readOnly ? "read" : "write"]);
                        assert.ok(check.name.endsWith(`@${nfs.server}:${nfs.path}`), check.name);
                    }
                }
            });

            if (stack === "in-cluster") {
                it("MySQL's StatefulSet waits for a check of its data export as uid 999, in the MySQL image", () => {
                    const mysql = run.resources.find((resource) => resource.type === "kubernetes:apps/v1:StatefulSet" && resource.name === "mysql")!;
                    const [check] = ((mysql.options.dependsOn ?? []) as pulumi.Resource[]).map((resource) => byName((resource as any).__name));
                    assert.equal(check.name, "mysql-preflight-sp-rdbms-volume-claim@192.168.56.10:/exports/wso2sp/mysql");
                    assert.deepEqual(scriptArgs(check), ["volume", "sp-rdbms-volume-claim", "192.168.56.10:/exports/wso2sp/mysql", "/preflight", "write", "999:999", "700"]);
                    assert.equal(podOf(check).securityContext.runAsUser, 999);
                    assert.equal(podOf(check).containers[0].image, "mysql:5.7.44");
                });
            }

            it("a preflight Job waits for nothing but its namespace, its claim and the image pull Secret", () => {
                const checks = run.resources.filter((resource) => resource.type === "kubernetes:batch/v1:Job" && resource.inputs.metadata.labels["app.kubernetes.io/component"] === "preflight");
                assert.ok(checks.length >= 5);
                const typeOf = (urn: string) => urn.split("::")[2].split("$").pop();
                for (const check of checks) {
                    const registered = run.urns.find(({ urn }) => urn.endsWith(`$kubernetes:batch/v1:Job::${check.name}`))!;
                    const types = registered.dependencies.map(typeOf).sort();
                    const claim = scriptArgs(check)[0] === "volume" ? ["kubernetes:core/v1:PersistentVolumeClaim"] : [];
                    assert.deepEqual(types.filter((type) => type !== "kubernetes:core/v1:Secret"), ["kubernetes:core/v1:Namespace", ...claim], check.name);
                    assert.equal(check.options.dependsOn, undefined, check.name);
                }
            });

            it("each preflight Job is bounded: 5-minute timeouts, 32Mi, non-root with every capability dropped", () => {
                const checks = run.resources.filter((resource) => resource.type === "kubernetes:batch/v1:Job" && resource.inputs.metadata.labels["app.kubernetes.io/component"] === "preflight");
                assert.ok(checks.length >= 5);
                for (const check of checks) {
                    const [container] = podOf(check).containers;
                    assert.deepEqual(check.options.customTimeouts, { create: "5m", update: "5m" }, check.name);
                    assert.equal(container.resources.limits.memory, "32Mi", check.name);
                    assert.equal(podOf(check).securityContext.runAsNonRoot, true, check.name);
                    assert.deepEqual(container.securityContext.capabilities.drop, ["ALL"], check.name);
                }
            });
        });
    }
});
