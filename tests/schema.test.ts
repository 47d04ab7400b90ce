/**
 * Every Kubernetes object the program emits is checked against the Kubernetes API schema, as the
 * `kubernetes-models` package carries it, for the committed stacks and for a variant with every
 * optional feature on. Two checks, because the package's compiled validators (from the OpenAPI
 * spec) check types, required fields, enums and formats but let any unknown field through:
 *  - `Model.validate()` of the kind's model class, found from apiVersion + kind;
 *  - the model's TypeScript interface, with TypeScript's excess-property check, for misspelled or
 *    misplaced fields (which the API server drops or, with strict field validation, refuses).
 * An object whose apiVersion/kind has no model fails: a kind the schema does not know is either
 * a typo or an API the cluster does not serve.
 */
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as ts from "typescript";
import { projectDir, Registered, runStack, setPath, StackConfig } from "./harness";

type KubernetesObject = Record<string, any>;
interface ModelClass {
    new (data: KubernetesObject): { validate(): void };
    apiVersion: string;
    kind: string;
}

const modelsPackageDir = path.dirname(require.resolve("kubernetes-models/package.json", { paths: [projectDir] }));
const modelsVersion: string = JSON.parse(fs.readFileSync(path.join(modelsPackageDir, "package.json"), "utf8")).version;

/**
 * The Kubernetes release the installed kubernetes-models schemas come from. Its README badge
 * still says 1.27.1; the 4.5.0 changelog entry says "Update schema version to v1.33.0" (4.5.1
 * only bumped a dependency), and the schemas agree: they know Lifecycle.stopSignal (new in 1.33)
 * but not storage.k8s.io/v1 VolumeAttributesClass (GA in 1.34). The first test keeps this true.
 */
const kubernetesMinor = "1.33";
const schemaReleaseByModels: Record<string, string> = { "4.5": "1.33" };

/**
 * API versions removed from Kubernetes (https://kubernetes.io/docs/reference/using-api/deprecation-guide/),
 * with the release that removed them. Some beta group/versions came back later for new kinds
 * (admissionregistration.k8s.io/v1beta1 ValidatingAdmissionPolicy, …), so those are listed by kind.
 * The models still carry most of them (the package merges old specs), so this is checked apart.
 */
const removedApiVersions: Record<string, string> = {
    "extensions/v1beta1": "1.22",
    "apps/v1beta1": "1.16",
    "apps/v1beta2": "1.16",
    "networking.k8s.io/v1beta1": "1.22",
    "rbac.authorization.k8s.io/v1beta1": "1.22",
    "apiextensions.k8s.io/v1beta1": "1.22",
    "apiregistration.k8s.io/v1beta1": "1.22",
    "scheduling.k8s.io/v1beta1": "1.22",
    "batch/v1beta1": "1.25",
    "discovery.k8s.io/v1beta1": "1.25",
    "events.k8s.io/v1beta1": "1.25",
    "node.k8s.io/v1beta1": "1.25",
    "policy/v1beta1": "1.25",
    "autoscaling/v2beta1": "1.25",
    "autoscaling/v2beta2": "1.26",
    "flowcontrol.apiserver.k8s.io/v1beta1": "1.26",
    "flowcontrol.apiserver.k8s.io/v1beta2": "1.29",
    "flowcontrol.apiserver.k8s.io/v1beta3": "1.32",
};
const removedKinds: Record<string, Record<string, string>> = {
    "admissionregistration.k8s.io/v1beta1": { MutatingWebhookConfiguration: "1.22", ValidatingWebhookConfiguration: "1.22" },
    "authentication.k8s.io/v1beta1": { TokenReview: "1.22" },
    "authorization.k8s.io/v1beta1": {
        LocalSubjectAccessReview: "1.22",
        SelfSubjectAccessReview: "1.22",
        SelfSubjectRulesReview: "1.22",
        SubjectAccessReview: "1.22",
    },
    "certificates.k8s.io/v1beta1": { CertificateSigningRequest: "1.22" },
    "coordination.k8s.io/v1beta1": { Lease: "1.22" },
    "storage.k8s.io/v1beta1": { CSIDriver: "1.22", CSINode: "1.22", StorageClass: "1.22", VolumeAttachment: "1.22", CSIStorageCapacity: "1.27" },
};

function removedIn(object: KubernetesObject): string | undefined {
    return removedApiVersions[object.apiVersion] ?? removedKinds[object.apiVersion]?.[object.kind];
}

/** `kubernetes-models/<apiVersion>/<Kind>` (core: `v1/<Kind>`), when it is a model of exactly that apiVersion and kind. */
function modelFor(apiVersion: unknown, kind: unknown): ModelClass | undefined {
    if (typeof apiVersion !== "string" || typeof kind !== "string") {
        return undefined;
    }
    if (!/^([a-z0-9][-a-z0-9.]*\/)?v[0-9]+((alpha|beta)[0-9]+)?$/.test(apiVersion) || !/^[A-Z][A-Za-z0-9]*$/.test(kind)) {
        return undefined;
    }
    let module: Record<string, unknown>;
    try {
        module = require(`kubernetes-models/${apiVersion}/${kind}`);
    } catch (error) {
        if (["MODULE_NOT_FOUND", "ERR_PACKAGE_PATH_NOT_EXPORTED"].includes((error as NodeJS.ErrnoException).code ?? "")) {
            return undefined;
        }
        throw error;
    }
    const model = module[kind] as ModelClass | undefined;
    return model?.apiVersion === apiVersion && model.kind === kind ? model : undefined;
}

function describeObject(object: KubernetesObject): string {
    const { namespace, name } = object.metadata ?? {};
    return `${object.apiVersion} ${object.kind} ${namespace ? `${namespace}/` : ""}${name}`;
}

/** What is wrong with the objects by the schema: one line per problem (no model, validation error, unknown field). */
function schemaProblems(objects: KubernetesObject[]): string[] {
    const modelled = objects.filter((object) => modelFor(object.apiVersion, object.kind));
    return [...modelProblems(objects), ...unknownFields(modelled)];
}

/** The compiled validators' part of schemaProblems (no model, validation error): fast, for many runs. */
export function modelProblems(objects: KubernetesObject[]): string[] {
    const problems: string[] = [];
    for (const object of objects) {
        const model = modelFor(object.apiVersion, object.kind);
        if (!model) {
            problems.push(`${describeObject(object)}: kubernetes-models ${modelsVersion} has no model for apiVersion ${object.apiVersion} kind ${object.kind}`);
            continue;
        }
        try {
            new model(object).validate();
        } catch (error) {
            problems.push(`${describeObject(object)}: ${(error as Error).message}`);
        }
    }
    return problems;
}

const virtualFileName = path.join(projectDir, "tests", "__schema_check__.ts"); // never written
const compilerOptions: ts.CompilerOptions = {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
    // The objects are JSON literals: the ES5 library types are all their interfaces can need.
    lib: ["lib.es5.d.ts"],
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.Node10,
};
/**
 * Declaration files (the TypeScript lib, kubernetes-models) parsed once for every check, not once
 * per program: they never change during a test run, and parsing them is most of a check's cost.
 */
const baseHost = ts.createCompilerHost(compilerOptions);
const parsedFiles = new Map<string, ts.SourceFile | undefined>();
let previousProgram: ts.Program | undefined;

/** A host that serves `source` as the virtual file and every other file from the parsed-once cache. */
function compilerHost(source: string): ts.CompilerHost {
    return {
        ...baseHost,
        // Doc comments carry no types; not parsing them saves a third of the parse.
        jsDocParsingMode: ts.JSDocParsingMode.ParseNone,
        fileExists: (name) => name === virtualFileName || baseHost.fileExists(name),
        getSourceFile: (name, languageVersion, ...rest) => {
            if (name === virtualFileName) {
                return ts.createSourceFile(name, source, languageVersion, true);
            }
            if (!parsedFiles.has(name)) {
                parsedFiles.set(name, baseHost.getSourceFile(name, languageVersion, ...rest));
            }
            return parsedFiles.get(name);
        },
    };
}

/** Unknown-field problems of each object already checked, by its JSON: objects the variants share are checked once. */
const fieldProblemsByObject = new Map<string, string[]>();

/**
 * Fields the schema does not know: each object, as a JSON literal, is assigned to its model's
 * TypeScript interface in a virtual file, and TypeScript's excess-property (and type) errors are
 * reported with the object and the field's path.
 */
function unknownFields(objects: KubernetesObject[]): string[] {
    const keys = objects.map((object) => JSON.stringify(object));
    const unchecked = [...new Map(keys.map((key, index) => [key, objects[index]])).entries()].filter(([key]) => !fieldProblemsByObject.has(key));
    const unattributed = unchecked.length === 0 ? [] : typeCheck(unchecked);
    return [...unattributed, ...keys.flatMap((key) => fieldProblemsByObject.get(key) ?? [])];
}

/**
 * Type-checks the objects in one program and records each one's problems; returns the diagnostics
 * that belong to no object (then nothing is recorded, so a later check reports them again).
 */
function typeCheck(objects: [string, KubernetesObject][]): string[] {
    const imports = objects.map(
        ([, object], index) => `import type { I${object.kind} as T${index} } from ${JSON.stringify(`kubernetes-models/${object.apiVersion}/${object.kind}`)};`,
    );
    const declarations = objects.map(([, object], index) => `export const o${index}: T${index} = ${JSON.stringify(object, null, 1)};`);
    const source = [...imports, ...declarations].join("\n");
    const program = ts.createProgram([virtualFileName], compilerOptions, compilerHost(source), previousProgram);
    previousProgram = program;
    const sourceFile = program.getSourceFile(virtualFileName)!;
    const initializers = sourceFile.statements
        .filter(ts.isVariableStatement)
        .map((statement) => statement.declarationList.declarations[0].initializer!);
    const problems: string[][] = objects.map(() => []);
    const unattributed: string[] = [];
    for (const diagnostic of ts.getPreEmitDiagnostics(program, sourceFile)) {
        const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, " ");
        const index = initializers.findIndex((node) => diagnostic.start! >= node.getStart() && diagnostic.start! < node.end);
        if (index === -1) {
            unattributed.push(`schema check: ${message}`);
        } else {
            problems[index].push(`${describeObject(objects[index][1])}: at ${jsonPath(initializers[index], diagnostic.start!)}: ${message}`);
        }
    }
    if (unattributed.length === 0) {
        objects.forEach(([key], index) => fieldProblemsByObject.set(key, problems[index]));
        return [];
    }
    return [...unattributed, ...problems.flat()];
}

/** The path (`spec.template.spec.containers[0].imagePullSecret`) of the literal at `position`. */
function jsonPath(node: ts.Node, position: number): string {
    const parts: string[] = [];
    let current: ts.Node | undefined = node;
    while (current) {
        let next: ts.Node | undefined;
        if (ts.isObjectLiteralExpression(current)) {
            const property: ts.ObjectLiteralElementLike | undefined = current.properties.find((item) => position >= item.getStart() && position < item.end);
            if (property && ts.isPropertyAssignment(property)) {
                parts.push(`.${(property.name as ts.StringLiteral).text}`);
                next = position >= property.initializer.getStart() ? property.initializer : undefined;
            }
        } else if (ts.isArrayLiteralExpression(current)) {
            const index = current.elements.findIndex((item) => position >= item.getStart() && position < item.end);
            if (index !== -1) {
                parts.push(`[${index}]`);
                next = current.elements[index];
            }
        }
        current = next;
    }
    return parts.join("").replace(/^\./, "") || "(the object)";
}

/** A confs/ tree with a dashboard directory and a binary file too (binaryData), beside the committed one. */
function confsWithEverything(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wso2sp-schema-confs-"));
    fs.cpSync(path.join(projectDir, "confs"), dir, { recursive: true });
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
        config.placement = "preferred";
    };
}

describe(`Kubernetes objects validate against the Kubernetes ${kubernetesMinor} API schema (kubernetes-models ${modelsVersion})`, () => {
    const runs = new Map<string, { objects: KubernetesObject[]; resources: Registered[] }>();
    let confsDir = "";

    before(async () => {
        confsDir = confsWithEverything();
        runs.set("dev", await runStack("dev"));
        runs.set("prod", await runStack("prod"));
        runs.set("dev with every optional feature", await runStack("dev", everythingOn(confsDir), { subscriptionPassword: "s3cret", keystorePassword: "keystore-s3cret" }));
        // One type-check for the objects of all variants (one program, shared objects once); each test asserts its own.
        unknownFields([...runs.values()].flatMap((run) => run.objects).filter((object) => modelFor(object.apiVersion, object.kind)));
    });

    after(() => {
        if (confsDir !== "") {
            fs.rmSync(confsDir, { recursive: true, force: true });
        }
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
        const kinds = (kind: string) => objects.filter((object) => object.kind === kind);
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
            if (problems.length > 0) {
                assert.fail(`${problems.length} schema problem(s) in ${variant}:\n${problems.join("\n")}`);
            }
        });

        it(`${variant}: no object uses an API version removed from Kubernetes`, () => {
            const removed = runs
                .get(variant)!
                .objects.filter((object) => removedIn(object) !== undefined)
                .map((object) => `${describeObject(object)}: ${object.apiVersion} ${object.kind} was removed in Kubernetes ${removedIn(object)}`);
            if (removed.length > 0) {
                assert.fail(`${removed.length} object(s) on a removed API version:\n${removed.join("\n")}`);
            }
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
