/**
 * Checks of Kubernetes objects against the Kubernetes API schema, as the `kubernetes-models` package
 * carries it (tests/schema.test.ts runs them on the committed stacks, tests/generative.test.ts on
 * random ones). Two checks, because the package's compiled validators (from the OpenAPI
 * spec) check types, required fields, enums and formats but let any unknown field through:
 *  - `Model.validate()` of the kind's model class, found from apiVersion + kind;
 *  - the model's TypeScript interface, with TypeScript's excess-property check, for misspelled or
 *    misplaced fields (which the API server drops or, with strict field validation, refuses).
 * An object whose apiVersion/kind has no model fails: a kind the schema does not know is either
 * a typo or an API the cluster does not serve.
 */
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { projectDir } from "./harness";

export type KubernetesObject = Record<string, any>;
interface ModelClass {
    new (data: KubernetesObject): { validate(): void };
    apiVersion: string;
    kind: string;
}

export const modelsPackageDir = path.dirname(require.resolve("kubernetes-models/package.json", { paths: [projectDir] }));
export const modelsVersion: string = JSON.parse(fs.readFileSync(path.join(modelsPackageDir, "package.json"), "utf8")).version;

/**
 * The Kubernetes release the installed kubernetes-models schemas come from. Its README badge
 * still says 1.27.1; the 4.5.0 changelog entry says "Update schema version to v1.33.0" (4.5.1
 * only bumped a dependency), and the schemas agree: they know Lifecycle.stopSignal (new in 1.33)
 * but not storage.k8s.io/v1 VolumeAttributesClass (GA in 1.34). The first test keeps this true.
 */
export const kubernetesMinor = "1.33";
export const schemaReleaseByModels: Record<string, string> = { "4.5": "1.33" };

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

export function removedIn(object: KubernetesObject): string | undefined {
    return removedApiVersions[object.apiVersion] ?? removedKinds[object.apiVersion]?.[object.kind];
}

/** `kubernetes-models/<apiVersion>/<Kind>` (core: `v1/<Kind>`), when it is a model of exactly that apiVersion and kind. */
export function modelFor(apiVersion: unknown, kind: unknown): ModelClass | undefined {
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

export function describeObject(object: KubernetesObject): string {
    const { namespace, name } = object.metadata ?? {};
    return `${object.apiVersion} ${object.kind} ${namespace ? `${namespace}/` : ""}${name}`;
}

/** What is wrong with the objects by the schema: one line per problem (no model, validation error, unknown field). */
export function schemaProblems(objects: KubernetesObject[]): string[] {
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
export function unknownFields(objects: KubernetesObject[]): string[] {
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

