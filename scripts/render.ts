/**
 * `npm run render -- <stack> [--out <dir> | --golden]`: runs the real program (index.ts) under
 * Pulumi's mock runtime with `Pulumi.<stack>.yaml`, as `pulumi preview` would, and prints every
 * Kubernetes object it registers as YAML (standard output), or writes them to a directory, one file
 * per object named `<kind>-<namespace or _cluster>-<name>.yaml`. `--golden` writes the committed
 * golden manifests `rendered/<stack>/` of an example stack (exampleStacks) instead.
 *
 * Like `pulumi preview`, it refuses a stack file that does not parse (file and line) and keys
 * without a namespace, and checks secret settings on their real values when the stack uses the
 * passphrase provider and PULUMI_CONFIG_PASSPHRASE is set (scripts/stackSecrets.ts). The output is
 * byte-for-byte deterministic (keys sorted, no timestamps) and never holds a secret: secret
 * settings are rendered with a stand-in (tests/harness.ts, secretStandIn) and every value of a
 * Secret's `data`/`stringData` is replaced by "REDACTED", keys kept.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { listStacks, projectDir, readStackConfig, redacted, runProgram, StackConfig, StackFileError } from "../tests/harness";
import { configPassphrase, decryptStackSecrets } from "./stackSecrets";

/** Where the rendered stacks go: `rendered/<stack>/`. */
export const renderedRoot = path.join(projectDir, "rendered");

/**
 * The example stacks the repository commits, with their golden manifests under `rendered/`. Listed
 * rather than found: a user's own `Pulumi.<stack>.yaml` beside them is theirs, rendered only when
 * they ask (`npm run render -- <stack>`), never checked by `npm test`.
 */
export const exampleStacks: readonly string[] = ["dev", "prod"];

export function renderedDir(stack: string): string {
    return path.join(renderedRoot, stack);
}

/** A DNS-1123 subdomain: what the API server accepts as a name (and what is safe as part of a file name). */
const objectName = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/**
 * Runs the stack's program under the mock runtime and renders every Kubernetes object (file name →
 * YAML), with the warnings `pulumi preview` would show.
 */
export async function renderStack(
    stack: string,
    change?: (config: StackConfig) => void,
    dir: string = projectDir,
): Promise<{ files: Map<string, string>; warnings: string[] }> {
    const { config, secretKeys } = readStackConfig(stack, dir);
    change?.(config);
    const run = await runProgram(config, { stack, secretKeys });
    return { files: renderObjects(run.objects), warnings: run.warnings };
}

/** File name → YAML text, sorted by file name. Throws when two objects would share a file. */
export function renderObjects(objects: Record<string, any>[]): Map<string, string> {
    const files = new Map<string, string>();
    for (const object of objects) {
        const file = fileName(object);
        if (files.has(file)) {
            throw new Error(`two ${object.kind} objects render to ${file}: the program registers ${describe(object)} twice`);
        }
        files.set(file, toYaml(redactSecretValues(object)));
    }
    return new Map([...files].sort(([a], [b]) => compare(a, b)));
}

/**
 * `<kind>-<namespace or _cluster>-<name>.yaml`, lower-cased, from the name the object really gets.
 * The program names every object itself; one without a name would get a random suffix from
 * Pulumi's auto-naming, so it cannot be rendered as deployed and is refused.
 */
export function fileName(object: Record<string, any>): string {
    const name = object.metadata?.name;
    if (typeof name !== "string" || !objectName.test(name)) {
        throw new Error(
            `${describe(object)} has no usable metadata.name (got ${JSON.stringify(name)}): ` +
                "Pulumi would auto-name it with a random suffix, so it cannot be rendered as deployed",
        );
    }
    return `${object.kind}-${object.metadata?.namespace ?? "_cluster"}-${name}.yaml`.toLowerCase();
}

/** A Secret with each value of `data` and `stringData` replaced by "REDACTED"; other objects unchanged. */
export function redactSecretValues(object: Record<string, any>): Record<string, any> {
    if (object.apiVersion !== "v1" || object.kind !== "Secret") {
        return object;
    }
    const redact = (values: unknown) =>
        values && typeof values === "object" ? Object.fromEntries(Object.keys(values).map((key) => [key, redacted])) : values;
    const copy = { ...object };
    for (const field of ["data", "stringData"]) {
        if (field in copy) {
            copy[field] = redact(copy[field]);
        }
    }
    return copy;
}

/**
 * YAML with every mapping's keys sorted (by code point, not locale), no line folding, and strings
 * quoted wherever a YAML 1.1 reader (kubectl, go-yaml) would take them for something else (yes,
 * on, 1:20, …), so the files mean the same to every consumer and reruns give identical bytes.
 */
export function toYaml(object: unknown): string {
    return stringify(sortKeys(object), { version: "1.1", lineWidth: 0, minContentWidth: 0 });
}

function sortKeys(value: unknown): unknown {
    if (Array.isArray(value)) {
        return value.map(sortKeys);
    }
    if (value && typeof value === "object") {
        return Object.fromEntries(
            Object.entries(value)
                .filter(([, item]) => item !== undefined)
                .sort(([a], [b]) => compare(a, b))
                .map(([key, item]) => [key, sortKeys(item)]),
        );
    }
    return value;
}

function compare(a: string, b: string): number {
    return a < b ? -1 : a > b ? 1 : 0;
}

function describe(object: Record<string, any>): string {
    return `${object.apiVersion} ${object.kind} ${JSON.stringify(object.metadata?.name)}`;
}

/** The files of `rendered/<stack>/`: file name → text, sorted; empty when the directory does not exist. */
export function readRendered(stack: string): Map<string, string> {
    const dir = renderedDir(stack);
    if (!fs.existsSync(dir)) {
        return new Map();
    }
    const names = fs
        .readdirSync(dir, { withFileTypes: true })
        .filter((entry) => entry.isFile())
        .map((entry) => entry.name)
        .sort(compare);
    return new Map(names.map((name) => [name, fs.readFileSync(path.join(dir, name), "utf8")]));
}

/** Replaces the content of `rendered/<stack>/` with `files` (stale files are removed). Returns the directory. */
export function writeRendered(stack: string, files: Map<string, string>): string {
    const dir = renderedDir(stack);
    writeDirectory(dir, files);
    return dir;
}

function usage(stacks: string[]): string {
    return [
        "usage: npm run render -- <stack> [--out <dir> | --golden]",
        "  Renders every Kubernetes object of the stack as the program would deploy it, to standard output,",
        "  to <dir> (one file per object; the directory's files are replaced), or with --golden to the",
        `  committed golden manifests rendered/<stack>/ (example stacks only: ${exampleStacks.join(", ")}).`,
        `  stacks: ${stacks.join(", ")}`,
    ].join("\n");
}

interface Options {
    stack: string;
    /** Directory to write; undefined for standard output. */
    out?: string;
}

function parseArgs(args: string[], stacks: string[]): Options | string {
    const positional: string[] = [];
    let out: string | undefined;
    for (let i = 0; i < args.length; i++) {
        if (args[i] === "--out" || args[i] === "-o") {
            out = args[++i];
            if (out === undefined) {
                return "--out needs a directory";
            }
        } else if (args[i] === "--golden") {
            out = "golden";
        } else if (args[i].startsWith("-")) {
            return `unknown option ${args[i]}`;
        } else {
            positional.push(args[i]);
        }
    }
    if (positional.length !== 1) {
        return positional.length === 0 ? "no stack given" : `one stack expected, got ${positional.join(" ")}`;
    }
    const [stack] = positional;
    if (!stacks.includes(stack)) {
        return `unknown stack ${JSON.stringify(stack)} (no Pulumi.${stack}.yaml)`;
    }
    if (out === "golden" && !exampleStacks.includes(stack)) {
        return `--golden writes the committed manifests of the example stacks (${exampleStacks.join(", ")}) only; write ${stack}'s elsewhere with --out <dir>`;
    }
    return { stack, out: out === "golden" ? renderedDir(stack) : out };
}

/** Writes `files` into `dir`, replacing the YAML files a previous render left there (other files stay). */
function writeDirectory(dir: string, files: Map<string, string>): void {
    fs.mkdirSync(dir, { recursive: true });
    for (const entry of fs.readdirSync(dir)) {
        if (entry.endsWith(".yaml")) {
            fs.rmSync(path.join(dir, entry));
        }
    }
    for (const [name, text] of files) {
        fs.writeFileSync(path.join(dir, name), text);
    }
}

/**
 * Checks the secret settings on their real values (a run of the program that is thrown away),
 * when they can be decrypted. Returns a note for the user when they cannot.
 */
async function checkRealSecrets(stack: string, dir: string): Promise<string | undefined> {
    const file = readStackConfig(stack, dir);
    if (Object.keys(file.ciphertexts).length === 0) {
        return undefined;
    }
    const passphrase = configPassphrase();
    if (passphrase === undefined || file.encryptionSalt === undefined) {
        return `note: the secret settings of ${stack} were not decrypted (set PULUMI_CONFIG_PASSPHRASE for a passphrase stack); pulumi preview checks their rules`;
    }
    const values = decryptStackSecrets(stack, file, passphrase);
    await runProgram({ ...file.config, ...values }, { stack, secretKeys: file.secretKeys });
    return undefined;
}

/** The command line; returns the exit code. `dir` holds the stack files (the project, or a test's). */
export async function main(args: string[], dir: string = projectDir): Promise<number> {
    const stacks = listStacks(dir);
    if (args.length === 1 && (args[0] === "-h" || args[0] === "--help")) {
        console.log(usage(stacks));
        return 0;
    }
    const options = parseArgs(args, stacks);
    if (typeof options === "string") {
        console.error(`render: ${options}\n${usage(stacks)}`);
        return 2;
    }
    let files: Map<string, string>;
    try {
        const note = await checkRealSecrets(options.stack, dir);
        if (note !== undefined) {
            console.error(note);
        }
        const rendered = await renderStack(options.stack, undefined, dir);
        rendered.warnings.forEach((warning) => console.error(`warning: ${warning}`));
        files = rendered.files;
    } catch (error) {
        // Like `pulumi preview`: bad settings, bad confs/ or a bad stack file are shown by their message alone.
        const known = pulumi.RunError.isInstance(error) || error instanceof StackFileError;
        console.error(known ? (error).message : error instanceof Error ? (error.stack ?? error.message) : String(error));
        return 1;
    }
    if (options.out === undefined) {
        process.stdout.write([...files.values()].map((text) => `---\n${text}`).join(""));
        return 0;
    }
    writeDirectory(options.out, files);
    console.error(`rendered ${files.size} objects of stack ${options.stack} to ${path.relative(process.cwd(), options.out) || "."}${path.sep}`);
    return 0;
}

if (require.main === module) {
    void main(process.argv.slice(2)).then((code) => {
        process.exitCode = code;
    });
}
