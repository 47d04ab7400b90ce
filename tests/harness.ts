/**
 * Runs the real program (index.ts) under Pulumi's mock runtime with a stack's real settings, the
 * way `pulumi up` would, and records every resource it registers. Shared by the tests, the
 * renderer (`npm run render`) and the benchmark.
 */
import * as fs from "fs";
import * as path from "path";
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import { LineCounter, parseDocument } from "yaml";

export const projectDir = path.resolve(__dirname, "..");
export const projectName = "wso2-sp";

/** A resource as the program registered it, with secrets unwrapped. */
export interface Registered {
    type: string;
    name: string;
    inputs: Record<string, any>;
    /** The resource options the program gave, as a stack transformation sees them. */
    options: pulumi.ResourceOptions;
}

export interface ProgramRun {
    resources: Registered[];
    /** Stack outputs, resolved. */
    outputs: Record<string, any>;
    /** Kubernetes objects (apiVersion/kind/metadata/…) in registration order. */
    objects: Record<string, any>[];
    /** What the program and the SDK logged with pulumi.log.warn, in order; `pulumi up` shows these. */
    warnings: string[];
    /** What they logged with pulumi.log.info, in order. */
    infos: string[];
    /** The stack outputs Pulumi holds as secrets (shown as [secret], encrypted in the state). */
    secretOutputs: string[];
    /** Every registration's URN as the engine forms it, with the URNs its aliases stand for. */
    urns: RegisteredUrn[];
    /** The stacks whose outputs the program read (StackReference), in order: full name, and what was registered by then. */
    stackReads: { name: string; registeredBefore: string[] }[];
}

/** A resource's URN (stack, project, parent chain of types, name) and the URNs it answers to as well. */
export interface RegisteredUrn {
    urn: string;
    /** Each alias the program gave, resolved to a full URN the way the engine resolves an alias spec. */
    aliases: string[];
    /** What the engine waits for before it creates or updates this one: `dependsOn` and the resources whose outputs its inputs use. */
    dependencies: string[];
}

/** Stack settings as `pulumi config` holds them: setting name (without project prefix) → value. */
export type StackConfig = Record<string, unknown>;

/** What replaces every Secret value in rendered manifests. */
export const redacted = "REDACTED";

/**
 * What stands in for each `secure:` value of a stack file that is not decrypted: a value every
 * password rule accepts (config/passwords.ts), so the program runs as with a valid real secret.
 */
export const secretStandIn = "REDACTED-secret-0";

/**
 * The stacks behaviour tests run: fixtures of their own, so a user's edit of `Pulumi.dev.yaml` or
 * `Pulumi.prod.yaml` only shows in the golden manifests.
 */
export const fixtureDir = path.join(__dirname, "stacks");

/** A user's fresh stack file as `pulumi stack init` writes it with the passphrase provider: a salt, no settings yet. */
export const freshStackFile = "encryptionsalt: v1:MDEyMzQ1Njc4OWFiY2RlZg==:v1:AAAAAAAAAAAAAAAA:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n";

/** A stack file Pulumi itself would refuse; its message names the file (and line) and needs no stack trace. */
export class StackFileError extends Error {}

export interface StackFile {
    /** Settings by name: without the project prefix for this project's, with it (`kubernetes:context`) for others'. */
    config: StackConfig;
    /** This project's settings held encrypted. */
    secretKeys: string[];
    /** The encrypted values as the file holds them (`v1:…`), by setting name. */
    ciphertexts: Record<string, string>;
    /** The passphrase provider's salt (`encryptionsalt:`), when the stack has one. */
    encryptionSalt?: string;
}

/** Reads `Pulumi.<stack>.yaml`; encrypted (`secure:`) values become `secretStandIn` and are marked secret. */
export function readStackConfig(stack: string, dir: string = projectDir): StackFile {
    const file = path.join(dir, `Pulumi.${stack}.yaml`);
    const shown = path.relative(process.cwd(), file) || file;
    if (!fs.existsSync(file)) {
        throw new StackFileError(`No stack file ${shown}: stacks are ${listStacks(dir).join(", ")}`);
    }
    const text = fs.readFileSync(file, "utf8");
    const key = `${file}\0${text}`;
    if (!stackFiles.has(key)) {
        stackFiles.set(key, parseStackFile(text, shown));
    }
    // Each caller changes its own copy.
    return structuredClone(stackFiles.get(key)!);
}

/** Stack files parsed once per text: tests read the same few stacks hundreds of times. */
const stackFiles = new Map<string, StackFile>();

function parseStackFile(text: string, shown: string): StackFile {
    const lineCounter = new LineCounter();
    const parsed = parseDocument(text, { lineCounter, prettyErrors: false });
    if (parsed.errors.length > 0) {
        const [error] = parsed.errors;
        throw new StackFileError(`${shown}:${lineCounter.linePos(error.pos[0]).line}: ${error.message.split("\n")[0]}`);
    }
    const document = (parsed.toJS() ?? {}) as { config?: Record<string, unknown>; encryptionsalt?: string };
    const result: StackFile = { config: {}, secretKeys: [], ciphertexts: {}, encryptionSalt: document.encryptionsalt };
    for (const [key, value] of Object.entries(document.config ?? {})) {
        // As Pulumi: every key is `<namespace>:<name>`; this project's are handed over without the prefix.
        const separator = key.indexOf(":");
        if (separator <= 0) {
            const line = lineCounter.linePos(findKeyOffset(parsed, key)).line;
            throw new StackFileError(
                `${shown}:${line}: configuration key ${JSON.stringify(key)} has no namespace; Pulumi refuses it. Write it as ${projectName}:${key}`,
            );
        }
        const ours = key.slice(0, separator) === projectName;
        const name = ours ? key.slice(separator + 1) : key;
        const secure = isSecure(value);
        result.config[name] = secure ? secretStandIn : withStandIns(value);
        if (secure && ours) {
            result.ciphertexts[name] = String((value as { secure: unknown }).secure);
        }
        // As Pulumi: a setting holding an encrypted field anywhere (`--path --secret`) is secret as a whole
        // (sdk/go/common/resource/config/object.go, Secure; map.go, SecureKeys).
        if (ours && holdsSecure(value)) {
            result.secretKeys.push(name);
        }
    }
    return result;
}

/** `{ secure: v1:… }`: how a stack file holds an encrypted value, at the top or inside an object. */
function isSecure(value: unknown): boolean {
    return typeof value === "object" && value !== null && !Array.isArray(value) && Object.keys(value).length === 1 && "secure" in value;
}

function holdsSecure(value: unknown): boolean {
    return isSecure(value) || (typeof value === "object" && value !== null && Object.values(value).some(holdsSecure));
}

/** The value with each encrypted field replaced by the stand-in, as the program would get it decrypted. */
function withStandIns(value: unknown): unknown {
    if (isSecure(value)) {
        return secretStandIn;
    }
    if (Array.isArray(value)) {
        return value.map(withStandIns);
    }
    return typeof value === "object" && value !== null ? Object.fromEntries(Object.entries(value).map(([key, item]) => [key, withStandIns(item)])) : value;
}

/** Where a key of the `config:` mapping starts in the file. */
function findKeyOffset(document: ReturnType<typeof parseDocument>, key: string): number {
    const config = document.get("config", true) as { items?: { key: { value?: unknown; range?: [number, number, number] } }[] } | undefined;
    return config?.items?.find((item) => item.key.value === key)?.key.range?.[0] ?? 0;
}

export function listStacks(dir: string = projectDir): string[] {
    return fs
        .readdirSync(dir)
        .map((file) => /^Pulumi\.(.+)\.yaml$/.exec(file)?.[1])
        .filter((stack): stack is string => stack !== undefined);
}

/** Sets a value the way `pulumi config set --path a.b[0].c` does; `undefined` removes it. */
export function setPath(config: StackConfig, settingPath: string, value: unknown): void {
    const parts = settingPath.split(/\.|\[(\d+)\]/).filter((part) => part !== undefined && part !== "");
    let node: any = config;
    parts.slice(0, -1).forEach((part, index) => {
        if (node[part] === undefined) {
            node[part] = /^\d+$/.test(parts[index + 1]) ? [] : {};
        }
        node = node[part];
    });
    const last = parts[parts.length - 1];
    if (value === undefined) {
        delete node[last];
    } else {
        node[last] = value;
    }
}

const secretSignature = "4dabf18193072939515e22adb298388d";

/** The mock monitor hands secrets over wrapped; tests and renders want the plain values. */
function unwrapSecrets(value: any): any {
    if (Array.isArray(value)) {
        return value.map(unwrapSecrets);
    }
    if (value && typeof value === "object") {
        if (value[secretSignature] !== undefined) {
            return unwrapSecrets(value.value);
        }
        return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, unwrapSecrets(item)]));
    }
    return value;
}

/** Values a real provider would compute, so outputs that use them resolve. */
function mockState(args: pulumi.runtime.MockResourceArgs, randomPasswords: Record<string, string>): Record<string, any> {
    if (args.type === "random:index/randomPassword:RandomPassword") {
        return { ...args.inputs, result: randomPasswords[args.name] ?? `generated-${args.name}` };
    }
    return args.inputs;
}

export interface RunOptions {
    /** Stack name the program sees; `test` unless given. */
    stack?: string;
    /** Settings to hand over as secrets. */
    secretKeys?: string[];
    /** Run as `pulumi preview` does (`pulumi.runtime.isDryRun()`); as an update otherwise. */
    preview?: boolean;
    /** What the provider generates for a RandomPassword, by resource name; `generated-<name>` otherwise. */
    randomPasswords?: Record<string, string>;
    /** Another program to run instead of index.ts (the benchmark's baseline). */
    programFile?: string;
    /** Called as the mock monitor receives each registration (the benchmark's clock). */
    onNewResource?: () => void;
    /**
     * The outputs of the stack's last deploy, as a StackReference to the stack itself reads them
     * (index.ts learns the volumes' previous locations from them); none, a first deploy, unless given.
     */
    lastOutputs?: Record<string, unknown>;
    /**
     * Map the stack trace the SDK captures for every resource through ts-node's source maps, as
     * `pulumi up` does: the benchmark measures that cost. Nothing else reads those traces, and
     * mapping them frame by frame is about a quarter of a run, so the tests skip it. A program
     * error's trace is still mapped when it is first read after the run (V8 formats it then), as
     * mocha does when it reports a failure.
     */
    mapStackTraces?: boolean;
}

/**
 * Runs index.ts with the given settings and returns what it registered. A program that throws
 * (bad settings) rejects with its error; `registeredBeforeError` then tells what it had registered.
 */
export async function runProgram(config: StackConfig, options: RunOptions = {}): Promise<ProgramRun> {
    const resources: Registered[] = [];
    const stackReads: ProgramRun["stackReads"] = [];
    const optionsByResource = new Map<string, pulumi.ResourceOptions>();
    lastRunResources = resources;
    await pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                // A read of a stack's outputs registers nothing: it is answered here and not recorded as a resource.
                if (args.type === stackReferenceType) {
                    stackReads.push({ name: args.inputs.name, registeredBefore: resources.map((resource) => `${resource.type}::${resource.name}`) });
                    const outputs = args.inputs.name === `${organization}/${projectName}/${options.stack ?? "test"}` ? (options.lastOutputs ?? {}) : {};
                    return { id: args.id ?? args.name, state: { name: args.inputs.name, outputs, secretOutputNames: [] } };
                }
                const resourceOptions = optionsByResource.get(`${args.type}::${args.name}`) ?? {};
                resources.push({ type: args.type, name: args.name, inputs: unwrapSecrets(args.inputs), options: resourceOptions });
                options.onNewResource?.();
                return { id: `${args.name}-id`, state: mockState(args, options.randomPasswords ?? {}) };
            },
            call: (args) => args.inputs,
        },
        projectName,
        options.stack ?? "test",
        options.preview ?? false,
        organization,
    );
    const urns = recordUrns(options.stack ?? "test");
    // Settings of other namespaces (`kubernetes:context`) keep theirs.
    const serialized = Object.fromEntries(
        Object.entries(config).map(([key, value]) => [key.includes(":") ? key : `${projectName}:${key}`, typeof value === "string" ? value : JSON.stringify(value)]),
    );
    pulumi.runtime.setAllConfig(serialized, (options.secretKeys ?? []).map((key) => `${projectName}:${key}`));

    const entry = options.programFile ?? path.join(projectDir, "index");
    forgetProgram(entry);
    const warnings: string[] = [];
    const infos: string[] = [];
    const log = pulumi.log as { warn: typeof pulumi.log.warn; info: typeof pulumi.log.info };
    const printWarning = log.warn;
    const printInfo = log.info;
    log.warn = async (message) => void warnings.push(message);
    log.info = async (message) => void infos.push(message);
    const stackTraces = Error as { prepareStackTrace?: typeof Error.prepareStackTrace };
    const prepareStackTrace = stackTraces.prepareStackTrace;
    if (!options.mapStackTraces) {
        stackTraces.prepareStackTrace = undefined;
    }
    // The program's exports as it made them (Outputs, secrets marked); the stack resolves them.
    let exported: Record<string, unknown> = {};
    try {
        const outputs = await pulumi.runtime
            .runInPulumiStack(async () => {
                // Runs in process before each registration, so it sees options the mock monitor does not get.
                pulumi.runtime.registerStackTransformation(({ type, name, opts }) => {
                    optionsByResource.set(`${type}::${name}`, opts);
                    return undefined;
                });
                // No extension: index.ts under ts-node, index.js in TypeScript's own output (CI runs both).
                // A program that exports a function is run by calling it, its result awaited (as
                // @pulumi/pulumi cmd/run does); its result is then the stack's outputs.
                const program = require(entry);
                exported = typeof program === "function" ? { ...(await program()) } : { ...program };
                return exported;
            })
            .catch(async (error: unknown) => {
                surfacedErrors.add(error as object);
                // Let the failed run's last RPCs land on its own mock monitor, not on the next run's.
                await pulumi.runtime.disconnect();
                throw error;
            });
        const secretOutputs: string[] = [];
        for (const [name, value] of Object.entries(exported)) {
            if (pulumi.Output.isInstance(value) && (await pulumi.isSecret(value))) {
                secretOutputs.push(name);
            }
        }
        const resolved = unwrapSecrets(await resolve(outputs ?? {}));
        // Registrations whose inputs wait on other resources are still in flight: let them land.
        await pulumi.runtime.disconnect();
        const objects = resources.filter((resource) => resource.type.startsWith("kubernetes:")).map(toKubernetesObject);
        return { resources, outputs: resolved, objects, warnings, infos, secretOutputs, urns, stackReads };
    } finally {
        log.warn = printWarning;
        log.info = printInfo;
        stackTraces.prepareStackTrace = prepareStackTrace;
    }
}

let lastRunResources: Registered[] = [];

/** The organization the DIY backend gives every stack; Pulumi Cloud gives the stack's own. */
export const organization = "organization";
const stackReferenceType = "pulumi:pulumi:StackReference";

const stackType = "pulumi:pulumi:Stack";

/**
 * Records what the SDK sends the (mock) monitor with each registration: its parent and its alias
 * specs, exactly as `pulumi up` would send them to the engine. The mock monitor's own URNs qualify
 * a type with the parent's type only and keep the stack's type; the engine qualifies it with the
 * parent's whole chain and leaves the stack's type out, so the URNs are formed here as the engine
 * forms them (pulumi/pkg/resource/urn.go NewURN).
 */
function recordUrns(stack: string): RegisteredUrn[] {
    const recorded: RegisteredUrn[] = [];
    const monitor = pulumi.runtime.getMonitor() as unknown as { registerResource: (request: RegisterRequest, callback: RegisterCallback) => unknown };
    const register = monitor.registerResource.bind(monitor);
    // The mock monitor's URN of each registered resource → the engine's.
    const engineUrns = new Map<string, string>();
    const engineUrn = (type: string, name: string, parent: string | undefined, urnStack = stack, project = projectName) => {
        const parentType = parent?.split("::")[2];
        const qualified = parentType === undefined || parentType === stackType ? type : `${parentType}$${type}`;
        return `urn:pulumi:${urnStack}::${project}::${qualified}::${name}`;
    };
    monitor.registerResource = (request, callback) =>
        register(request, (error, response) => {
            if (!error && response) {
                const parent = engineUrns.get(request.getParent());
                const urn = engineUrn(request.getType(), request.getName(), parent);
                engineUrns.set(response.getUrn(), urn);
                const aliases = request.getAliasesList().map((alias) => {
                    if (!alias.hasSpec()) {
                        return alias.getUrn();
                    }
                    // The engine fills what a spec leaves out from the resource itself.
                    const spec = alias.getSpec()!;
                    const aliasParent = spec.getNoparent() ? undefined : spec.hasParenturn() ? (engineUrns.get(spec.getParenturn()) ?? spec.getParenturn()) : parent;
                    return engineUrn(spec.getType() || request.getType(), spec.getName() || request.getName(), aliasParent, spec.getStack() || stack, spec.getProject() || projectName);
                });
                const dependencies = request.getDependenciesList().map((dependency) => engineUrns.get(dependency) ?? dependency);
                recorded.push({ urn, aliases, dependencies });
            }
            callback(error, response);
        });
    return recorded;
}

interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getDependenciesList(): string[];
    getAliasesList(): {
        hasSpec(): boolean;
        getUrn(): string;
        getSpec():
            | { getName(): string; getType(): string; getStack(): string; getProject(): string; getNoparent(): boolean; hasParenturn(): boolean; getParenturn(): string }
            | undefined;
    }[];
}
type RegisterCallback = (error: unknown, response: { getUrn(): string } | undefined) => void;

/**
 * The Stack resource also rejects with a program's error, where no caller can handle it. Such a
 * rejection is dropped once runProgram has handed the same error to its caller; any other one
 * still ends the process, as Node would.
 */
const surfacedErrors = new WeakSet<object>();
process.on("unhandledRejection", (reason) => {
    if (!(typeof reason === "object" && reason !== null && surfacedErrors.has(reason))) {
        throw reason;
    }
});

/** What the last run registered, also when it failed. */
export function registeredBeforeError(): Registered[] {
    return lastRunResources;
}

/** Runs a committed user stack with its own settings, optionally changed first. */
export async function runStack(stack: string, change?: (config: StackConfig) => void, secrets: Record<string, string> = {}): Promise<ProgramRun> {
    return runStackFile(stack, projectDir, change, secrets);
}

/**
 * Runs a test fixture stack (`tests/stacks/Pulumi.<name>.yaml`), optionally changed first, as a
 * first deploy or, given `lastOutputs`, as the update of a stack whose last deploy left those outputs.
 */
export async function runFixture(
    name: string,
    change?: (config: StackConfig) => void,
    secrets: Record<string, string> = {},
    lastOutputs?: Record<string, unknown>,
): Promise<ProgramRun> {
    return runStackFile(name, fixtureDir, change, secrets, lastOutputs);
}

const sharedRuns = new Map<string, Promise<ProgramRun>>();
/** Under `npm run mutate`, the mutant active when sharedRuns were made. */
let sharedRunsMutant: string | undefined;

/**
 * The fixture stack exactly as committed, run once per process for the tests that only read it.
 * Its objects are frozen, so no test can change what another sees. A test that compares runs
 * (same settings, same objects) makes its second run with runFixture.
 */
export function sharedFixture(name: string): Promise<ProgramRun> {
    // Stryker's mocha runner runs every mutant in this one process, switching mutants between
    // runs. In its first run, which records what code each test reaches, every test runs the
    // fixture itself (a shared run would credit only its first reader). Against a mutant, a run
    // is shared while that mutant is active: one kept from another mutant (or none) would report
    // the other code (a false survivor).
    const stryker = (globalThis as { __stryker__?: { activeMutant?: string } }).__stryker__;
    if (stryker !== undefined) {
        if (stryker.activeMutant === undefined) {
            return runFixture(name);
        }
        if (sharedRunsMutant !== stryker.activeMutant) {
            sharedRuns.clear();
            sharedRunsMutant = stryker.activeMutant;
        }
    }
    let run = sharedRuns.get(name);
    if (run === undefined) {
        run = runFixture(name).then((result) => {
            // Not the resource options: they hold the SDK's live Resource objects.
            result.resources.forEach((resource) => deepFreeze(resource.inputs));
            [result.objects, result.outputs, result.warnings, result.infos, result.secretOutputs, result.urns].forEach(deepFreeze);
            return result;
        });
        sharedRuns.set(name, run);
    }
    return run;
}

function deepFreeze(value: unknown): void {
    if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
        Object.freeze(value);
        Object.values(value).forEach(deepFreeze);
    }
}

async function runStackFile(
    stack: string,
    dir: string,
    change?: (config: StackConfig) => void,
    secrets: Record<string, string> = {},
    lastOutputs?: Record<string, unknown>,
): Promise<ProgramRun> {
    const { config, secretKeys } = readStackConfig(stack, dir);
    change?.(config);
    Object.assign(config, secrets);
    return runProgram(config, { stack, secretKeys: [...secretKeys, ...Object.keys(secrets)], lastOutputs });
}

/**
 * Loading the program afresh need not transpile it afresh: ts-node's output is a function of the
 * file's name and text, so a process that runs the program many times (the tests) transpiles each
 * text once. Does nothing when ts-node is not the loader (plain `tsc` output).
 */
function transpileOnce(): void {
    const service = (process as any)[Symbol.for("ts-node.register.instance")] as { compile(code: string, fileName: string, lineOffset?: number): string } | undefined;
    if (!service) {
        return;
    }
    const compile = service.compile.bind(service);
    const outputs = new Map<string, string>();
    service.compile = (code, fileName, lineOffset) => {
        const key = `${fileName}\0${lineOffset ?? 0}\0${code}`;
        let output = outputs.get(key);
        if (output === undefined) {
            output = compile(code, fileName, lineOffset);
            outputs.set(key, output);
        }
        return output;
    };
}
transpileOnce();

/**
 * A program reads its settings when it loads, so each run evaluates its entry file afresh. Only the
 * entry file: the modules it imports (config/, kube/, components/) have no load-time effects, so
 * they are loaded, compiled and their schemas built once per process.
 */
function forgetProgram(entry: string): void {
    delete require.cache[require.resolve(entry)];
}

async function resolve(value: any): Promise<any> {
    if (pulumi.Output.isInstance(value)) {
        return resolve(await (value as any).promise());
    }
    if (Array.isArray(value)) {
        return Promise.all(value.map(resolve));
    }
    if (value && typeof value === "object") {
        return Object.fromEntries(await Promise.all(Object.entries(value).map(async ([key, item]) => [key, await resolve(item)])));
    }
    return value;
}

/** `kubernetes:apps/v1:Deployment` + inputs → the object `kubectl apply` would get. */
function toKubernetesObject(resource: Registered): Record<string, any> {
    const [, groupVersion, kind] = resource.type.split(":");
    const apiVersion = groupVersion.startsWith("core/") ? groupVersion.slice("core/".length) : groupVersion;
    return { apiVersion, kind, ...resource.inputs };
}

/** The items a test loops over, failing the test when there are none (a loop over nothing checks nothing). */
export function nonEmpty<T>(items: readonly T[], what: string): readonly T[] {
    assert.ok(items.length > 0, `no ${what} to check`);
    return items;
}

/** Every registered Kubernetes object of a kind. */
export function objectsOfKind(run: ProgramRun, kind: string): Record<string, any>[] {
    return run.objects.filter((object) => object.kind === kind);
}

/** The one object of a kind and name; fails the test when it is missing. */
export function objectNamed(run: ProgramRun, kind: string, name: string): Record<string, any> {
    const found = run.objects.find((object) => object.kind === kind && object.metadata?.name === name);
    if (!found) {
        const names = objectsOfKind(run, kind).map((object) => object.metadata?.name);
        throw new Error(`no ${kind} named ${name}; the program registered ${kind}s ${JSON.stringify(names)}`);
    }
    return found;
}

/** The Deployments and StatefulSets: what runs pods for good (SP workers are a StatefulSet, the other nodes Deployments). */
export function workloads(run: ProgramRun): Record<string, any>[] {
    return run.objects.filter((object) => object.kind === "Deployment" || object.kind === "StatefulSet");
}

/** The one Deployment or StatefulSet of that name; fails the test when it is missing. */
export function workloadNamed(run: ProgramRun, name: string): Record<string, any> {
    const found = workloads(run).filter((object) => object.metadata?.name === name);
    if (found.length !== 1) {
        throw new Error(`${found.length} workloads named ${name}; the program registered ${JSON.stringify(workloads(run).map((object) => `${object.kind}/${object.metadata?.name}`))}`);
    }
    return found[0];
}
