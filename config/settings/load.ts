/**
 * Loading the stack settings: what the stack sets, over the defaults Pulumi.yaml declares, checked
 * as a whole before any resource is registered; the secret settings handed on as secret Outputs.
 */
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { crossChecks } from "./checks";
import { nfsFix } from "./nfs";
import { firstDeploy, type PreviousDeployment } from "./previous";
import { hidden, inOurWords, isPlainObject, notSet, type Problem, settingsError, unknownSetting, valueAt } from "./problems";
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
            const secret = isConfigSecret(key);
            problems.push(unknownSetting([name], secret ? hidden : decode(stackConfig[key], {}), known.map((candidate) => [candidate])));
        }
    }

    const parsed = schema.safeParse(raw, { error: inOurWords });
    const failed: SettingPath[] = [];
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
    const valid = (parsed.success ? parsed.data : withoutPaths(raw, failed)) as ValidPart;
    const declared = Object.fromEntries(Object.entries(declarations).map(([key, declaration]) => [key, declaration.default]));
    const checked = crossChecks(valid, given, declared, secretValue, previous);
    problems.push(...checked.problems);
    if (problems.length > 0) {
        throw settingsError(project, problems, raw, declarations, new Set(secretKeys.filter((key) => secretValue(key) !== undefined)));
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

/** Whether the stack holds `key` encrypted: the runtime knows, but does not declare the function in its types. */
function isConfigSecret(key: string): boolean {
    const runtime = pulumi.runtime as unknown as { isConfigSecret?: (key: string) => boolean };
    return runtime.isConfigSecret?.(key) ?? true;
}

const declarationsByText = new Map<string, Record<string, Declaration>>();

/**
 * The `config:` block of Pulumi.yaml: each key's declared type and default. Parsed once per text:
 * the tests run the program hundreds of times in one process.
 */
function readDeclarations(): Record<string, Declaration> {
    const text = fs.readFileSync(path.join(projectDir, "Pulumi.yaml"), "utf8");
    let declarations = declarationsByText.get(text);
    if (declarations === undefined) {
        declarations = (parseYaml(text) as { config?: Record<string, Declaration> }).config ?? {};
        declarationsByText.set(text, declarations);
    }
    return declarations;
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
