/**
 * `npm run render -- <stack>`: runs the real program (index.ts) under Pulumi's mock runtime with
 * `Pulumi.<stack>.yaml` and writes every Kubernetes object it registers as YAML under
 * `rendered/<stack>/`, one file per object, named `<kind>-<namespace or _cluster>-<name>.yaml`.
 *
 * The output is byte-for-byte deterministic (keys sorted recursively, no timestamps), so the
 * committed `rendered/dev/` and `rendered/prod/` serve as golden files (tests/golden.test.ts) and a
 * change to the program shows up as a reviewable diff of the manifests. Secret values never reach
 * the files: `secure:` settings are rendered as "REDACTED" (as readStackConfig reads them) and
 * every value of a Secret's `data`/`stringData` is replaced by "REDACTED", keys kept.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { listStacks, projectDir, redacted, runStack, StackConfig } from "../tests/harness";

/** Where the rendered stacks go: `rendered/<stack>/`. */
export const renderedRoot = path.join(projectDir, "rendered");

export function renderedDir(stack: string): string {
    return path.join(renderedRoot, stack);
}

/** A DNS-1123 subdomain: what the API server accepts as a name (and what is safe as part of a file name). */
const objectName = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** Runs the stack's program under the mock runtime and renders every Kubernetes object: file name → YAML. */
export async function renderStack(stack: string, change?: (config: StackConfig) => void): Promise<Map<string, string>> {
    const run = await runStack(stack, change);
    return renderObjects(run.objects);
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
    fs.mkdirSync(dir, { recursive: true });
    for (const entry of fs.readdirSync(dir)) {
        fs.rmSync(path.join(dir, entry), { recursive: true, force: true });
    }
    for (const [name, text] of files) {
        fs.writeFileSync(path.join(dir, name), text);
    }
    return dir;
}

function usage(stacks: string[]): string {
    return [
        "usage: npm run render -- <stack>",
        "  Writes every Kubernetes object of the stack, as the program would deploy it, to rendered/<stack>/.",
        `  stacks: ${stacks.join(", ")}`,
    ].join("\n");
}

/** The command line; returns the exit code. */
export async function main(args: string[]): Promise<number> {
    const stacks = listStacks();
    if (args.length === 1 && (args[0] === "-h" || args[0] === "--help")) {
        console.log(usage(stacks));
        return 0;
    }
    if (args.length !== 1) {
        console.error(`render: ${args.length === 0 ? "no stack given" : `one stack expected, got ${args.join(" ")}`}\n${usage(stacks)}`);
        return 2;
    }
    const [stack] = args;
    if (!stacks.includes(stack)) {
        console.error(`render: unknown stack ${JSON.stringify(stack)} (no Pulumi.${stack}.yaml)\n${usage(stacks)}`);
        return 2;
    }
    let files: Map<string, string>;
    try {
        files = await renderStack(stack);
    } catch (error) {
        // Like `pulumi up`: a RunError (bad settings, bad confs/) is shown by its message alone.
        console.error(pulumi.RunError.isInstance(error) ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error));
        return 1;
    }
    const dir = writeRendered(stack, files);
    console.log(`rendered ${files.size} objects of stack ${stack} to ${path.relative(process.cwd(), dir) || "."}${path.sep}`);
    return 0;
}

if (require.main === module) {
    void main(process.argv.slice(2)).then((code) => {
        process.exitCode = code;
    });
}
