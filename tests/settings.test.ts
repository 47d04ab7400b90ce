import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { applyFix, type ApplyOptions, secretKeysOf, type StackState } from "./fixCommands";
import { fixtureDir, readStackConfig, registeredBeforeError, runFixture, runProgram, setPath, sharedFixture, StackConfig } from "./harness";
import { copyOfConfs } from "./temporaryFiles";

interface RefusalOptions extends ApplyOptions {
    /** Fields (`nfs.server`) the stack holds encrypted besides `secrets`, as `pulumi config set --path --secret` stores them. */
    encrypted?: string[];
}

/**
 * Runs a fixture with a bad change; returns the error after checking nothing was registered before
 * it, and that applying every fix it suggests, as pasted, leaves no problem with those settings.
 */
async function rejected(change: (config: StackConfig) => void, secrets: Record<string, string> = {}, stack = "in-cluster", options: RefusalOptions = {}): Promise<string> {
    const { config, secretKeys } = readStackConfig(stack, fixtureDir);
    change(config);
    Object.assign(config, secrets);
    const state: StackState = { config, encrypted: [...secretKeys, ...Object.keys(secrets), ...(options.encrypted ?? [])] };
    const error = await runProgram(structuredClone(state.config), { stack, secretKeys: secretKeysOf(state) }).then(
        () => assert.fail("the program accepted the bad setting"),
        (thrown: Error) => thrown,
    );
    const kubernetesObjects = registeredBeforeError().filter((resource) => !resource.type.startsWith("pulumi:"));
    assert.deepEqual(kubernetesObjects.map((resource) => resource.name), [], "resources were registered before the error");
    assert.doesNotMatch(error.message, /\n\s+at /, "the error carries a stack trace");
    await assertFixesWork(stack, state, error.message, options);
    return error.message;
}

/** The settings checks alone (the program's first step): a rerun after a fix. */
const settingsOnly = path.join(__dirname, "programs", "settingsOnly");

/** Each problem line's setting and fix. */
function problemsOf(message: string): { key: string; fix: string }[] {
    return message
        .split("\n")
        .filter((line) => line.startsWith("  - "))
        .map((line) => ({ key: /^ {2}- wso2-sp:(\S+) /.exec(line)?.[1] ?? line, fix: fixOf(line) }));
}

/** Applies every fix of `message` to the stack, as a user pasting them would, and reruns the settings checks. */
async function assertFixesWork(stack: string, state: StackState, message: string, options: ApplyOptions): Promise<void> {
    const problems = problemsOf(message);
    assert.ok(problems.length > 0, `no problem lines in:\n${message}`);
    for (const { fix } of problems) {
        applyFix(state, fix, options);
    }
    const rerun = await runProgram(state.config, { stack, secretKeys: secretKeysOf(state), programFile: settingsOnly }).then(
        () => "",
        (thrown: Error) => thrown.message,
    );
    for (const { key, fix } of problems) {
        const again = rerun.split("\n").find((line) => line.startsWith(`  - wso2-sp:${key} `));
        assert.equal(again, undefined, `after the fix ${fix}, wso2-sp:${key} is still refused`);
    }
}

/** The one line of the error that speaks of `setting`. */
function lineFor(message: string, setting: string): string {
    const line = message.split("\n").find((text) => text.includes(`wso2-sp:${setting} `));
    assert.ok(line, `the error does not name wso2-sp:${setting}:\n${message}`);
    return line;
}

/** The fix at the end of a line. */
function fixOf(line: string): string {
    const fix = /\. Fix: (.*)$/.exec(line)?.[1];
    assert.ok(fix, `no fix in: ${line}`);
    return fix;
}

/** Wording of the validation library that must never reach a user. */
const libraryWording = /Invalid input|Too big|Too small|Invalid option|expected (object|string|number)|Invalid (string|type)|Unrecognized key/i;

interface Case {
    /** What is wrong, as the test title says it. */
    title: string;
    change: (config: StackConfig) => void;
    setting: string;
    message: RegExp;
    /** The exact fix, or a pattern for it. */
    fix: string | RegExp;
    stack?: string;
}

const set = (setting: string, value: unknown) => (config: StackConfig) => setPath(config, setting, value);
const external = (config: StackConfig) => {
    setPath(config, "database.inCluster", false);
    setPath(config, "nfs.mysqlDataPath", undefined);
};

const cases: Case[] = [
    // Settings that must be there.
    { title: "a missing nfs.server", change: set("nfs.server", undefined), setting: "nfs.server", message: /must be set|not set/, fix: "pulumi config set --path nfs.server 10.0.0.9" },
    {
        title: "a fresh stack without any nfs block (every field the in-cluster database needs)",
        change: set("nfs", undefined),
        setting: "nfs",
        message: /must be set: the NFS server and the Siddhi files export \(not set\)/,
        fix: "pulumi config set --path nfs.server 10.0.0.9 && pulumi config set --path nfs.siddhiFilesPath /exports/wso2sp/siddhi-files && pulumi config set --path nfs.mysqlDataPath /exports/wso2sp/mysql",
    },
    // Hosts and addresses.
    { title: "a placeholder left in nfs.server", change: set("nfs.server", "<NFS-Server-IP>"), setting: "nfs.server", message: /"<NFS-Server-IP>".*|IPv4 address, an IPv6 address or a DNS name/, fix: "pulumi config set --path nfs.server 10.0.0.9" },
    { title: "a dotted quad that is no IPv4 address", change: set("nfs.server", "300.1.1.1"), setting: "nfs.server", message: /IPv4 address, an IPv6 address or a DNS name \(got "300\.1\.1\.1"\)/, fix: "pulumi config set --path nfs.server 10.0.0.9" },
    { title: "an IPv6 database host (the JDBC URL would need brackets)", change: (config) => { external(config); setPath(config, "database.host", "fd00::10"); }, setting: "database.host", message: /DNS name or an IPv4 address/, fix: "pulumi config set --path database.host mysql.example.com" },
    // Paths and exports.
    { title: "a relative nfs.siddhiFilesPath", change: set("nfs.siddhiFilesPath", "exports/siddhi"), setting: "nfs.siddhiFilesPath", message: /absolute path.*\(got "exports\/siddhi"\)/, fix: "pulumi config set --path nfs.siddhiFilesPath /exports/wso2sp/siddhi-files" },
    { title: "a path with .. segments", change: set("additionalVolumes[0].mountPath", "/opt/../etc"), setting: "additionalVolumes[0].mountPath", message: /plain absolute path/, fix: "pulumi config set --path 'additionalVolumes[0].mountPath' /mnt/sp-extra-libs" },
    { title: "the MySQL data on the Siddhi files' export", change: set("nfs.mysqlDataPath", "/exports/wso2sp/siddhi-files"), setting: "nfs.mysqlDataPath", message: /is the export of nfs\.siddhiFilesPath/, fix: "pulumi config set --path nfs.mysqlDataPath /exports/wso2sp/siddhi-files-2" },
    { title: "one export written twice differently (/a and /a/)", change: set("additionalVolumes[1]", { name: "sp-more", path: "/exports/wso2sp/extensions/", nodes: ["worker"] }), setting: "additionalVolumes[1].path", message: /is the export of additionalVolumes\[0\]\.path/, fix: /^pulumi config set --path 'additionalVolumes\[1\]\.path' \/exports\/wso2sp\/extensions-2$/ },
    { title: "a volume inside another volume's export (the fix moves it beside that export)", change: set("additionalVolumes[1]", { name: "sp-more", path: "/exports/wso2sp/siddhi-files/more", nodes: ["worker"] }), setting: "additionalVolumes[1].path", message: /inside or around it/, fix: "pulumi config set --path 'additionalVolumes[1].path' /exports/wso2sp/more" },
    { title: "a volume inside another export whose sibling name is taken too (the fix is free of every export)", change: (config) => { setPath(config, "additionalVolumes[1]", { name: "sp-more", path: "/exports/wso2sp/extensions/lib", nodes: ["worker"] }); setPath(config, "additionalVolumes[2]", { name: "sp-lib", path: "/exports/wso2sp/lib", nodes: ["worker"] }); }, setting: "additionalVolumes[1].path", message: /is the export of additionalVolumes\[0\]\.path/, fix: "pulumi config set --path 'additionalVolumes[1].path' /exports/wso2sp/lib-2" },
    { title: "a volume around another volume's export", change: set("additionalVolumes[1]", { name: "sp-more", path: "/exports/wso2sp", nodes: ["worker"] }), setting: "additionalVolumes[1].path", message: /inside or around it/, fix: "pulumi config set --path 'additionalVolumes[1].path' /exports/wso2sp-2" },
    { title: "an export of the server's root, around every other (the fix moves that one)", change: set("nfs.siddhiFilesPath", "/"), setting: "nfs.mysqlDataPath", message: /is the export of nfs\.siddhiFilesPath/, fix: "pulumi config set --path nfs.siddhiFilesPath /exports/wso2sp/siddhi-files" },
    { title: "a mount path that hides the whole filesystem", change: set("additionalVolumes[0].mountPath", "/"), setting: "additionalVolumes[0].mountPath", message: /would hide/, fix: "pulumi config rm --path 'additionalVolumes[0].mountPath'" },
    { title: "a mount path over the JDK", change: set("additionalVolumes[0].mountPath", "/opt"), setting: "additionalVolumes[0].mountPath", message: /system directory/, fix: "pulumi config set --path 'additionalVolumes[0].mountPath' /mnt/sp-extensions" },
    { title: "a mount path over the product home", change: set("additionalVolumes[0].mountPath", "/home/wso2carbon"), setting: "additionalVolumes[0].mountPath", message: /would hide the product home or the program's own mounts/, fix: "pulumi config rm --path 'additionalVolumes[0].mountPath'" },
    { title: "a mount path inside the confs/ mounts", change: set("additionalVolumes[0].mountPath", "/home/wso2carbon/wso2-config-volume/conf/manager"), setting: "additionalVolumes[0].mountPath", message: /would hide the product home or the program's own mounts/, fix: "pulumi config rm --path 'additionalVolumes[0].mountPath'" },
    { title: "a mount path at the image's old overlay tree, which nothing copies any more", change: set("additionalVolumes[0].mountPath", "/home/wso2carbon/wso2-artifact-volume"), setting: "additionalVolumes[0].mountPath", message: /would hide the product home or the program's own mounts/, fix: "pulumi config rm --path 'additionalVolumes[0].mountPath'" },
    { title: "a mount over the managers' Siddhi files", change: set("additionalVolumes[0].mountPath", "/home/wso2carbon/wso2sp-4.4.0/wso2/manager/deployment/siddhi-files"), setting: "additionalVolumes[0].mountPath", message: /another volume is mounted on manager/, fix: "pulumi config set --path 'additionalVolumes[0].mountPath' /mnt/sp-extensions" },
    { title: "a relative mountPath", change: set("additionalVolumes[0].mountPath", "lib"), setting: "additionalVolumes[0].mountPath", message: /absolute path/, fix: "pulumi config set --path 'additionalVolumes[0].mountPath' /mnt/sp-extra-libs" },
    // Names.
    { title: "a namespace every cluster has", change: set("namespace", "default"), setting: "namespace", message: /namespace Kubernetes owns/, fix: "pulumi config set namespace wso2" },
    { title: "a kube- namespace", change: set("namespace", "kube-system"), setting: "namespace", message: /namespace Kubernetes owns/, fix: "pulumi config set namespace wso2" },
    { title: "a namespace over 63 characters", change: set("namespace", "n".repeat(64)), setting: "namespace", message: /at most 63 characters/, fix: "pulumi config set namespace wso2" },
    { title: "a volume name over 63 characters", change: set("additionalVolumes[0].name", "v".repeat(64)), setting: "additionalVolumes[0].name", message: /at most 63 characters/, fix: "pulumi config set --path 'additionalVolumes[0].name' sp-extra-libs" },
    { title: "two volumes with one name", change: set("additionalVolumes[1]", { name: "sp-extensions", path: "/exports/other", nodes: ["worker"] }), setting: "additionalVolumes[1].name", message: /names must be unique/, fix: "pulumi config set --path 'additionalVolumes[1].name' sp-extensions-2" },
    { title: "two volumes with one name, the next free name taken too", change: (config) => { setPath(config, "additionalVolumes[1]", { name: "sp-extensions", path: "/exports/other", nodes: ["worker"] }); setPath(config, "additionalVolumes[2]", { name: "sp-extensions-2", path: "/exports/third", nodes: ["worker"] }); }, setting: "additionalVolumes[1].name", message: /names must be unique/, fix: "pulumi config set --path 'additionalVolumes[1].name' sp-extensions-3" },
    { title: "a volume name taking the confs/ prefix, at the length limit", change: set("additionalVolumes[0].name", `conf-${"v".repeat(58)}`), setting: "additionalVolumes[0].name", message: /starts with conf-/, fix: `pulumi config set --path 'additionalVolumes[0].name' ${"v".repeat(58)}` },
    { title: "a mount path over the JDK while /mnt/<name> is another volume's", change: (config) => { setPath(config, "additionalVolumes[0].mountPath", "/opt"); setPath(config, "additionalVolumes[1]", { name: "sp-more", path: "/exports/other", nodes: ["worker"], mountPath: "/mnt/sp-extensions" }); }, setting: "additionalVolumes[0].mountPath", message: /system directory/, fix: "pulumi config set --path 'additionalVolumes[0].mountPath' /mnt/sp-extensions-2" },
    { title: "two ingresses with one host, the example host taken too", change: (config) => { setPath(config, "ingress.hosts.manager1", "sp-dashboard.example.com"); setPath(config, "ingress.hosts.dashboard", "sp-dashboard.example.com"); }, setting: "ingress.hosts.dashboard", message: /host of another ingress/, fix: "pulumi config set --path ingress.hosts.dashboard sp-dashboard-2.example.com" },
    { title: "an unknown node", change: set("additionalVolumes[0].nodes", ["manager", "gateway"]), setting: "additionalVolumes[0].nodes[1]", message: /must be one of manager, worker, receiver, dashboard \(got "gateway"\)/, fix: "pulumi config set --path 'additionalVolumes[0].nodes[1]' manager" },
    { title: "an ingress host in upper case", change: set("ingress.hosts.manager1", "SP-Manager.example.com"), setting: "ingress.hosts.manager1", message: /lower-case DNS name/, fix: "pulumi config set --path ingress.hosts.manager1 sp-manager-1.example.com" },
    { title: "an ingress host with a trailing dot", change: set("ingress.hosts.manager1", "sp.example.com."), setting: "ingress.hosts.manager1", message: /lower-case DNS name/, fix: "pulumi config set --path ingress.hosts.manager1 sp-manager-1.example.com" },
    { title: "an ingress host that is an IP address", change: set("ingress.hosts.manager1", "10.0.0.5"), setting: "ingress.hosts.manager1", message: /no IP address/, fix: "pulumi config set --path ingress.hosts.manager1 sp-manager-1.example.com" },
    { title: "an ingress host label over 63 characters", change: set("ingress.hosts.dashboard", `${"d".repeat(64)}.example.com`), setting: "ingress.hosts.dashboard", message: /at most 63/, fix: "pulumi config set --path ingress.hosts.dashboard sp-dashboard.example.com" },
    { title: "two ingresses with one host (the fix names another host)", change: set("ingress.hosts.dashboard", "wso2sp-manager-1"), setting: "ingress.hosts.dashboard", message: /host of another ingress; each needs its own \(got "wso2sp-manager-1"\)/, fix: "pulumi config set --path ingress.hosts.dashboard sp-dashboard.example.com" },
    { title: "a subscription user name with a colon", change: set("subscriptionUsername", "me:team"), setting: "subscriptionUsername", message: /without spaces or colons/, fix: "pulumi config set subscriptionUsername user@example.com" },
    // Numbers and quantities.
    { title: "workers as text", change: set("workers", "two"), setting: "workers", message: /whole number of at least 2 \(got "two"\)/, fix: "pulumi config set workers 2" },
    { title: "one worker", change: set("workers", 1), setting: "workers", message: /at least 2: the managers deploy Siddhi apps only once two workers have joined \(got 1\)/, fix: "pulumi config set workers 2" },
    { title: "1.5 workers", change: set("workers", 1.5), setting: "workers", message: /whole number/, fix: "pulumi config set workers 2" },
    { title: "memory too small for an SP JVM", change: set("memory.worker", "512Mi"), setting: "memory.worker", message: /at least 1Gi for an SP JVM/, fix: "pulumi config set --path memory.worker 2Gi" },
    { title: "memory of zero", change: set("memory.manager", "0Gi"), setting: "memory.manager", message: /at least 1Gi/, fix: "pulumi config set --path memory.manager 4Gi" },
    { title: "memory in bytes", change: set("memory.dashboard", "2147483648"), setting: "memory.dashboard", message: /quantity with a unit/, fix: "pulumi config set --path memory.dashboard 1Gi" },
    { title: "memory in thousandths of a byte", change: set("memory.receiver", "4000m"), setting: "memory.receiver", message: /quantity with a unit/, fix: "pulumi config set --path memory.receiver 2Gi" },
    { title: "a volume size of zero", change: set("additionalVolumes[0].size", "0Gi"), setting: "additionalVolumes[0].size", message: /at least 1Mi for an NFS volume/, fix: "pulumi config set --path 'additionalVolumes[0].size' 1Gi" },
    { title: "a database port out of range", change: (config) => { external(config); setPath(config, "database.host", "mysql.example.com"); setPath(config, "database.port", 70000); }, setting: "database.port", message: /port number, 1–65535 \(got 70000\)/, fix: "pulumi config set --path database.port 3306" },
    // host:port lists.
    { title: "a port over 65535 in a server list", change: (config) => { setPath(config, "zookeeper.inCluster", false); setPath(config, "zookeeper.connect", "zk-1.example.com:99999"); }, setting: "zookeeper.connect", message: /port 99999 .*1–65535/, fix: /^pulumi config set --path zookeeper\.connect zk-1\.example\.com:2181,/ },
    { title: "port 0 in a server list", change: (config) => { setPath(config, "zookeeper.inCluster", false); setPath(config, "zookeeper.connect", "zk-1.example.com:0"); }, setting: "zookeeper.connect", message: /port 0/, fix: /zookeeper\.connect zk-1/ },
    { title: "a listener name in a bootstrap list", change: (config) => { setPath(config, "kafka.inCluster", false); setPath(config, "zookeeper.inCluster", false); setPath(config, "zookeeper.connect", "zk.example.com:2181"); setPath(config, "kafka.bootstrapServers", "PLAINTEXT://kafka.example.com:9092"); }, setting: "kafka.bootstrapServers", message: /without scheme/, fix: /^pulumi config set --path kafka\.bootstrapServers kafka-1\.example\.com:9092,kafka-2\.example\.com:9092$/ },
    { title: "one server listed twice (SP would ask for a replication factor the cluster cannot give)", change: (config) => { setPath(config, "kafka.inCluster", false); setPath(config, "zookeeper.inCluster", false); setPath(config, "zookeeper.connect", "zk.example.com:2181"); setPath(config, "kafka.bootstrapServers", "k1.example.com:9092,k1.example.com:9092"); }, setting: "kafka.bootstrapServers", message: /lists k1\.example\.com:9092 twice/, fix: /kafka-1\.example\.com/ },
    { title: "a dotted quad that is no address in a server list", change: (config) => { setPath(config, "zookeeper.inCluster", false); setPath(config, "zookeeper.connect", "10.0.0.300:2181"); }, setting: "zookeeper.connect", message: /neither an IPv4 address nor a DNS name/, fix: /zookeeper\.connect zk-1/ },
    // Images.
    { title: "an image tagged latest", change: set("database.image", "mysql:latest"), setting: "database.image", message: /is tagged latest/, fix: "pulumi config set --path database.image mysql:5.7.44" },
    { title: "an image without a tag", change: set("kafka.image", "confluentinc/cp-kafka"), setting: "kafka.image", message: /has no tag/, fix: "pulumi config set --path kafka.image confluentinc/cp-kafka:7.9.1" },
    { title: "an image with an upper-case repository", change: set("zookeeper.image", "Library/ZooKeeper:3.8.4"), setting: "zookeeper.image", message: /lower-case repository path/, fix: "pulumi config set --path zookeeper.image zookeeper:3.8.4" },
    { title: "an image with an empty path segment", change: set("zookeeper.image", "docker.io//zookeeper:3.8.4"), setting: "zookeeper.image", message: /no empty segments/, fix: "pulumi config set --path zookeeper.image zookeeper:3.8.4" },
    { title: "an image tag of latest for the SP images", change: set("imageTag", "latest"), setting: "imageTag", message: /other than latest/, fix: "pulumi config set imageTag 4.4.0" },
    { title: "an upper-case registry prefix", change: set("imageRegistry", "docker.example.com/WSO2/"), setting: "imageRegistry", message: /lower-case path, no trailing \//, fix: "pulumi config set imageRegistry docker.example.com/wso2" },
    { title: "an in-cluster Kafka 4 (Confluent 8) image, which has no ZooKeeper mode", change: set("kafka.image", "confluentinc/cp-kafka:8.0.0"), setting: "kafka.image", message: /Confluent 8 or later \(Kafka 4\).*use 7\.x/, fix: "pulumi config set --path kafka.image confluentinc/cp-kafka:7.9.1" },
    { title: "an in-cluster apache/kafka image (KRaft only)", change: set("kafka.image", "apache/kafka:3.9.0"), setting: "kafka.image", message: /must be a confluentinc\/cp-kafka image/, fix: "pulumi config set --path kafka.image confluentinc/cp-kafka:7.9.1" },
    { title: "an in-cluster ZooKeeper older than 3.5", change: set("zookeeper.image", "zookeeper:3.4.14"), setting: "zookeeper.image", message: /older than ZooKeeper 3\.5/, fix: "pulumi config set --path zookeeper.image zookeeper:3.8.4" },
    { title: "an in-cluster ZooKeeper image of another kind", change: set("zookeeper.image", "digitalwonderland/zookeeper-server:3.8.0"), setting: "zookeeper.image", message: /official zookeeper kind/, fix: "pulumi config set --path zookeeper.image zookeeper:3.8.4" },
    // Settings of the dependency that is not used.
    { title: "database.host while the database is in the cluster", change: set("database.host", "mysql.example.com"), setting: "database.host", message: /is ignored while database\.inCluster is true/, fix: "pulumi config rm --path database.host" },
    { title: "kafka.bootstrapServers while Kafka is in the cluster", change: set("kafka.bootstrapServers", "kafka.example.com:9092"), setting: "kafka.bootstrapServers", message: /is ignored while kafka\.inCluster is true/, fix: "pulumi config rm --path kafka.bootstrapServers" },
    { title: "zookeeper.connect while ZooKeeper is in the cluster", change: set("zookeeper.connect", "zk.example.com:2181"), setting: "zookeeper.connect", message: /is ignored while zookeeper\.inCluster is true/, fix: "pulumi config rm --path zookeeper.connect" },
    { title: "nfs.mysqlDataPath with an external database", change: (config) => { setPath(config, "database.inCluster", false); setPath(config, "database.host", "mysql.example.com"); }, setting: "nfs.mysqlDataPath", message: /is ignored while database\.inCluster is false/, fix: "pulumi config rm --path nfs.mysqlDataPath" },
    { title: "database.tls with the in-cluster MySQL", change: set("database.tls", true), setting: "database.tls", message: /in-cluster evaluation MySQL has no such certificate/, fix: "pulumi config set --path database.tls false" },
    { title: "an external Kafka with the in-cluster ZooKeeper (SP creates topics through the Kafka's own ZooKeeper)", change: (config) => { setPath(config, "kafka.inCluster", false); setPath(config, "kafka.bootstrapServers", "kafka.example.com:9092"); }, setting: "zookeeper.inCluster", message: /must be false when kafka\.inCluster is false/, fix: /^pulumi config set --path zookeeper\.inCluster false && pulumi config set --path zookeeper\.connect / },
    { title: "networkPolicies.externalCidrs of a dependency that runs in the cluster", change: set("networkPolicies.externalCidrs.database", ["10.20.1.0/24"]), setting: "networkPolicies.externalCidrs.database", message: /is ignored while database\.inCluster is true/, fix: "pulumi config rm --path networkPolicies.externalCidrs.database" },
    { title: "a client CIDR that is no CIDR", change: set("networkPolicies.clients.cidrs", ["10.0.0.300/8"]), setting: "networkPolicies.clients.cidrs[0]", message: /must be a CIDR such as/, fix: "pulumi config set --path 'networkPolicies.clients.cidrs[0]' 10.30.0.0/16" },
    { title: "pod labels without a value", change: set("networkPolicies.ingressController.podLabels", "app.kubernetes.io/name"), setting: "networkPolicies.ingressController.podLabels", message: /pod labels "key=value,key=value"/, fix: "pulumi config set --path networkPolicies.ingressController.podLabels app.kubernetes.io/name=ingress-nginx" },
    // Trust, admission, image pins and app secrets (issue "Trust and exposure").
    { title: "CA bundles without the stack's own trust store", change: set("tls.trustedCaBundles", [{ kind: "ConfigMap", name: "database-ca", key: "ca.crt" }]), setting: "tls.trustedCaBundles", message: /is used only with the stack's own trust store \(tls\.secretName\)/, fix: "pulumi config set --plaintext --path tls.secretName wso2sp-keystores && pulumi config set --secret keystorePassword" },
    { title: "a CA bundle listed twice", change: set("tls.trustedCaBundles", [{ kind: "Secret", name: "cas", key: "a.pem" }, { kind: "Secret", name: "cas", key: "a.pem" }]), setting: "tls.trustedCaBundles[1]", message: /is the bundle of tls\.trustedCaBundles\[0\] already/, fix: /^pulumi config rm --path tls\.trustedCaBundles && .*'tls\.trustedCaBundles\[0\]\.kind' Secret && .*'tls\.trustedCaBundles\[0\]\.name' cas && .*'tls\.trustedCaBundles\[0\]\.key' a\.pem$/, stack: "external" },
    { title: "a CA bundle whose name is no object name", change: set("tls.trustedCaBundles", [{ kind: "ConfigMap", name: "Database_CA", key: "ca.crt" }]), setting: "tls.trustedCaBundles[0].name", message: /must be a Kubernetes object name/, fix: "pulumi config set --path 'tls.trustedCaBundles[0].name' database-ca", stack: "external" },
    { title: "a CA bundle key with a slash", change: set("tls.trustedCaBundles", [{ kind: "ConfigMap", name: "database-ca", key: "certs/ca.crt" }]), setting: "tls.trustedCaBundles[0].key", message: /must be a key of a ConfigMap or Secret/, fix: "pulumi config set --path 'tls.trustedCaBundles[0].key' ca.crt", stack: "external" },
    { title: "a CA bundle of another kind", change: set("tls.trustedCaBundles", [{ kind: "File", name: "database-ca", key: "ca.crt" }]), setting: "tls.trustedCaBundles[0].kind", message: /must be ConfigMap or Secret \(got "File"\)/, fix: "pulumi config set --path 'tls.trustedCaBundles[0].kind' ConfigMap", stack: "external" },
    { title: "host-name verification with the product's default certificate", change: set("tls.hostnameVerification", true), setting: "tls.hostnameVerification", message: /needs the stack's own certificates/, fix: "pulumi config set --plaintext --path tls.secretName wso2sp-keystores && pulumi config set --secret keystorePassword" },
    { title: "exempt namespaces of an admission policy that is not created", change: set("nfs.admissionPolicy.exemptNamespaces", ["nfs-tools"]), setting: "nfs.admissionPolicy.exemptNamespaces", message: /is ignored while nfs\.admissionPolicy\.create is false/, fix: "pulumi config set --path nfs.admissionPolicy.create true" },
    { title: "an exempt namespace that is no namespace name", change: set("nfs.admissionPolicy", { create: true, exemptNamespaces: ["NFS Tools"] }), setting: "nfs.admissionPolicy.exemptNamespaces[0]", message: /must be a DNS label/, fix: "pulumi config set --path 'nfs.admissionPolicy.exemptNamespaces[0]' nfs-tools" },
    { title: "an SP image pinned by tag only", change: set("images.worker", "wso2/wso2sp-worker:4.4.0"), setting: "images.worker", message: /is not pinned by digest/, fix: "pulumi config rm --path images.worker" },
    { title: "an SP image pinned to another repository", change: set("images.manager", `wso2/wso2sp-worker@sha256:${"ab".repeat(32)}`), setting: "images.manager", message: /must be an image of the repository …\/wso2sp-manager/, fix: "pulumi config rm --path images.manager" },
    { title: "app secret variables without their Secret", change: set("appSecrets.variables", { SP_DATA_PASSWORD: "password" }), setting: "appSecrets.secretName", message: /is required when appSecrets\.variables maps variables/, fix: "pulumi config set --plaintext --path appSecrets.secretName sp-app-credentials" },
    { title: "an app secret Secret without variables", change: set("appSecrets.secretName", "sp-app-credentials"), setting: "appSecrets.variables", message: /maps no variable/, fix: "pulumi config set --plaintext --path appSecrets.variables.SP_DATA_PASSWORD password" },
    { title: "app secret variables given as text rather than a mapping", change: set("appSecrets.variables", "SP_DATA_PASSWORD"), setting: "appSecrets.variables", message: /must be a mapping of variable names to keys of the Secret/, fix: /^pulumi config / },
    { title: "an app secret variable the program sets itself", change: set("appSecrets", { secretName: "sp-app-credentials", variables: { DATABASE_PASSWORD: "password" } }), setting: "appSecrets.variables.DATABASE_PASSWORD", message: /is a variable the program or the image sets itself/, fix: "pulumi config rm --path appSecrets.variables.DATABASE_PASSWORD" },
    { title: "an app secret key that is no Secret key", change: set("appSecrets", { secretName: "sp-app-credentials", variables: { SP_DATA_PASSWORD: "db/password" } }), setting: "appSecrets.variables.SP_DATA_PASSWORD", message: /must be a key of a ConfigMap or Secret: .* \(got "db\/password"\)/, fix: "pulumi config rm --path appSecrets.variables.SP_DATA_PASSWORD" },
    // Other.
    { title: "SP connecting to the database as root", change: set("database.username", "root"), setting: "database.username", message: /must not be root/, fix: "pulumi config set --path database.username wso2carbon" },
    { title: "a confs directory that does not exist", change: set("confsDir", "no-such-confs"), setting: "confsDir", message: /names no-such-confs, which is not a directory/, fix: "pulumi config set confsDir confs" },
    { title: "a confs directory without any node directory", change: set("confsDir", "tests"), setting: "confsDir", message: /holds none of the node directories manager, worker, dashboard/, fix: "pulumi config set confsDir confs" },
    { title: "a boolean setting given as a word", change: set("database.inCluster", "yes"), setting: "database.inCluster", message: /must be true or false \(got "yes"\)/, fix: /^pulumi config (set --path database\.inCluster (true|false)|rm --path database\.inCluster)$/ },
    { title: "an object setting given as text", change: set("ingress", "nginx"), setting: "ingress", message: /must be a mapping with className, tlsSecretName, hosts \(got "nginx"\)/, fix: "pulumi config rm ingress" },
    { title: "an empty node list (the fix sets its first entry)", change: set("additionalVolumes[0].nodes", []), setting: "additionalVolumes[0].nodes", message: /must name at least one of manager, worker, receiver, dashboard \(got \[\]\)/, fix: "pulumi config set --path 'additionalVolumes[0].nodes[0]' manager" },
    { title: "a list field given as text (the fix removes it, then sets its first entry)", change: set("networkPolicies.clients.cidrs", "10.31.0.0/16"), setting: "networkPolicies.clients.cidrs", message: /must be a list of CIDRs/, fix: "pulumi config rm --path networkPolicies.clients.cidrs && pulumi config set --path 'networkPolicies.clients.cidrs[0]' 10.30.0.0/16" },
    { title: "a list setting given as a mapping", change: set("additionalVolumes", { name: "x" }), setting: "additionalVolumes", message: /must be a list of volumes/, fix: "pulumi config rm additionalVolumes" },
];

describe("bad stack settings are refused before anything is deployed, each with the setting, the value and a fix that pastes", () => {
    for (const { title, change, setting, message, fix, stack } of cases) {
        it(`${title}: wso2-sp:${setting}`, async () => {
            const error = await rejected(change, {}, stack);
            const line = lineFor(error, setting);
            assert.match(line, message);
            assert.match(line, /\((got .+|not set|value not shown)\)\. Fix: /, "the line shows no value");
            if (typeof fix === "string") {
                assert.equal(fixOf(line), fix);
            } else {
                assert.match(fixOf(line), fix);
            }
            assert.doesNotMatch(error, libraryWording);
            assert.doesNotMatch(error, /<value>|<password>/, "a fix with a placeholder does not paste");
        });
    }
});

describe("misspelt settings name the setting they probably meant", () => {
    it("a misspelt top-level setting shows its value and the command that moves it", async () => {
        const line = lineFor(await rejected(set("worker", 3)), "worker");
        assert.match(line, /is not a setting of this project; did you mean wso2-sp:workers\? \(got 3\)/);
        assert.equal(fixOf(line), "pulumi config rm worker && pulumi config set workers 3");
    });

    it("a misspelt field of an object setting names the field it probably meant", async () => {
        const line = lineFor(await rejected(set("nfs.sever", "10.0.0.9")), "nfs.sever");
        assert.match(line, /did you mean wso2-sp:nfs\.server\? \(got "10\.0\.0\.9"\)/);
        assert.equal(fixOf(line), "pulumi config rm --path nfs.sever && pulumi config set --path nfs.server 10.0.0.9");
    });

    it("a misspelt field of a list entry is quoted for the shell", async () => {
        const line = lineFor(await rejected(set("additionalVolumes[0].mountpath", "/mnt/x")), "additionalVolumes[0].mountpath");
        assert.match(line, /did you mean wso2-sp:additionalVolumes\[0\]\.mountPath\?/);
        assert.equal(fixOf(line), "pulumi config rm --path 'additionalVolumes[0].mountpath' && pulumi config set --path 'additionalVolumes[0].mountPath' /mnt/x");
    });

    for (const [how, change, secrets] of [
        ["encrypted", () => undefined, { adminPasword: "Very-Secret-Value-1" }],
        ["in plain text", set("adminPasword", "Very-Secret-Value-1"), {}],
    ] as const) {
        it(`a misspelt secret given ${how} is neither shown nor moved in the clear`, async () => {
            const error = await rejected(change, secrets);
            const line = lineFor(error, "adminPasword");
            assert.match(line, /did you mean wso2-sp:adminPassword\? \(value not shown\)/);
            assert.equal(fixOf(line), "pulumi config rm adminPasword && pulumi config set --secret adminPassword");
            assert.ok(!error.includes("Very-Secret-Value-1"));
        });
    }

    it("an unknown field is not matched to a sibling that merely shares the path", async () => {
        const line = lineFor(await rejected(set("additionalVolumes[0].extra", 1)), "additionalVolumes[0].extra");
        assert.match(line, /is not a setting of this project \(see Pulumi\.yaml\) \(got 1\)/);
        assert.equal(fixOf(line), "pulumi config rm --path 'additionalVolumes[0].extra'");
    });

    it("an unknown setting with nothing close is refused with the command that removes it", async () => {
        const line = lineFor(await rejected(set("replicaCount", 3)), "replicaCount");
        assert.match(line, /is not a setting of this project \(see Pulumi\.yaml\) \(got 3\)/);
        assert.equal(fixOf(line), "pulumi config rm replicaCount");
    });
});

describe("no message shows a secret's value", () => {
    const value = "Hunter2-Value-42";
    // Unknown keys named like credentials, in any case and at any depth: the line names the key, never the value.
    const unknown: [string, string, string][] = [
        ["database.passwd", "database.passwd", "a field of a setting"],
        ["foo.apiKey", "foo", "an unknown setting holding one"],
        ["x[0].token", "x", "an unknown list holding one"],
        ["myPWD", "myPWD", "upper case"],
        ["Credentials", "Credentials", "a capital"],
        ["kafka.clientSecret", "kafka.clientSecret", "camel case in a field"],
        ["networkPolicies.clients.api_key", "networkPolicies.clients.api_key", "deep in a setting"],
    ];
    for (const [given, reported, what] of unknown) {
        it(`an unknown key named like a credential (${what}: ${given})`, async () => {
            const error = await rejected(set(given, value));
            assert.match(lineFor(error, reported), /\(value not shown\)\. Fix: pulumi config rm /);
            assert.ok(!error.includes(value), error);
        });
    }

    it("a setting of the wrong shape holding a credential-named key", async () => {
        const error = await rejected(set("additionalVolumes", { token: value }));
        assert.match(lineFor(error, "additionalVolumes"), /must be a list of volumes .*\(value not shown\)/);
        assert.ok(!error.includes(value));
    });

    it("a misspelt setting named like a credential is moved through Pulumi's prompt, its value not shown", async () => {
        const error = await rejected(set("tls.secretNme", "my-keystores"), {}, "in-cluster", { answer: () => "my-keystores" });
        const line = lineFor(error, "tls.secretNme");
        assert.match(line, /did you mean wso2-sp:tls\.secretName\? \(value not shown\)/);
        assert.equal(fixOf(line), "pulumi config rm --path tls.secretNme && pulumi config set --plaintext --path tls.secretName");
        assert.ok(!error.includes("my-keystores"));
    });

    it("a misspelt mapping setting named like a credential is removed, not moved through a prompt that only takes text", async () => {
        const error = await rejected(set("tsl", { secretName: "my-keystores", token: value }));
        const line = lineFor(error, "tsl");
        assert.match(line, /did you mean wso2-sp:tls\? \(value not shown\)\. Fix: pulumi config rm tsl$/);
        assert.ok(!error.includes(value));
    });

    it("the settings of ours named like secrets (tls.secretName, ingress.tlsSecretName) show their values, and their fixes pass Pulumi's secret check", async () => {
        const error = await rejected((config) => {
            setPath(config, "tls.secretName", "Keystores_Secret");
            setPath(config, "ingress.tlsSecretName", "TLS_Secret");
        });
        assert.match(lineFor(error, "tls.secretName"), /\(got "Keystores_Secret"\)\. Fix: pulumi config set --plaintext --path tls\.secretName wso2sp-keystores$/);
        assert.match(lineFor(error, "ingress.tlsSecretName"), /\(got "TLS_Secret"\)\. Fix: pulumi config set --plaintext --path ingress\.tlsSecretName wso2sp-tls$/);
    });
});

describe("each setting is stored the way it is used", () => {
    const password = "Plain-Text-Password-1";
    for (const key of ["databasePassword", "mysqlRootPassword", "adminPassword", "keystorePassword", "subscriptionPassword"]) {
        it(`${key} in plain text in the stack file is refused, with the command that stores it encrypted`, async () => {
            const error = await rejected((config) => {
                setPath(config, key, password);
                // What the password goes with, so that storage is the only problem.
                setPath(config, "subscriptionUsername", key === "subscriptionPassword" ? "me@example.com" : undefined);
                setPath(config, "tls.secretName", key === "keystorePassword" ? "wso2sp-keystores" : undefined);
            });
            const line = lineFor(error, key);
            assert.match(line, /is stored in plain text in Pulumi\.in-cluster\.yaml; store it encrypted \(value not shown\)/);
            assert.equal(fixOf(line), `pulumi config set --secret ${key}`);
            assert.ok(!error.includes(password));
        });
    }

    it("a setting that is no secret, stored encrypted, is refused without its value, even where it is also wrong", async () => {
        const error = await rejected(() => undefined, { namespace: "Wrong_Namespace" }, "in-cluster", { answer: () => "wso2" });
        assert.equal(error.split("\n").length, 2, error);
        const line = lineFor(error, "namespace");
        assert.match(line, /is stored encrypted \(--secret\) but is no secret: .*store it in plain text \(value not shown\)/);
        assert.equal(fixOf(line), "pulumi config set namespace");
        assert.ok(!error.includes("Wrong_Namespace"));
    });

    it("an object setting with one field stored encrypted (--path --secret) is refused whole, the fix typing each of its fields in again", async () => {
        const typed: Record<string, string> = { "nfs.server": "10.0.0.9", "nfs.siddhiFilesPath": "/exports/wso2sp/siddhi-files", "nfs.mysqlDataPath": "/exports/wso2sp/mysql" };
        const error = await rejected(set("nfs.server", "nfs.internal.example.com"), {}, "in-cluster", { encrypted: ["nfs.server"], answer: (key) => typed[key] });
        const line = lineFor(error, "nfs");
        assert.match(line, /is stored encrypted .* \(value not shown\)/);
        assert.equal(fixOf(line), Object.keys(typed).map((key) => `pulumi config set --path ${key}`).join(" && "));
        assert.ok(!error.includes("nfs.internal.example.com"));
    });
});

describe("passwords are refused unless they reach SP intact, never shown", () => {
    const cases: [string, string, RegExp][] = [
        ["empty", "", /is empty/],
        ["shorter than 12 characters", "Short-pw-1", /has 10 characters; it needs at least 12/],
        ["with a space and #", "abcdef #ghijkl", /holds a character SP's configuration reader changes or cuts off/],
        ["with ': '", "abcdef: ghijkl", /holds a character/],
        ["with $", "pa$$word-long-enough", /holds a character/],
        ["starting with @", "@abcdefghijkl", /starts with punctuation/],
        ["of digits only", "012345678901", /reads as a number/],
        ["in hexadecimal", "0x1234abcdef99", /reads as a number/],
    ];
    for (const [what, password, message] of cases) {
        for (const setting of ["adminPassword", "databasePassword", "mysqlRootPassword"]) {
            it(`${setting} ${what}`, async () => {
                const error = await rejected(() => undefined, { [setting]: password });
                const line = lineFor(error, setting);
                assert.match(line, message);
                assert.match(line, /\(value not shown\)/);
                assert.equal(fixOf(line), `pulumi config set --secret ${setting}`);
                if (password.length > 0) {
                    assert.ok(!error.includes(password), "the error shows the password");
                }
            });
        }
    }

    it("mysqlRootPassword with an external database is refused as ignored, not validated and dropped", async () => {
        const error = await rejected(
            (config) => {
                external(config);
                setPath(config, "database.host", "mysql.example.com");
            },
            { databasePassword: "Database-Password-1", mysqlRootPassword: "Root-Password-123" },
        );
        assert.equal(fixOf(lineFor(error, "mysqlRootPassword")), "pulumi config rm mysqlRootPassword");
    });

    it("an empty subscription password is refused", async () => {
        const line = lineFor(await rejected(set("subscriptionUsername", "me@example.com"), { subscriptionPassword: "" }), "subscriptionPassword");
        assert.match(line, /is empty \(value not shown\)/);
    });
});

describe("settings that name a Kubernetes Secret take any name the API server accepts", () => {
    it("ingress.tlsSecretName and tls.secretName with dots (DNS subdomains) reach the Ingress and the pods", async () => {
        const run = await runFixture("external", (config) => {
            setPath(config, "ingress.tlsSecretName", "sp.tls");
            setPath(config, "tls.secretName", "sp.keystores");
        });
        const ingresses = run.objects.filter((object) => object.kind === "Ingress");
        assert.ok(ingresses.length > 0);
        assert.ok(ingresses.every((ingress) => ingress.spec.tls[0].secretName === "sp.tls"));
        const mounted = run.objects.filter((object) => object.kind === "Deployment").flatMap((deployment) => deployment.spec.template.spec.volumes ?? []);
        assert.ok(mounted.some((volume: { secret?: { secretName?: string } }) => volume.secret?.secretName === "sp.keystores"));
    });

    it("both refuse what is no Secret name with one rule", async () => {
        const error = await rejected((config) => {
            setPath(config, "ingress.tlsSecretName", "sp..tls");
            setPath(config, "tls.secretName", "-keystores");
        });
        const ruleOf = (setting: string) => /^ {2}- \S+ (.*) \(got/.exec(lineFor(error, setting))?.[1];
        assert.match(ruleOf("ingress.tlsSecretName") ?? "", /must be the name of a Secret/);
        assert.equal(ruleOf("ingress.tlsSecretName"), ruleOf("tls.secretName"));
    });
});

describe("the managers' minResourceCount (confs/) is checked with the settings", () => {
    /** The project's confs/ with the managers' minResourceCount line replaced. */
    function confsWith(line: string): string {
        const dir = copyOfConfs();
        const file = path.join(dir, "manager", "conf", "manager", "deployment.yaml");
        fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace(/^ {2}minResourceCount: .*$/m, `  minResourceCount: ${line}`));
        return dir;
    }

    for (const [given, shown] of [["two", '"two"'], ["0", "0"], ['"2"', '"2"'], ["2.0", '"2.0"'], ["-1", "-1"]]) {
        it(`${given} is refused (SP reads a whole number of at least 1), in the same list as a bad setting`, async () => {
            const confsDir = confsWith(given);
            const error = await rejected((config) => {
                setPath(config, "confsDir", confsDir);
                setPath(config, "nfs.server", "not a host");
            });
            lineFor(error, "nfs.server");
            const line = lineFor(error, "confsDir");
            assert.match(line, new RegExp(`minResourceCount in .*deployment\\.yaml that is not a whole number of at least 1.*\\(got ${shown.replace(/[.]/g, "\\.")}\\)`));
            assert.match(fixOf(line), /^perl -pi -e /);
        });
    }

    it("more than the workers is refused at workers: the disruption budget could never be met", async () => {
        const confsDir = confsWith("5");
        const error = await rejected(set("confsDir", confsDir));
        const line = lineFor(error, "workers");
        assert.match(line, /must be at least 5, the managers' minResourceCount .*\(got 2\)/);
        assert.equal(fixOf(line), "pulumi config set workers 5");
    });

    it("as many workers as minResourceCount are accepted", async () => {
        const confsDir = confsWith("3");
        const run = await runFixture("in-cluster", (config) => {
            setPath(config, "confsDir", confsDir);
            setPath(config, "workers", 3);
        });
        const budget = run.objects.find((object) => object.kind === "PodDisruptionBudget" && object.metadata.name === "wso2sp-worker");
        assert.equal(budget?.spec.minAvailable, 3);
    });
});

describe("one run shows every problem", () => {
    it("a wrong field and a cross-setting rule are reported together", async () => {
        const message = await rejected((config) => {
            setPath(config, "nfs.server", "not a host");
            setPath(config, "workers", 0);
            setPath(config, "database.inCluster", false);
            setPath(config, "nfs.mysqlDataPath", undefined);
        });
        lineFor(message, "nfs.server");
        lineFor(message, "workers");
        // The external database's rules still run while other fields are wrong.
        lineFor(message, "database.host");
        lineFor(message, "databasePassword");
    });

    it("a bad volume does not hide a clash of the other volumes", async () => {
        const message = await rejected((config) => {
            setPath(config, "additionalVolumes[0].size", "0");
            setPath(config, "additionalVolumes[1]", { name: "sp-extensions", path: "/exports/wso2sp/extensions", nodes: ["worker"] });
        });
        lineFor(message, "additionalVolumes[0].size");
        lineFor(message, "additionalVolumes[1].name");
        lineFor(message, "additionalVolumes[1].path");
    });
});

describe("good settings in the forms Pulumi stores them are accepted", () => {
    it("booleans and numbers set with --path as text (\"false\", \"3\") work like typed ones", async () => {
        const run = await runFixture("in-cluster", (config) => {
            setPath(config, "workers", "3");
            setPath(config, "database.tls", "false");
        });
        const workers = run.objects.find((object) => object.kind === "StatefulSet" && object.metadata.name === "wso2sp-worker");
        assert.equal(workers?.spec.replicas, 3);
    });

    it("a dependency setting equal to its declared default is no conflict: the stack deploys as without it", async () => {
        const run = await runFixture("in-cluster", (config) => {
            setPath(config, "database.port", 3306);
            setPath(config, "kafka.bootstrapServers", "");
        });
        assert.deepEqual(run.objects, (await sharedFixture("in-cluster")).objects);
        assert.deepEqual(run.warnings, (await sharedFixture("in-cluster")).warnings);
    });
});

describe("stack outputs", () => {
    it("an output a stack does not have (mysqlRootPassword with an external database, dashboardUrl without its host) is absent, with no warning", async () => {
        const run = await runFixture("external", (config) => {
            setPath(config, "ingress.hosts.dashboard", "");
            // Own TLS without verification is warned about: not this test's matter.
            setPath(config, "tls.hostnameVerification", true);
        });
        assert.ok(!("mysqlRootPassword" in run.outputs) && !("dashboardUrl" in run.outputs), `outputs: ${Object.keys(run.outputs).join(", ")}`);
        assert.ok("databasePassword" in run.outputs);
        assert.deepEqual(run.warnings, []);
    });
});
