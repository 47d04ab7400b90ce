/**
 * Every Kubernetes object the program emits validates against the Kubernetes API schema
 * (tests/kubernetesSchema.ts), for the committed stacks and for a variant with every optional
 * feature on.
 */
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { nonEmpty, Registered, runStack, setPath, StackConfig } from "./harness";
import { copyOfConfs } from "./temporaryFiles";
import { KubernetesObject, describeObject, kubernetesMinor, modelFor, modelsPackageDir, modelsVersion, removedIn, schemaProblems, schemaReleaseByModels, unknownFields } from "./kubernetesSchema";

/** A confs/ tree with a dashboard directory and a binary file too (binaryData), beside the committed one. */
function confsWithEverything(): string {
    const dir = copyOfConfs();
    const dashboard = path.join(dir, "dashboard", "conf", "dashboard");
    fs.mkdirSync(dashboard, { recursive: true });
    fs.writeFileSync(path.join(dashboard, "deployment.yaml"), "wso2.carbon:\n  id: wso2-sp-dashboard\n");
    fs.writeFileSync(path.join(dir, "manager", "conf", "manager", "client-truststore.jks"), Buffer.from([0xfe, 0xed, 0xfe, 0xed, 0x00, 0x00, 0x00, 0x02, 0xff]));
    return dir;
}

/**
 * dev with every optional feature on: an extra volume on every node kind, TLS, a pull secret, dashboard confs, binary confs,
 * the stack's own keystore, client source ranges, relaxed placement.
 */
function everythingOn(confsDir: string) {
    return (config: StackConfig) => {
        const volumes = [...((config.additionalVolumes as unknown[]) ?? [])];
        volumes.push({
            name: "sp-extra-everywhere",
            path: "/exports/wso2sp/extra",
            server: "nfs-2.example.com",
            mountPath: "/home/wso2carbon/extra",
            nodes: ["manager", "worker", "receiver", "dashboard"],
            size: "5Gi",
        });
        config.additionalVolumes = volumes;
        setPath(config, "ingress", { className: "nginx", tlsSecretName: "wso2sp-tls", hosts: { manager1: "m1.example.com", manager2: "m2.example.com", dashboard: "dash.example.com" } });
        config.subscriptionUsername = "ops@example.com";
        config.volumeProtection = "protect";
        config.confsDir = confsDir;
        setPath(config, "tls.secretName", "wso2sp-keystores");
        setPath(config, "exposure.sourceRanges", ["203.0.113.0/24", "2001:db8::/32"]);
        setPath(config, "exposure.managers", true);
        config.httpSourcePorts = [8280, 8243];
        config.placement = "preferred";
    };
}

describe(`Kubernetes objects validate against the Kubernetes ${kubernetesMinor} API schema (kubernetes-models ${modelsVersion})`, () => {
    const runs = new Map<string, { objects: KubernetesObject[]; resources: Registered[] }>();
    before(async () => {
        const confsDir = confsWithEverything();
        runs.set("dev", await runStack("dev"));
        runs.set("prod", await runStack("prod"));
        runs.set("dev with every optional feature", await runStack("dev", everythingOn(confsDir), { subscriptionPassword: "s3cret", keystorePassword: "keystore-s3cret" }));
        // One type-check for the objects of all variants (one program, shared objects once); each test asserts its own.
        unknownFields([...runs.values()].flatMap((run) => run.objects).filter((object) => modelFor(object.apiVersion, object.kind)));
    });

    it(`the installed kubernetes-models carries the Kubernetes ${kubernetesMinor} schemas`, () => {
        const release = schemaReleaseByModels[modelsVersion.split(".").slice(0, 2).join(".")];
        assert.equal(release, kubernetesMinor, `kubernetes-models ${modelsVersion}: look up its schema release in its CHANGELOG and update schemaReleaseByModels`);
        const lifecycle = fs.readFileSync(path.join(modelsPackageDir, "v1", "Lifecycle.d.ts"), "utf8");
        assert.match(lifecycle, /stopSignal/, "Lifecycle.stopSignal is new in 1.33");
        assert.equal(modelFor("storage.k8s.io/v1", "VolumeAttributesClass"), undefined, "VolumeAttributesClass is GA (storage.k8s.io/v1) from 1.34");
    });

    it("the variant turns every optional feature on", () => {
        const objects = runs.get("dev with every optional feature")!.objects;
        const kinds = (kind: string) => nonEmpty(objects.filter((object) => object.kind === kind), kind);
        assert.ok(kinds("Deployment").every((deployment) => deployment.spec.template.spec.volumes.some((volume: any) => volume.name === "sp-extra-everywhere") || !deployment.metadata.name.startsWith("wso2sp-")));
        assert.ok(kinds("Ingress").every((ingress) => ingress.spec.tls[0].secretName === "wso2sp-tls"));
        assert.ok(kinds("Secret").some((secret) => secret.type === "kubernetes.io/dockerconfigjson"));
        assert.ok(kinds("ConfigMap").some((map) => Object.keys(map.binaryData ?? {}).length > 0));
        assert.ok(kinds("ConfigMap").some((map) => map.metadata.labels["app.kubernetes.io/component"] === "dashboard"));
        assert.ok(kinds("Deployment").some((deployment) => deployment.spec.template.spec.volumes.some((volume: any) => volume.secret?.secretName === "wso2sp-keystores")));
        assert.ok(kinds("Ingress").every((ingress) => ingress.metadata.annotations["nginx.ingress.kubernetes.io/whitelist-source-range"]));
        assert.ok(kinds("Deployment").some((deployment) => deployment.spec.template.spec.affinity?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution));
    });

    for (const variant of ["dev", "prod", "dev with every optional feature"]) {
        it(`${variant}: every object validates against its kind's ${kubernetesMinor} schema, with no unknown field`, () => {
            const { objects } = runs.get(variant)!;
            assert.ok(objects.length > 0, "the program emitted no Kubernetes object");
            const problems = schemaProblems(objects);
            assert.deepEqual(problems, [], `${problems.length} schema problem(s) in ${variant}:\n${problems.join("\n")}`);
        });

        it(`${variant}: no object uses an API version removed from Kubernetes`, () => {
            const removed = runs
                .get(variant)!
                .objects.filter((object) => removedIn(object) !== undefined)
                .map((object) => `${describeObject(object)}: ${object.apiVersion} ${object.kind} was removed in Kubernetes ${removedIn(object)}`);
            assert.deepEqual(removed, [], `${removed.length} object(s) on a removed API version:\n${removed.join("\n")}`);
        });
    }

    it("the checks reject a broken object, an unknown field, a kind without a model and a removed API version", () => {
        const deployment = structuredClone(runs.get("dev")!.objects.find((object) => object.kind === "Deployment")!);
        assert.deepEqual(schemaProblems([deployment]), []);

        const broken = structuredClone(deployment);
        broken.spec.replicas = "two";
        delete broken.spec.template.spec.containers[0].name;
        const brokenProblems = schemaProblems([broken]);
        assert.ok(brokenProblems.some((problem) => problem.includes("data/spec/replicas must be integer")), brokenProblems.join("\n"));
        assert.ok(brokenProblems.some((problem) => problem.includes("must have required property name")), brokenProblems.join("\n"));

        const misspelt = structuredClone(deployment);
        misspelt.spec.template.spec.containers[0].imagePullSecret = "wso2creds";
        const misspeltProblems = schemaProblems([misspelt]);
        assert.equal(misspeltProblems.length, 1, misspeltProblems.join("\n"));
        assert.match(misspeltProblems[0], /at spec\.template\.spec\.containers\[0\]\.imagePullSecret: .*'"imagePullSecret"' does not exist in type 'IContainer'/);

        const noModel = { apiVersion: "wso2.com/v1", kind: "StreamProcessor", metadata: { name: "sp", namespace: "wso2" } };
        assert.match(schemaProblems([noModel]).join("\n"), /has no model for apiVersion wso2\.com\/v1 kind StreamProcessor/);
        assert.match(schemaProblems([{ ...deployment, kind: "Deploymnet" }]).join("\n"), /has no model/);

        assert.equal(removedIn({ ...deployment, apiVersion: "extensions/v1beta1" }), "1.22");
        assert.equal(removedIn({ apiVersion: "networking.k8s.io/v1beta1", kind: "Ingress" }), "1.22");
        assert.equal(removedIn({ apiVersion: "admissionregistration.k8s.io/v1beta1", kind: "ValidatingAdmissionPolicy" }), undefined);
        assert.equal(removedIn(deployment), undefined);
    });
});
