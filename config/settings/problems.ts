/**
 * The wording of settings problems: every problem of a run in one error, each as
 * `wso2-sp:<key> <what is wrong> (<the value, unless secret>). Fix: <a command that pastes into a
 * shell as is>`; did-you-mean for misspelt keys; example values for the fixes.
 */
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import { type Declaration, isDeclared, schemaAt, secretKeys, type SettingPath } from "./schema";

export interface Problem {
    path: SettingPath;
    message: string;
    /** The command that fixes it; by default `pulumi config set` of the setting with an example value. */
    fix?: string;
    /** The value to show, when it is not in the settings (an unknown key); "hidden" for a secret. */
    value?: unknown;
}

/** Thrown for bad stack settings; Pulumi prints a RunError's message without a stack trace. */
export class SettingsError extends pulumi.RunError {}

/** Words for the few issues no leaf rule words itself (a wrong type, mostly). */
export function inOurWords(issue: z.core.$ZodRawIssue): string {
    if (issue.code === "invalid_type") {
        const expected: Record<string, string> = {
            object: "must be a mapping of fields",
            array: "must be a list",
            string: "must be text",
            number: "must be a number",
            boolean: "must be true or false",
        };
        return issue.input === undefined ? "must be set" : (expected[issue.expected] ?? `must be a ${issue.expected}`);
    }
    return "is not a value this setting takes";
}

/** Stands for a secret's value in a Problem: never shown. */
export const hidden = Symbol("hidden");
/** Stands for a setting the stack leaves unset although a default fills part of it (nfs). */
export const notSet = Symbol("not set");

/** Names a key holding a credential usually has: its value is never shown, unless it is a setting of ours. */
const secretLookingName = /password|passwd|pwd|secret|token|credential|api[-_]?key/i;

/**
 * Whether showing `value` (at `settingPath`) could show a secret: it is one of the secret settings,
 * or it is (or holds, at any depth) a key that is no setting of ours and is named like a credential.
 * Settings we declare keep their values shown, even when named so (`tls.secretName`).
 */
export function revealsSecret(settingPath: SettingPath, value: unknown): boolean {
    if ((secretKeys as readonly unknown[]).includes(settingPath[0])) {
        return true;
    }
    if (!isDeclared(settingPath) && settingPath.some((part) => typeof part === "string" && secretLookingName.test(part))) {
        return true;
    }
    if (Array.isArray(value)) {
        return value.some((item, index) => revealsSecret([...settingPath, index], item));
    }
    return isPlainObject(value) && Object.entries(value).some(([key, item]) => revealsSecret([...settingPath, key], item));
}

/** A misspelt or unknown key: its value (unless it may be a secret), the setting it probably meant, and how to move it there. */
export function unknownSetting(settingPath: SettingPath, value: unknown, candidates: SettingPath[]): Problem {
    const key = settingKey(settingPath);
    const meant = closest(key, candidates);
    const remove = removeCommand(settingPath);
    if (meant === undefined) {
        return { path: settingPath, message: "is not a setting of this project (see Pulumi.yaml)", fix: remove, value: revealsSecret(settingPath, value) ? hidden : value };
    }
    const meantKey = settingKey(meant);
    const toSecret = (secretKeys as readonly string[]).includes(meantKey);
    const shown = toSecret || value === hidden || revealsSecret(settingPath, value) ? hidden : value;
    const scalar = typeof shown === "string" || typeof shown === "number" || typeof shown === "boolean";
    // A hidden value is typed in again at Pulumi's prompt; an object value cannot be moved in one
    // command: removing the misspelt key comes first.
    // Pulumi's prompt gives text: a mapping or list setting is not typed in there.
    const promptable = !(schemaAt(meant) instanceof z.ZodObject || schemaAt(meant) instanceof z.ZodArray);
    const move = toSecret
        ? `pulumi config set --secret ${meantKey}`
        : shown === hidden
          ? promptable
              ? promptCommand(meant)
              : undefined
          : scalar
            ? setCommand(meant, String(shown))
            : undefined;
    return {
        path: settingPath,
        message: `is not a setting of this project; did you mean ${pulumi.getProject()}:${meantKey}?`,
        fix: move === undefined ? remove : `${remove} && ${move}`,
        value: shown,
    };
}

/** The closest candidate within a small edit distance of the last name (or equal but for case), if any. */
function closest(key: string, candidates: SettingPath[]): SettingPath | undefined {
    const name = key.slice(key.lastIndexOf(".") + 1);
    const scored = candidates
        .map((candidate) => {
            const other = String(candidate[candidate.length - 1]);
            return { candidate, distance: other.toLowerCase() === name.toLowerCase() ? 0 : editDistance(name, other) };
        })
        .filter(({ distance }) => distance <= Math.max(2, Math.floor(name.length / 4)))
        .sort((a, b) => a.distance - b.distance);
    return scored[0]?.candidate;
}

function editDistance(a: string, b: string): number {
    let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
    for (let i = 1; i <= a.length; i++) {
        const current = [i];
        for (let j = 1; j <= b.length; j++) {
            current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
        previous = current;
    }
    return previous[b.length];
}

export function valueAt(value: unknown, settingPath: SettingPath): unknown {
    return settingPath.reduce<unknown>((node, part) => (isPlainObject(node) || Array.isArray(node) ? (node as Record<string | number, unknown>)[part] : undefined), value);
}

/**
 * `wanted`, or else `wanted-2`, `wanted-3` … (the number before `.rest` of a DNS name when `beforeDot`,
 * the stem shortened to keep within `maxLength`): the first that `taken` does not refuse. A fix that
 * names it is not refused again when pasted.
 */
export function firstFree(wanted: string, taken: (candidate: string) => boolean, { maxLength = Infinity, beforeDot = false } = {}): string {
    const dot = beforeDot && wanted.includes(".") ? wanted.indexOf(".") : wanted.length;
    const [stem, rest] = [wanted.slice(0, dot), wanted.slice(dot)];
    for (let number = 1; number < 1000; number++) {
        const suffix = number === 1 ? "" : `-${number}`;
        const candidate = `${stem.slice(0, Math.max(1, maxLength - rest.length - suffix.length)).replace(/-+$/, "")}${suffix}${rest}`;
        if (!taken(candidate)) {
            return candidate;
        }
    }
    return wanted;
}

/** Adds `item` to `set`; false when it was there already. */
export function addOnce(set: Set<string>, item: string): boolean {
    const had = set.has(item);
    set.add(item);
    return !had;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `additionalVolumes[0].nodes[1]`: the setting as `pulumi config set --path` takes it. */
export function settingKey(settingPath: SettingPath): string {
    return settingPath.map((part, index) => (typeof part === "number" ? `[${part}]` : index === 0 ? part : `.${part}`)).join("");
}

/** A word bash and zsh both take literally: bare when it is plain, else in single quotes. */
export function shellWord(word: string): string {
    return /^[A-Za-z0-9_@%+,./-][A-Za-z0-9_@%+=,.:/-]*$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** `pulumi config rm` of the setting: back to its declared default, or gone. */
export function removeCommand(settingPath: SettingPath): string {
    const key = settingKey(settingPath);
    return settingPath.length === 1 ? `pulumi config rm ${shellWord(key)}` : `pulumi config rm --path ${shellWord(key)}`;
}

/**
 * Drops entry `index` of the list at `listPath`. `pulumi config rm --path 'list[1]'` would leave a
 * null in its place (Pulumi's PropertyPath.Delete sets an array element to null), which the list
 * refuses again: so the list is removed and its other entries set anew, field by field.
 */
export function removeEntryCommand(listPath: SettingPath, entries: readonly unknown[], index: number): string {
    const kept = entries.filter((_, at) => at !== index);
    const leaves = (at: SettingPath, value: unknown): [SettingPath, unknown][] =>
        isPlainObject(value)
            ? Object.entries(value).flatMap(([key, item]) => leaves([...at, key], item))
            : Array.isArray(value)
              ? value.flatMap((item, position) => leaves([...at, position], item))
              : [[at, value]];
    const sets = kept.flatMap((entry, at) => leaves([...listPath, at], entry)).map(([at, value]) => setCommand(at, String(value)));
    return [removeCommand(listPath), ...sets].join(" && ");
}

/**
 * `pulumi config set` refuses a plain value that looks random under a key named like a password
 * (pulumi/pkg/cmd/pulumi/config/config.go, keyPattern and looksLikeSecret) unless told --plaintext.
 */
const pulumiSecretLookingKey = /passwd|pass|password|pwd|secret|token/i;

/** `pulumi config set` of a plain setting without its value: Pulumi prompts for it (a value never shown here). */
export function promptCommand(settingPath: SettingPath): string {
    const key = settingKey(settingPath);
    const plaintext = pulumiSecretLookingKey.test(key) ? " --plaintext" : "";
    return settingPath.length === 1 ? `pulumi config set${plaintext} ${key}` : `pulumi config set${plaintext} --path ${shellWord(key)}`;
}

export function setCommand(settingPath: SettingPath, example: string): string {
    return `${promptCommand(settingPath)} ${shellWord(example)}`;
}

/**
 * Example values for fixes where the declared default (Pulumi.yaml) is no help: there is none, or it
 * is empty.
 * Keyed by the setting path without indexes.
 */
export const examples: Record<string, string> = {
    "nfs.server": "10.0.0.9",
    "nfs.siddhiFilesPath": "/exports/wso2sp/siddhi-files",
    "nfs.mysqlDataPath": "/exports/wso2sp/mysql",
    "additionalVolumes.name": "sp-extra-libs",
    "additionalVolumes.path": "/exports/wso2sp/extra-libs",
    "additionalVolumes.server": "10.0.0.9",
    "additionalVolumes.mountPath": "/mnt/sp-extra-libs",
    "additionalVolumes.nodes": "manager",
    "additionalVolumes.size": "1Gi",
    imageRegistry: "docker.example.com/wso2",
    subscriptionUsername: "user@example.com",
    "ingress.tlsSecretName": "wso2sp-tls",
    "ingress.hosts.manager1": "sp-manager-1.example.com",
    "ingress.hosts.manager2": "sp-manager-2.example.com",
    "ingress.hosts.dashboard": "sp-dashboard.example.com",
    "database.host": "mysql.example.com",
    "kafka.bootstrapServers": "kafka-1.example.com:9092,kafka-2.example.com:9092",
    "zookeeper.connect": "zk-1.example.com:2181,zk-2.example.com:2181,zk-3.example.com:2181",
    "networkPolicies.clients.cidrs": "10.30.0.0/16",
    "networkPolicies.clients.namespaces": "event-publishers",
    "networkPolicies.externalCidrs.database": "10.20.1.0/24",
    "networkPolicies.externalCidrs.kafka": "10.20.2.0/24",
    "networkPolicies.externalCidrs.zookeeper": "10.20.3.0/24",
    "networkPolicies.appEgress.cidrs": "10.40.0.0/16",
    "networkPolicies.appEgress.ports": "443",
    httpSourcePorts: "8280",
    placement: "preferred",
    "exposure.sourceRanges": "203.0.113.0/24",
    "tls.secretName": "wso2sp-keystores",
    "tls.trustedCaBundles.kind": "ConfigMap",
    "tls.trustedCaBundles.name": "database-ca",
    "tls.trustedCaBundles.key": "ca.crt",
    "nfs.admissionPolicy.exemptNamespaces": "nfs-tools",
    "appSecrets.secretName": "sp-app-credentials",
};

/** The usual fix of a setting: set it to its example, or to its declared default when that is a usable scalar. */
function defaultFix(settingPath: SettingPath, value: unknown, declarations: Record<string, Declaration>): string {
    const [top] = settingPath;
    if ((secretKeys as readonly string[]).includes(String(top))) {
        return `pulumi config set --secret ${top}`;
    }
    const named = settingPath.filter((part): part is string => typeof part === "string").join(".");
    const declared = valueAt(declarations[String(top)]?.default, settingPath.slice(1));
    const candidates = [examples[named], typeof declared === "string" || typeof declared === "number" || typeof declared === "boolean" ? String(declared) : undefined];
    const example = candidates.find((candidate) => candidate !== undefined && candidate !== "" && candidate !== String(value));
    if (example !== undefined && schemaAt(settingPath) instanceof z.ZodArray) {
        // A list is set entry by entry; one that is no list goes first.
        const first = setCommand([...settingPath, 0], example);
        return Array.isArray(value) ? first : `pulumi config rm --path ${shellWord(settingKey(settingPath))} && ${first}`;
    }
    if (example !== undefined) {
        return setCommand(settingPath, example);
    }
    // A whole object or list, or a field without a usable example: back to the declared default.
    return removeCommand(settingPath);
}

/** `notShown`: the top-level settings whose values are never shown (secrets, and whatever the stack stores encrypted). */
export function settingsError(
    project: string,
    problems: Problem[],
    raw: Record<string, unknown>,
    declarations: Record<string, Declaration>,
    notShown: Set<string>,
): SettingsError {
    const seen = new Set<string>();
    const lines: string[] = [];
    for (const { path: settingPath, message, fix, value: given } of problems) {
        const key = settingKey(settingPath);
        const value = given ?? valueAt(raw, settingPath);
        const secret = value === hidden || notShown.has(String(settingPath[0])) || revealsSecret(settingPath, value);
        const shown =
            secret && (value !== undefined || notShown.has(String(settingPath[0])))
                ? "value not shown"
                : value === undefined || value === notSet
                  ? "not set"
                  : `got ${JSON.stringify(value)}`;
        const line = `  - ${project}:${key} ${message} (${shown}). Fix: ${fix ?? defaultFix(settingPath, value, declarations)}`;
        if (addOnce(seen, line)) {
            lines.push(line);
        }
    }
    return new SettingsError(`Invalid stack settings; nothing was deployed:\n${lines.join("\n")}`);
}
