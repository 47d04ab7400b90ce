/**
 * Loading the stack settings: what the stack sets, over the defaults Pulumi.yaml declares, checked
 * as a whole before any resource is registered; the secret settings handed on as secret Outputs.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { parsedOnce } from "../parsedOnce";
import { crossChecks } from "./checks";
import { nfsFix } from "./nfs";
import { firstDeploy, type PreviousDeployment } from "./previous";
import { hidden, inOurWords, isPlainObject, notSet, type Problem, promptCommand, settingsError, unknownSetting, valueAt } from "./problems";
import { projectDir } from "./project";
import { type Declaration, nfsUnset, schema, secretKeys, type SecretKey, type SettingPath, type Settings, shapeAt, type ValidPart } from "./schema";


/**
 * Reads every stack setting, fills in the defaults declared in Pulumi.yaml and validates the whole
 * set, against what the stack's last deploy left too, throwing one SettingsError that lists each
 * bad setting before any resource exists.
 */
export function loadSettings(previous: PreviousDeployment = firstDeploy): Settings {
    const project = pulumi.getProject();
    const declarations = readDeclarations();
    const stackConfig = pulumi.runtime.allConfig();
    const prefix = `${project}:`;
    const secretValue = (key: SecretKey): string | undefined => stackConfig[prefix + key];
    const problems: Problem[] = [];
    // What the stack holds encrypted: never shown, whatever the setting.
    const encrypted = new Set(Object.keys(stackConfig).filter((key) => key.startsWith(prefix) && isConfigSecret(key) === true).map((key) => key.slice(prefix.length)));

    const raw: Record<string, unknown> = {};
    // What the stack itself sets, before defaults: a dependency setting given while unused is refused.
    const given: Record<string, unknown> = {};
    for (const [key, declaration] of Object.entries(declarations)) {
        const value = stackConfig[prefix + key];
        given[key] = value === undefined ? undefined : decode(value, declaration);
        raw[key] = value === undefined ? declaration.default : withDefaults(declaration.default, given[key]);
    }
    const known = [...Object.keys(declarations), ...secretKeys];
    for (const key of Object.keys(stackConfig)) {
        const name = key.slice(prefix.length);
        if (key.startsWith(prefix) && !known.includes(name)) {
            problems.push(unknownSetting([name], isConfigSecret(key) !== false ? hidden : decode(stackConfig[key], {}), known.map((candidate) => [candidate])));
        }
    }
    problems.push(...storageProblems(project, stackConfig, declarations, given, encrypted));
    // A setting stored encrypted is refused as such; any other word about it could show its value.
    const sealed = Object.keys(declarations).filter((key) => encrypted.has(key));
    const aboutSealed = (problem: Problem) => sealed.includes(String(problem.path[0])) && problem.message !== storedEncrypted;

    const parsed = schema.safeParse(raw, { error: inOurWords });
    const failed: SettingPath[] = sealed.map((key) => [key]);
    if (!parsed.success) {
        for (const issue of parsed.error.issues) {
            const issuePath = issue.path as SettingPath;
            if (issue.code === "unrecognized_keys") {
                const siblings = Object.keys(shapeAt(issuePath) ?? {}).map((sibling) => [...issuePath, sibling]);
                for (const key of issue.keys) {
                    problems.push(unknownSetting([...issuePath, key], valueAt(raw, [...issuePath, key]), siblings));
                }
            } else {
                failed.push(issuePath);
                const nfs = issuePath.length === 1 && issuePath[0] === "nfs";
                problems.push({
                    path: issuePath,
                    message: issue.message,
                    fix: nfs ? nfsFix(raw) : undefined,
                    value: nfs && nfsUnset(raw.nfs) ? notSet : undefined,
                });
            }
        }
    }
    // Cross-setting rules run on what is valid, so one run reports every problem.
    const valid = (parsed.success && sealed.length === 0 ? parsed.data : withoutPaths(raw, failed)) as ValidPart;
    const declared = Object.fromEntries(Object.entries(declarations).map(([key, declaration]) => [key, declaration.default]));
    const checked = crossChecks(valid, given, declared, secretValue, previous);
    problems.push(...checked.problems);
    const reported = problems.filter((problem) => !aboutSealed(problem));
    if (reported.length > 0) {
        const notShown = new Set([...encrypted, ...secretKeys.filter((key) => secretValue(key) !== undefined)]);
        throw settingsError(project, reported, raw, declarations, notShown);
    }

    const config = new pulumi.Config();
    const secrets: Settings["secrets"] = {};
    for (const key of secretKeys) {
        if (secretValue(key) !== undefined) {
            secrets[key] = config.requireSecret(key);
        }
    }
    return { ...parsed.data!, secrets, warnings: checked.warnings };
}

const storedEncrypted = "is stored encrypted (--secret) but is no secret: the program writes it into plain Kubernetes objects, and npm run render cannot read it; store it in plain text";

/**
 * Each setting stored the way it is used: a password encrypted (a plain one sits in the stack file,
 * which is committed), every other setting in plain text (SP reads it from plain objects).
 */
function storageProblems(
    project: string,
    stackConfig: Record<string, string>,
    declarations: Record<string, Declaration>,
    given: Record<string, unknown>,
    encrypted: Set<string>,
): Problem[] {
    const problems: Problem[] = [];
    for (const key of secretKeys) {
        if (stackConfig[`${project}:${key}`] !== undefined && isConfigSecret(`${project}:${key}`) === false) {
            problems.push({ path: [key], message: `is stored in plain text in Pulumi.${pulumi.getStack()}.yaml; store it encrypted` });
        }
    }
    for (const key of Object.keys(declarations).filter((name) => encrypted.has(name))) {
        // Each value the stack gives, typed in again at Pulumi's prompts: which of them is encrypted the program cannot tell.
        const fix = leafPaths([key], given[key]).map(promptCommand).join(" && ");
        problems.push({ path: [key], message: storedEncrypted, fix, value: hidden });
    }
    return problems;
}

/** The paths of every scalar in `value` (itself when it is one): what `pulumi config set --path` sets one by one. */
function leafPaths(settingPath: SettingPath, value: unknown): SettingPath[] {
    if (Array.isArray(value)) {
        return value.flatMap((item, index) => leafPaths([...settingPath, index], item));
    }
    if (isPlainObject(value)) {
        return Object.entries(value).flatMap(([key, item]) => leafPaths([...settingPath, key], item));
    }
    return [settingPath];
}

/**
 * Whether the stack holds `key` encrypted (an object with any encrypted field counts whole, as in
 * Pulumi's config.Map.SecureKeys); undefined where the runtime cannot tell: it knows, but does not
 * declare the function in its types.
 */
function isConfigSecret(key: string): boolean | undefined {
    const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
    return runtime.isConfigSecret?.(key);
}

const declarationsByText = new Map<string, Record<string, Declaration>>();

/** The `config:` block of Pulumi.yaml: each key's declared type and default. */
function readDeclarations(): Record<string, Declaration> {
    const text = fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8");
    return parsedOnce(declarationsByText, text, (yaml) => (parseYaml(yaml) as { config?: Record<string, Declaration> }).config ?? {});
}

/** Pulumi hands the program strings for string settings and JSON for everything else. */
function decode(value: string, declaration: Declaration): unknown {
    if (declaration.type === "string") {
        return value;
    }
    try {
        return JSON.parse(value);
    } catch {
        return value; // left as text, so the schema reports it with the value the user typed
    }
}

/** An object setting given in part (`--path database.host`) keeps the declared defaults of the rest. */
function withDefaults(defaults: unknown, value: unknown): unknown {
    if (!isPlainObject(defaults) || !isPlainObject(value)) {
        return value;
    }
    const merged: Record<string, unknown> = { ...defaults };
    for (const [key, item] of Object.entries(value)) {
        merged[key] = withDefaults(defaults[key], item);
    }
    return merged;
}

/** A copy of `value` without the values at `paths` (the ones that failed their rule). */
function withoutPaths(value: unknown, paths: SettingPath[]): unknown {
    const copy = structuredClone(value) as Record<string, unknown>;
    for (const settingPath of paths) {
        const parent = valueAt(copy, settingPath.slice(0, -1));
        if (settingPath.length === 0) {
            return {};
        }
        if (isPlainObject(parent) || Array.isArray(parent)) {
            (parent as Record<string | number, unknown>)[settingPath[settingPath.length - 1]] = undefined;
        }
    }
    return copy;
}
