import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { siddhiAppsComponent } from "../config/siddhiApps";
import { ManagerStandIn, runSyncScript, type StandInOptions } from "./managerStandIn";
import { objectsOfKind, ProgramRun, projectDir, registeredBeforeError, runFixture, sharedFixture, setPath, workloadNamed } from "./harness";
import { directoryWith } from "./temporaryFiles";
import { type NetworkPolicy, NetworkPolicyEvaluator, type Pod } from "./networkPolicyEvaluator";

const script = path.join(projectDir, "pod-scripts", "jobs", "sync-siddhi-apps.sh");
const example = fs.readFileSync(path.join(projectDir, "siddhi-apps", "TemperatureAlerts.siddhi"), "utf8");

/** A minimal app named `name`, with `body` after its name. */
const app = (name: string, body = "define stream InStream (value int);\nfrom InStream select value insert into OutStream;\n") =>
    `@App:name('${name}')\n${body}`;

const withApps = (dir: string) => (config: Record<string, unknown>) => setPath(config, "siddhiAppsDir", dir);
const job = (run: ProgramRun) => {
    // Preflight Jobs check volumes and Secrets; one Job applies the apps.
    const jobs = objectsOfKind(run, "Job").filter((candidate) => candidate.metadata.labels["app.kubernetes.io/component"] !== "preflight");
    assert.equal(jobs.length, 1, "one Job applies the apps");
    return jobs[0];
};
const jobPod = (run: ProgramRun) => job(run).spec.template.spec;
const sync = (run: ProgramRun) => jobPod(run).containers[0];
const env = (run: ProgramRun, name: string) => sync(run).env.find((variable: any) => variable.name === name);
/** The apps ConfigMaps, by the app file each holds. */
function appConfigMaps(run: ProgramRun): Map<string, Record<string, any>> {
    const maps = objectsOfKind(run, "ConfigMap").filter((map) => map.metadata.name.startsWith("wso2sp-siddhi-app-"));
    return new Map(maps.map((map) => [Object.keys(map.data)[0], map]));
}
/** The ConfigMaps the Job mounts as its apps folder. */
const mountedApps = (run: ProgramRun) =>
    (jobPod(run).volumes.find((volume: any) => volume.name === "apps").projected?.sources ?? []).map((source: any) => source.configMap.name).sort();

describe("Siddhi apps: the program", () => {
    let run: ProgramRun;
    before(async () => {
        run = await sharedFixture("in-cluster");
    });

    it("holds each app of siddhi-apps/ in a ConfigMap of its own, file name as key, as the Job mounts it", () => {
        const maps = appConfigMaps(run);
        assert.deepEqual([...maps.keys()], ["TemperatureAlerts.siddhi"]);
        const map = maps.get("TemperatureAlerts.siddhi")!;
        assert.equal(map.data["TemperatureAlerts.siddhi"], example);
        assert.equal(map.immutable, true);
        assert.deepEqual(mountedApps(run), [map.metadata.name]);
        assert.equal(sync(run).volumeMounts.find((mount: any) => mount.name === "apps").mountPath, env(run, "APPS_DIR").value);
    });

    it("ships an example with @dist execution groups, one of them parallel, and no outside source or sink", () => {
        assert.match(example, /@dist\(execGroup = 'aggregator', parallel = '2'\)/);
        assert.equal((example.match(/@dist\(/g) ?? []).length, 3);
        const transports = [...example.matchAll(/@(source|sink)\(type\s*=\s*'([^']+)'/g)].map((match) => match[2]);
        assert.deepEqual(transports, ["log"]);
        assert.match(example, /define trigger ReadingTrigger/);
    });

    it("runs the sync script from a ConfigMap of the file in pod-scripts/jobs/, which SP pods do not mount", () => {
        const scripts = jobPod(run).volumes.find((volume: any) => volume.name === "scripts").configMap.name;
        const map = objectsOfKind(run, "ConfigMap").find((configMap) => configMap.metadata.name === scripts)!;
        assert.equal(map.data["sync-siddhi-apps.sh"], fs.readFileSync(script, "utf8"));
        assert.deepEqual(sync(run).command, ["sh", "/scripts/sync-siddhi-apps.sh"]);
        const spScripts = objectsOfKind(run, "ConfigMap").filter((configMap) => configMap.metadata.name.startsWith("wso2sp-pod-scripts-"));
        assert.ok(spScripts.length > 0 && spScripts.every((configMap) => !("sync-siddhi-apps.sh" in configMap.data)), "a changed sync script rolls no SP pod");
    });

    it("reaches the managers by their Service names and HTTPS ports, as admin with the password from the credentials Secret", () => {
        assert.equal(env(run, "MANAGER_URLS").value, "https://wso2sp-manager-1:9543 https://wso2sp-manager-2:9544");
        assert.equal(env(run, "ADMIN_USERNAME").value, "admin");
        assert.deepEqual(env(run, "ADMIN_PASSWORD").valueFrom, { secretKeyRef: { name: "wso2sp-credentials", key: "admin-password" } });
        assert.equal(env(run, "MIN_WORKERS").value, "2", "minResourceCount of confs/manager");
        assert.deepEqual(env(run, "RUN_ID").valueFrom, { fieldRef: { fieldPath: "metadata.name" } }, "each run marks its apps with its pod name");
    });

    it("lets the Job's pods reach the managers' HTTPS API through the NetworkPolicies, and nothing else of the namespace", () => {
        const evaluator = new NetworkPolicyEvaluator(objectsOfKind(run, "NetworkPolicy") as NetworkPolicy[]);
        const podOf = (workload: Record<string, any>): Pod => ({
            namespace: workload.metadata.namespace,
            labels: workload.spec.template.metadata.labels,
            ports: workload.spec.template.spec.containers.flatMap((container: any) => container.ports ?? []),
        });
        const deployment = (name: string) => podOf(workloadNamed(run, name));
        const jobPods = podOf(job(run));
        assert.deepEqual(
            env(run, "MANAGER_URLS").value.split(" ").map((url: string) => new URL(url)).map((url: URL) => [url.hostname, Number(url.port)]),
            [["wso2sp-manager-1", 9543], ["wso2sp-manager-2", 9544]],
        );
        assert.ok(evaluator.canReach(jobPods, deployment("wso2sp-manager-1"), 9543));
        assert.ok(evaluator.canReach(jobPods, deployment("wso2sp-manager-2"), 9544));
        assert.ok(!evaluator.canReach(jobPods, deployment("wso2sp-manager-1"), 9090), "the manager's plain HTTP port");
        assert.ok(!evaluator.canReach(jobPods, deployment("wso2sp-worker"), 9443));
        assert.ok(!evaluator.canReach(jobPods, { ip: "8.8.8.8" }, 443));
        assert.equal(jobPods.labels["app.kubernetes.io/component"], siddhiAppsComponent);
    });

    it("runs the Job once, as the SP user without API token, with a memory limit, reporting its reason on failure", () => {
        const spec = job(run).spec;
        assert.equal(spec.backoffLimit, 0);
        assert.equal(spec.template.spec.restartPolicy, "Never");
        assert.ok(spec.activeDeadlineSeconds > Number(env(run, "TIMEOUT_SECONDS").value), "the script reports before Kubernetes kills it");
        const pod = spec.template.spec;
        assert.equal(pod.automountServiceAccountToken, false);
        assert.deepEqual(pod.securityContext, { runAsUser: 802, runAsGroup: 802, fsGroup: 802, runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
        const container = sync(run);
        assert.equal(container.image, "wso2/wso2sp-manager:4.4.0");
        assert.ok(container.resources.limits.memory);
        assert.equal(container.resources.limits.memory, container.resources.requests.memory);
        // A CPU request, never a CPU limit (README, Resources).
        assert.ok(container.resources.requests.cpu);
        assert.equal(container.resources.limits.cpu, undefined);
        assert.equal(container.securityContext.allowPrivilegeEscalation, false);
        assert.equal(container.securityContext.readOnlyRootFilesystem, true);
        assert.equal(container.terminationMessagePolicy, "FallbackToLogsOnError");
        assert.equal(spec.template.metadata.labels["app.kubernetes.io/component"], "siddhi-apps");
    });

    it("waits for the managers, workers and receiver before the Job runs, not for the dashboard", () => {
        const jobResource = run.resources.find((resource) => resource.type === "kubernetes:batch/v1:Job" && resource.inputs.metadata.name === job(run).metadata.name)!;
        assert.ok(jobResource.options.parent, "the Job belongs to the siddhi-apps component");
        const component = run.resources.find((resource) => resource.type === "wso2sp:siddhi:Apps")!;
        const waitsFor = ((component.options.dependsOn ?? []) as any[]).map((dependency) => dependency.__name as string).sort();
        assert.deepEqual(waitsFor, ["wso2sp-manager-1", "wso2sp-manager-2", "wso2sp-receiver", "wso2sp-worker"]);
    });

    it("runs the same script over the same apps every minute as a reconciler, one pass at a time, each over within the minute", () => {
        const cronJobs = objectsOfKind(run, "CronJob");
        assert.equal(cronJobs.length, 1);
        const { spec } = cronJobs[0];
        assert.equal(spec.schedule, "* * * * *");
        assert.equal(spec.concurrencyPolicy, "Forbid");
        assert.ok(spec.jobTemplate.spec.activeDeadlineSeconds < 60, "a pass ends before the next one is due");
        const pass = spec.jobTemplate.spec.template;
        const waiting = pass.spec.containers[0].env.find((variable: any) => variable.name === "TIMEOUT_SECONDS");
        assert.ok(Number(waiting.value) < spec.jobTemplate.spec.activeDeadlineSeconds, "the script reports before Kubernetes kills it");
        // Apart from how long it waits, a pass is the Job's pod: same script, apps, image, identity and limits.
        const withoutWait = (pod: any) => ({ ...pod, spec: { ...pod.spec, containers: pod.spec.containers.map((container: any) => ({ ...container, env: container.env.filter((variable: any) => variable.name !== "TIMEOUT_SECONDS") })) } });
        assert.deepEqual(withoutWait(pass), withoutWait(job(run).spec.template));
        assert.equal(pass.spec.containers[0].resources.limits.memory, "64Mi");
        assert.equal(pass.metadata.labels["app.kubernetes.io/component"], siddhiAppsComponent, "the Job's NetworkPolicy applies");
    });

    it("replaces the reconciler whenever the Job changes, deleting the old one and its running pass before the Job runs", () => {
        const reconciler = run.resources.find((resource) => resource.type === "kubernetes:batch/v1:CronJob")!;
        const jobResource = run.resources.find((resource) => resource.type === "kubernetes:batch/v1:Job" && resource.inputs.metadata.name === job(run).metadata.name)!;
        assert.equal(reconciler.inputs.metadata.name, jobResource.inputs.metadata.name.replace("wso2sp-siddhi-apps-", "wso2sp-siddhi-apps-reconciler-"));
        assert.equal((reconciler.options as { deleteBeforeReplace?: boolean }).deleteBeforeReplace, true);
        assert.equal(reconciler.inputs.metadata.annotations["pulumi.com/deletionPropagationPolicy"], "foreground");
        assert.deepEqual(((jobResource.options.dependsOn ?? []) as any[]).map((dependency) => dependency.__name), [reconciler.name]);
    });

    it("without the stack's own keystore, calls the managers without verifying the product's default certificate", () => {
        assert.equal(env(run, "CA_CERT"), undefined);
        assert.ok(!jobPod(run).volumes.some((volume: any) => volume.secret));
    });

    it("lists the deployed apps and, as the smoke check, what the Job verified: the managers, the workers' minimum and the apps it was given", () => {
        assert.deepEqual(run.outputs.siddhiAppsDeployed, ["TemperatureAlerts"]);
        const checkedManagers = env(run, "MANAGER_URLS").value.split(" ");
        assert.deepEqual(checkedManagers, ["https://wso2sp-manager-1:9543", "https://wso2sp-manager-2:9544"]);
        assert.equal(env(run, "MIN_WORKERS").value, "2");
        assert.deepEqual(Object.keys(objectsOfKind(run, "ConfigMap").find((map) => "TemperatureAlerts.siddhi" in (map.data ?? {}))?.data ?? {}), ["TemperatureAlerts.siddhi"]);
        assert.equal(run.outputs.smokeCheck, `passed: one leader among ${checkedManagers.join(", ")}, at least 2 workers registered, apps active: TemperatureAlerts`);
    });

    describe("changing the folder", () => {
        const base = { "Alpha.siddhi": app("Alpha"), "Beta.siddhi": app("Beta") };
        let baseline: ProgramRun;
        before(async () => {
            baseline = await runFixture("in-cluster", withApps(directoryWith(base)));
        });

        it("gives an unchanged folder the same Job, which therefore does not run again", async () => {
            const again = await runFixture("in-cluster", withApps(directoryWith(base)));
            assert.equal(job(again).metadata.name, job(baseline).metadata.name);
        });

        it("adds an app: a new ConfigMap named after it, the others unchanged, and a new Job that deploys it", async () => {
            const after = await runFixture("in-cluster", withApps(directoryWith({ ...base, "Gamma.siddhi": app("Gamma") })));
            assert.deepEqual([...appConfigMaps(after).keys()], ["Alpha.siddhi", "Beta.siddhi", "Gamma.siddhi"]);
            assert.equal(appConfigMaps(after).get("Alpha.siddhi")!.metadata.name, appConfigMaps(baseline).get("Alpha.siddhi")!.metadata.name);
            assert.ok(after.resources.some((resource) => resource.name === "siddhi-apps:Gamma"), "the preview names the added app");
            assert.equal(mountedApps(after).length, 3);
            assert.notEqual(job(after).metadata.name, job(baseline).metadata.name);
            assert.deepEqual(after.outputs.siddhiAppsDeployed, ["Alpha", "Beta", "Gamma"]);
        });

        it("changes an app: only its ConfigMap gets a new name under the same resource name, and the Job runs again", async () => {
            const after = await runFixture("in-cluster", withApps(directoryWith({ ...base, "Beta.siddhi": app("Beta", "define stream Changed (x long);\n") })));
            assert.equal(appConfigMaps(after).get("Alpha.siddhi")!.metadata.name, appConfigMaps(baseline).get("Alpha.siddhi")!.metadata.name);
            const [old, changed] = [baseline, after].map((r) => appConfigMaps(r).get("Beta.siddhi")!);
            assert.notEqual(changed.metadata.name, old.metadata.name);
            assert.match(changed.data["Beta.siddhi"], /define stream Changed/);
            const betaResources = after.resources.filter((resource) => resource.name === "siddhi-apps:Beta");
            assert.equal(betaResources.length, 1, "the preview shows a replacement of siddhi-apps:Beta");
            assert.notEqual(job(after).metadata.name, job(baseline).metadata.name);
        });

        it("removes an app: its ConfigMap goes, the Job no longer mounts it and runs again to undeploy it", async () => {
            const after = await runFixture("in-cluster", withApps(directoryWith({ "Alpha.siddhi": app("Alpha") })));
            assert.deepEqual([...appConfigMaps(after).keys()], ["Alpha.siddhi"]);
            assert.ok(!after.resources.some((resource) => resource.name === "siddhi-apps:Beta"), "the preview deletes siddhi-apps:Beta");
            assert.deepEqual(mountedApps(after), [appConfigMaps(after).get("Alpha.siddhi")!.metadata.name]);
            assert.notEqual(job(after).metadata.name, job(baseline).metadata.name);
        });

        it("still runs the Job with an empty folder, so that the last app is undeployed too", async () => {
            const after = await runFixture("in-cluster", withApps(directoryWith({})));
            assert.deepEqual(appConfigMaps(after).size, 0);
            assert.deepEqual(jobPod(after).volumes.find((volume: any) => volume.name === "apps").emptyDir, {});
            assert.deepEqual(after.outputs.siddhiAppsDeployed, []);
        });

        it("runs the Job again when the workers change, so the smoke check covers them", async () => {
            const after = await runFixture("in-cluster", (config) => {
                withApps(directoryWith(base))(config);
                setPath(config, "workers", 3);
            });
            assert.notEqual(job(after).metadata.name, job(baseline).metadata.name);
        });
    });
});

describe("Siddhi apps: with the stack's own keystore (tls.secretName)", () => {
    let run: ProgramRun;
    before(async () => {
        run = await sharedFixture("external");
    });

    it("mounts the Secret's ca.crt and calls the managers by <service>.<namespace>.svc, verifying their certificate", () => {
        assert.equal(env(run, "MANAGER_URLS").value, "https://wso2sp-manager-1.wso2-prod.svc:9543 https://wso2sp-manager-2.wso2-prod.svc:9544");
        const mount = sync(run).volumeMounts.find((volumeMount: any) => env(run, "CA_CERT").value.startsWith(`${volumeMount.mountPath}/`));
        const volume = jobPod(run).volumes.find((candidate: any) => candidate.name === mount.name);
        assert.deepEqual(volume.secret, { secretName: "wso2sp-keystores", items: [{ key: "ca.crt", path: "ca.crt" }] });
        assert.equal(mount.readOnly, true);
        assert.equal(env(run, "CA_CERT").value, `${mount.mountPath}/ca.crt`);
    });
});

describe("Siddhi apps: refused before anything is registered", () => {
    /** Runs the fixture with `files` as the apps folder; returns the error message. */
    async function refusal(files: Record<string, string>): Promise<string> {
        const dir = directoryWith(files);
        const error = await runFixture("in-cluster", withApps(dir)).then(
            () => assert.fail("the program accepted the apps"),
            (e: Error) => e,
        );
        assert.deepEqual(registeredBeforeError().filter((resource) => resource.type.startsWith("kubernetes:")), []);
        assert.match(error.message, /^Invalid Siddhi apps; nothing was deployed:\n/);
        return error.message.replaceAll(`${path.basename(dir)}/`, "apps/");
    }

    const cases: [string, Record<string, string>, RegExp][] = [
        ["an app without @App:name", { "Nameless.siddhi": "define stream S (a int);\n" }, /apps\/Nameless\.siddhi:1: has no @App:name/],
        ["an @App:name inside a comment only", { "Hidden.siddhi": "-- @App:name('Hidden')\ndefine stream S (a int);\n" }, /apps\/Hidden\.siddhi:1: has no @App:name/],
        ["an @App:name without value", { "Keyed.siddhi": "@App:name(name = 'Keyed')\n" }, /apps\/Keyed\.siddhi:1: @App:name has no value/],
        ["a file not named after its app", { "Wrong.siddhi": app("Right") }, /apps\/Wrong\.siddhi:1: the app is named Right, so SP requires the file name Right\.siddhi/],
        [
            "two files with one app name",
            { "Same.siddhi": app("Same"), "Zother.siddhi": app("Same") },
            /apps\/Zother\.siddhi:1: app name Same is also the name of the app in apps\/Same\.siddhi/,
        ],
        ["names that differ only in case", { "Case.siddhi": app("Case"), "case.siddhi": app("case") }, /app name (Case|case) is also the name of the app in/],
        ["a repeated @App:name", { "Twice.siddhi": `${app("Twice")}@App:name('Twice')\n` }, /apps\/Twice\.siddhi:4: @App:name must come before the first definition or query/],
        ["a name SP skips", { "IS_Login.siddhi": app("IS_Login") }, /apps\/IS_Login\.siddhi:1: SP skips apps whose name starts with APIM_, IS_, EI_/],
        ["a name that cannot be a ConfigMap key", { "two words.siddhi": app("two words") }, /apps\/two words\.siddhi:1: app name "two words" may hold only letters/],
        ["a file that is not .siddhi", { "notes.txt": "x" }, /apps\/notes\.txt: SP deploys only files named <app name>\.siddhi/],
        [
            "an execGroup with two parallel values",
            { "Par.siddhi": app("Par", "@dist(execGroup='g', parallel='2')\nfrom A select * insert into B;\n@dist(execGroup='g')\nfrom B select * insert into C;\n") },
            /apps\/Par\.siddhi:4: execGroup 'g' has parallel 1 here and 2 on line 2/,
        ],
        ["a parallel that is no whole number", { "Zero.siddhi": app("Zero", "@dist(parallel='0', execGroup='g')\nfrom A select * insert into B;\n") }, /apps\/Zero\.siddhi:2: @dist\(parallel='0'\) must be a whole number/],
        [
            "@dist inside a partition",
            { "Part.siddhi": app("Part", "partition with (a of A)\nbegin\n  @dist(parallel='2')\n  from A select a insert into B;\nend;\n") },
            /apps\/Part\.siddhi:4: @dist inside a partition/,
        ],
    ];
    for (const [what, files, expected] of cases) {
        it(`refuses ${what}, naming file and line`, async () => {
            assert.match(await refusal(files), expected);
        });
    }

    it("refuses a literal credential in any annotation, one-line ones included, naming file, line and key but never the value", async () => {
        const message = await refusal({
            "Store.siddhi": app(
                "Store",
                "@store(type='rdbms', jdbc.url='jdbc:mysql://db:3306/x',\n        username='sp',\n        password='hunter2-store')\ndefine table T (a int);\n" +
                    "@sink(type='http', publisher.url='https://api.example.com', Consumer.Secret = \"hunter2-sink\") @map(type='json') define stream Out (a int);\n" +
                    "@source(type='http', receiver.url='http://0.0.0.0:8006/in', access.TOKEN=\"\"\"hunter2-source\"\"\") define stream In (a int);\n",
            ),
        });
        assert.match(message, /apps\/Store\.siddhi:4: option password holds a literal credential/);
        assert.match(message, /apps\/Store\.siddhi:6: option Consumer\.Secret holds a literal credential/);
        assert.match(message, /apps\/Store\.siddhi:7: option access\.TOKEN holds a literal credential/);
        assert.match(message, /ref='<that entry>'/);
        assert.doesNotMatch(message, /hunter2/, "the message never shows the value");
    });

    it("refuses a ${NAME} credential too: SP 4.4.0's Siddhi 4.5.9 does not replace variables in apps", async () => {
        const message = await refusal({ "Env.siddhi": app("Env", "@store(type='rdbms', datasource='SP_DATA', password='${DB_PASSWORD}')\ndefine table T (a int);\n") });
        assert.match(message, /apps\/Env\.siddhi:2: option password is a \$\{…\} reference, which SP 4\.4\.0 does not replace in apps/);
    });

    it("accepts credentials taken from a siddhi.refs entry, and the words in comments, values and other keys", async () => {
        const body =
            "-- @store(type='rdbms', password='not-read')\n@store(ref='spData')\ndefine table T (label string);\n" +
            "from In select 'password' as label insert into T;\n@info(name='token-counter')\nfrom In select 'secret' as label insert into Out;\n";
        const run = await runFixture("in-cluster", withApps(directoryWith({ "Refs.siddhi": app("Refs", body) })));
        assert.deepEqual(run.outputs.siddhiAppsDeployed, ["Refs"]);
    });

    it("refuses a file that is not UTF-8", async () => {
        const dir = directoryWith({});
        fs.writeFileSync(path.join(dir, "Latin.siddhi"), Buffer.from([...Buffer.from("@App:name('Latin')\n-- caf"), 0xe9]));
        await assert.rejects(runFixture("in-cluster", withApps(dir)), /Latin\.siddhi: is not UTF-8/);
    });

    it("refuses an app over the 1 MiB ConfigMap limit", async () => {
        const message = await refusal({ "Huge.siddhi": app("Huge", `-- ${"x".repeat(1024 * 1024)}\n`) });
        assert.match(message, /apps\/Huge\.siddhi: \d+ bytes, over the 1048576-byte ConfigMap limit; split the app/);
    });

    it("refuses a subdirectory, which SP does not read", async () => {
        const dir = directoryWith({});
        fs.mkdirSync(path.join(dir, "more"));
        await assert.rejects(runFixture("in-cluster", withApps(dir)), /\/more: SP deploys only the files directly in the folder/);
    });

    it("lists every problem of every file in one error", async () => {
        const message = await refusal({ "Nameless.siddhi": "define stream S (a int);\n", "Wrong.siddhi": app("Right") });
        assert.equal(message.split("\n").filter((line) => line.startsWith("  - ")).length, 2);
    });

    it("accepts names and annotations inside comments and strings without reading them", async () => {
        const run = await runFixture(
            "in-cluster",
            withApps(directoryWith({ "Quoted.siddhi": "/* @App:name('Other') */\n@App:name(\"Quoted\")\n@App:description('from @dist(parallel=x)')\n" })),
        );
        assert.deepEqual(run.outputs.siddhiAppsDeployed, ["Quoted"]);
    });

    it("refuses a siddhiAppsDir that is not a directory, as a stack setting", async () => {
        await assert.rejects(
            runFixture("in-cluster", (config) => setPath(config, "siddhiAppsDir", "no-such-folder")),
            /wso2-sp:siddhiAppsDir names .*no-such-folder, which is not a directory \(got "no-such-folder"\)\. Fix: pulumi config set siddhiAppsDir siddhi-apps/,
        );
    });
});

describe("Siddhi apps: the sync script against a stand-in of the managers' REST API", function () {
    this.timeout(30000);
    const password = 'pa"ss\\word';
    let manager: ManagerStandIn;
    const standIn = async (options: Partial<StandInOptions> = {}) => {
        manager = new ManagerStandIn({ username: "admin", password, workers: 2, leader: 0, ...options });
        await manager.start();
        return manager;
    };
    afterEach(async () => manager?.stop());

    /** Runs the script once over `dir`; resolves with its exit code, output and termination message. */
    const runScript = (dir: string, runId: string, extra: Record<string, string> = {}) => runSyncScript(manager, dir, runId, extra);
    const puts = () => manager.received.filter((request) => request.method === "PUT").length;
    const deletes = () => manager.received.filter((request) => request.method === "DELETE").map((request) => request.path);

    it("deploys every app of the folder on the leader, marked with its digest, and reports the smoke check", async () => {
        await standIn({ leader: 1, tls: "self-signed" });
        const result = await runScript(directoryWith({ "Alpha.siddhi": app("Alpha"), "TemperatureAlerts.siddhi": example }), "run-1");
        assert.equal(result.code, 0, result.message);
        assert.deepEqual([...manager.apps.keys()].sort(), ["Alpha", "TemperatureAlerts"]);
        assert.match(manager.apps.get("Alpha")!.content, /-- deployed-by wso2-sp siddhi-apps sha256:[0-9a-f]{64} run:run-1;/);
        assert.ok(manager.received.filter((request) => request.path.startsWith("/siddhi-apps")).every((request) => request.manager === 1), "only the leader is asked");
        assert.match(result.message, /^smoke check passed: leader manager https:\/\/127\.0\.0\.1:\d+, 2 worker\(s\) registered \(minResourceCount 2\), apps active: Alpha TemperatureAlerts/);
    });

    it("leaves unchanged apps alone and redeploys a changed one", async () => {
        await standIn();
        const dir = directoryWith({ "Alpha.siddhi": app("Alpha"), "Beta.siddhi": app("Beta") });
        assert.equal((await runScript(dir, "run-1")).code, 0);
        assert.equal(puts(), 2);
        assert.equal((await runScript(dir, "run-2")).code, 0);
        assert.equal(puts(), 2, "nothing changed, nothing sent");
        fs.writeFileSync(path.join(dir, "Beta.siddhi"), app("Beta", "define stream Changed (x long);\n"));
        const result = await runScript(dir, "run-3");
        assert.equal(result.code, 0, result.message);
        assert.equal(puts(), 3);
        assert.match(manager.apps.get("Beta")!.content, /define stream Changed/);
        assert.match(result.stdout, /unchanged: Alpha\n.*deploying Beta/s);
    });

    it("undeploys the apps it deployed that left the folder, and leaves apps deployed by other means", async () => {
        await standIn();
        const dir = directoryWith({ "Alpha.siddhi": app("Alpha"), "Gone.siddhi": app("Gone") });
        assert.equal((await runScript(dir, "run-1")).code, 0);
        manager.deploy("ByHand", app("ByHand"));
        fs.rmSync(path.join(dir, "Gone.siddhi"));
        const result = await runScript(dir, "run-2");
        assert.equal(result.code, 0, result.message);
        assert.deepEqual(deletes(), ["/siddhi-apps/Gone"]);
        assert.deepEqual([...manager.apps.keys()].sort(), ["Alpha", "ByHand"]);
        assert.match(result.message, /undeployed: Gone/);
    });

    it("fails with the manager's reason when the leader refuses an app, and still deploys the others", async () => {
        await standIn({ refuse: (content) => (content.includes("Broken") ? "Error between @ Line: 2. Position: 8, near 'strem'. no viable alternative at input 'definestrem'" : undefined) });
        const result = await runScript(directoryWith({ "Alpha.siddhi": app("Alpha"), "Broken.siddhi": app("Broken", "define strem S (a int);\n") }), "run-1");
        assert.equal(result.code, 1);
        assert.match(result.message, /Broken\.siddhi: the leader manager http:\/\/127\.0\.0\.1:\d+ refused it \(HTTP 400: Error between @ Line: 2\. Position: 8, near 'strem'/);
        assert.ok(manager.apps.has("Alpha"));
    });

    it("fails when the leader cannot distribute an app (status inactive), pointing at its log", async () => {
        await standIn({ inactive: (name) => name === "Alpha" });
        const result = await runScript(directoryWith({ "Alpha.siddhi": app("Alpha") }), "run-1");
        assert.equal(result.code, 1);
        assert.match(result.message, /Alpha\.siddhi: the leader manager http:\/\/127\.0\.0\.1:\d+ could not deploy it \(status inactive\)/);
    });

    it("fails when the leader holds an app back in waiting mode", async () => {
        // Deployed at once, so the first check finds it waiting and a zero timeout gives up there.
        await standIn({ waiting: () => true, deployerDelay: 0 });
        const result = await runScript(directoryWith({ "Alpha.siddhi": app("Alpha") }), "run-1", { TIMEOUT_SECONDS: "0" });
        assert.equal(result.code, 1);
        assert.match(result.message, /Alpha\.siddhi: the leader manager http:\/\/127\.0\.0\.1:\d+ held it back in waiting mode \(insufficient resources/);
    });

    it("fails, deploying nothing, while fewer than minResourceCount workers are registered", async () => {
        await standIn({ workers: 1 });
        const result = await runScript(directoryWith({ "Alpha.siddhi": app("Alpha") }), "run-1", { TIMEOUT_SECONDS: "0" });
        assert.equal(result.code, 1);
        assert.match(result.message, /only 1 worker\(s\) registered with the leader manager .* it deploys apps once 2 \(minResourceCount\) have joined/);
        assert.equal(puts(), 0);
    });

    it("fails when no manager is the leader", async () => {
        await standIn({ leader: 5 });
        const result = await runScript(directoryWith({}), "run-1", { TIMEOUT_SECONDS: "0" });
        assert.equal(result.code, 1);
        assert.match(result.message, /no single leader manager after 0s \(\/managers\/isActive: http:\/\/127\.0\.0\.1:\d+: HTTP 404: Not the active node; http:/);
    });

    it("authenticates with the admin password, quotes and backslashes included", async () => {
        await standIn({ tls: "self-signed" });
        assert.equal((await runScript(directoryWith({}), "run-1")).code, 0);
        const wrong = await runScript(directoryWith({}), "run-2", { ADMIN_PASSWORD: "wrong", TIMEOUT_SECONDS: "0" });
        assert.equal(wrong.code, 1);
        assert.match(wrong.message, /HTTP 401/);
    });

    /** A folder of `count` apps, App01 … */
    const folderOf = (count: number) =>
        directoryWith(Object.fromEntries(Array.from({ length: count }, (_, index) => [`App${String(index + 1).padStart(2, "0")}.siddhi`, app(`App${String(index + 1).padStart(2, "0")}`)])));

    it("makes at most N + 6 calls, and sends nothing, in a pass with nothing to change (20 apps)", async () => {
        await standIn();
        const dir = folderOf(20);
        assert.equal((await runScript(dir, "run-1")).code, 0);
        const before = manager.received.length;
        const result = await runScript(dir, "run-2");
        assert.equal(result.code, 0, result.message);
        const pass = manager.received.slice(before);
        assert.ok(pass.length <= 20 + 6, `${pass.length} calls`);
        assert.deepEqual(pass.filter((request) => request.method !== "GET"), []);
        assert.match(result.message, /^smoke check passed: .*apps active: App01 .* App20$/m);
    });

    it("keeps apps on the export both managers share, where only the leader deploys them", async () => {
        await standIn();
        assert.equal((await runScript(directoryWith({ "Alpha.siddhi": app("Alpha") }), "run-1")).code, 0);
        assert.match(manager.files.get("Alpha") ?? "", /sha256:[0-9a-f]{64} run:run-1;/);
        assert.deepEqual([...manager.listed[1].keys()], [], "the other manager ignored the deploy");
    });

    it("after a failover, sends the new leader every app again, which the workers already run: none is redeployed there", async () => {
        await standIn();
        const dir = directoryWith({ "Alpha.siddhi": app("Alpha"), "Beta.siddhi": app("Beta") });
        assert.equal((await runScript(dir, "run-1")).code, 0);
        manager.failover();
        assert.deepEqual([...manager.apps.keys()], [], "the new leader lists nothing");
        assert.deepEqual([...manager.pool.keys()].sort(), ["Alpha", "Beta"], "its pool is restored");
        const before = manager.received.length;
        const result = await runScript(dir, "reconcile-1");
        assert.equal(result.code, 0, result.message);
        assert.deepEqual([...manager.apps.keys()].sort(), ["Alpha", "Beta"]);
        assert.deepEqual(manager.workerDeployments.sort(), ["Alpha", "Beta"], "each app reached the workers once");
        const sent = manager.received.slice(before).filter((request) => request.method === "PUT");
        assert.deepEqual(sent.map((request) => request.manager), [1, 1], "both apps went to the new leader");
    });

    it("after the leader manager restarts, the other one takes over and the next pass restores the apps there", async () => {
        await standIn();
        const dir = directoryWith({ "Alpha.siddhi": app("Alpha") });
        assert.equal((await runScript(dir, "run-1")).code, 0);
        manager.restart(0);
        assert.equal(manager.options.leader, 1);
        const result = await runScript(dir, "reconcile-1");
        assert.equal(result.code, 0, result.message);
        assert.match(result.message, /leader manager http:\/\/127\.0\.0\.1:\d+, .*apps active: Alpha/);
        assert.equal(result.message.includes(manager.urls[1]), true);
        assert.deepEqual(manager.workerDeployments, ["Alpha"]);
    });

    it("converges when the deploy-time Job and a reconciler pass run at once over the same folder", async () => {
        await standIn();
        const dir = folderOf(5);
        const [job, reconciler] = await Promise.all([runScript(dir, "job-1"), runScript(dir, "reconcile-1")]);
        assert.equal(job.code, 0, job.message);
        assert.equal(reconciler.code, 0, reconciler.message);
        assert.deepEqual([...manager.apps.keys()].sort(), ["App01", "App02", "App03", "App04", "App05"]);
        assert.ok([...manager.apps.values()].every((deployed) => deployed.active));
        const sent = puts();
        assert.equal((await runScript(dir, "reconcile-2")).code, 0);
        assert.equal(puts(), sent, "the next pass finds nothing to change");
    });

    it("reports an app SP refuses with its name and SP's message, and loses nothing already deployed", async () => {
        await standIn({ refuse: (content) => (content.includes("strem") ? "Syntax error in SiddhiQL, no viable alternative at input 'definestrem'." : undefined) });
        const dir = directoryWith({ "Alpha.siddhi": app("Alpha") });
        assert.equal((await runScript(dir, "run-1")).code, 0);
        fs.writeFileSync(path.join(dir, "Alpha.siddhi"), app("Alpha", "define strem S (a int);\n"));
        const result = await runScript(dir, "run-2");
        assert.equal(result.code, 1);
        assert.match(result.message, /Alpha\.siddhi: the leader manager http:\/\/127\.0\.0\.1:\d+ refused it \(HTTP 400: Syntax error in SiddhiQL, no viable alternative at input 'definestrem'\.\)/);
        assert.match(manager.apps.get("Alpha")!.content, /run:run-1;/, "the running version stays");
        assert.deepEqual(manager.workerDeployments, ["Alpha"]);
    });

    it("names the app and the manager when the manager cannot save it (HTTP 500)", async () => {
        await standIn({ saveFails: () => "Error while saving the Siddhi App : Alpha" });
        const result = await runScript(directoryWith({ "Alpha.siddhi": app("Alpha") }), "run-1");
        assert.equal(result.code, 1);
        assert.match(result.message, /Alpha\.siddhi: the leader manager http:\/\/127\.0\.0\.1:\d+ refused it \(HTTP 500: Error while saving the Siddhi App : Alpha\)/);
    });

    it("says which manager gave no answer, and carries on with the leader while the other is unreachable", async () => {
        await standIn();
        const dir = directoryWith({ "Alpha.siddhi": app("Alpha") });
        await manager.unplug(1);
        assert.equal((await runScript(dir, "run-1")).code, 0);
        await manager.unplug(0);
        const result = await runScript(dir, "run-2", { TIMEOUT_SECONDS: "0" });
        assert.equal(result.code, 1);
        const [leader, other] = manager.urls.map((url) => url.replace(/[.]/g, "\\."));
        assert.match(result.message, new RegExp(`no single leader manager after 0s \\(/managers/isActive: ${leader}: no answer: curl: \\(7\\)[^;]*; ${other}: no answer: curl: \\(7\\)`));
    });

    it("says the credentials were refused when a manager answers 401", async () => {
        await standIn();
        const result = await runScript(directoryWith({}), "run-1", { ADMIN_PASSWORD: "wrong", TIMEOUT_SECONDS: "0" });
        assert.equal(result.code, 1);
        assert.match(result.message, /HTTP 401: the admin credentials were refused \(the credentials Secret and the managers disagree\)/);
    });

    describe("TLS", () => {
        it("verifies the managers' certificate against the stack's CA (--cacert)", async () => {
            await standIn({ tls: "ca" });
            const result = await runScript(directoryWith({ "Alpha.siddhi": app("Alpha") }), "run-1", { CA_CERT: manager.caFile });
            assert.equal(result.code, 0, result.message);
            assert.ok(manager.apps.has("Alpha"));
        });

        it("refuses a manager whose certificate that CA did not sign, sending it no password", async () => {
            await standIn({ tls: "self-signed" });
            const other = new ManagerStandIn({ ...manager.options, tls: "ca" });
            await other.start();
            await other.stop();
            const result = await runScript(directoryWith({ "Alpha.siddhi": app("Alpha") }), "run-1", { CA_CERT: other.caFile, TIMEOUT_SECONDS: "0" });
            assert.equal(result.code, 1);
            assert.match(result.message, /no answer: curl: \(60\) SSL certificate problem/);
            assert.deepEqual(manager.received, [], "no request reached the impostor");
        });
    });
});
