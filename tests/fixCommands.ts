/**
 * Applies the fix a settings error suggests to a stack's settings, the way pasting it into a shell
 * would: `pulumi config set/rm [--path] [--secret|--plaintext] <key> [value]`, several joined by
 * ` && `, words split and quoted as a POSIX shell does. Any other command (an edit of a file in a
 * test's temporary confs/) runs as is, without a shell, from the project directory.
 */
import { execFileSync } from "child_process";
import { projectDir, setPath, StackConfig } from "./harness";

/** The settings of a stack as `pulumi config` holds them, with which of them are encrypted. */
export interface StackState {
    config: StackConfig;
    /** The settings (`key`) and fields (`key.field`, `key[0].field`) held encrypted. */
    encrypted: string[];
}

/** The settings Pulumi hands the program as secret: each with an encrypted field anywhere (config/object.go, Secure). */
export function secretKeysOf(state: StackState): string[] {
    return [...new Set(state.encrypted.map((field) => pathParts(field)[0]))];
}

export interface ApplyOptions {
    /** What the user types at Pulumi's prompt for a `set` without a value; a valid test password for `--secret`. */
    answer?: (key: string, secret: boolean) => string;
}

/** A password every password rule accepts (config/passwords.ts): what a user types at the prompt of `--secret`. */
export const promptedPassword = "Typed-At-The-Prompt-1";

/** `pulumi config set` refuses a plain value under a key named like a password unless told --plaintext (pulumi config.go keyPattern). */
const pulumiSecretLookingKey = /passwd|pass|password|pwd|secret|token/i;

/** Applies `fix` to `state` (changed in place). Throws when a command would not run as pasted. */
export function applyFix(state: StackState, fix: string, options: ApplyOptions = {}): void {
    for (const words of commands(fix)) {
        if (words[0] === "pulumi") {
            applyPulumiConfig(state, words, options);
        } else {
            execFileSync(words[0], words.slice(1), { cwd: projectDir, stdio: "pipe" });
        }
    }
}

function applyPulumiConfig(state: StackState, words: string[], options: ApplyOptions): void {
    const [, group, verb, ...rest] = words;
    if (group !== "config" || (verb !== "set" && verb !== "rm")) {
        throw new Error(`not a pulumi config set/rm command: ${words.join(" ")}`);
    }
    const flags = rest.filter((word) => word.startsWith("--"));
    const [key, value, ...extra] = rest.filter((word) => !word.startsWith("--"));
    const unknownFlag = flags.find((flag) => !["--path", "--secret", "--plaintext"].includes(flag));
    if (key === undefined || extra.length > 0 || unknownFlag !== undefined || (verb === "rm" && (value !== undefined || flags.some((flag) => flag !== "--path")))) {
        throw new Error(`pulumi would refuse: ${words.join(" ")}`);
    }
    const byPath = flags.includes("--path");
    const secret = flags.includes("--secret");
    const field = byPath ? pathParts(key).join(".") : key;
    // What a set or rm replaces: the field, what lies in it, and an encrypted value it lay in.
    const replaced = (other: string) => {
        const normal = pathParts(other).join(".");
        return normal === field || normal.startsWith(`${field}.`) || field.startsWith(`${normal}.`);
    };
    if (verb === "rm") {
        if (byPath) {
            setPath(state.config, key, undefined);
        } else {
            delete state.config[key];
        }
        state.encrypted = state.encrypted.filter((other) => !replaced(other));
        return;
    }
    const typed = value ?? options.answer?.(key, secret) ?? (secret ? promptedPassword : undefined);
    if (typed === undefined) {
        throw new Error(`pulumi config set ${key} prompts for a value; the test gives no answer`);
    }
    if (!secret && !flags.includes("--plaintext") && pulumiSecretLookingKey.test(key)) {
        throw new Error(`pulumi refuses a plain value for ${key}, whose name looks like a secret's, without --plaintext`);
    }
    if (byPath) {
        // With --path, Pulumi stores true/false as booleans and integers as numbers.
        setPath(state.config, key, typed === "true" ? true : typed === "false" ? false : /^-?\d+$/.test(typed) ? Number(typed) : typed);
    } else {
        state.config[key] = typed;
    }
    state.encrypted = [...state.encrypted.filter((other) => !replaced(other)), ...(secret ? [field] : [])];
}

function pathParts(key: string): string[] {
    return key.split(/\.|\[(\d+)\]/).filter((part) => part !== undefined && part !== "");
}

/**
 * The commands of a line, each as its words, split at `&&` as a POSIX shell does: blanks separate
 * words, single quotes keep everything, double quotes and backslashes as usual. Anything a shell
 * would expand or redirect (`$`, backticks, `;`, `|`, `<`, `>`, globs) is refused: a fix must mean
 * the same in every shell.
 */
export function commands(line: string): string[][] {
    const result: string[][] = [[]];
    let word: string | undefined;
    const end = () => {
        if (word !== undefined) {
            result[result.length - 1].push(word);
            word = undefined;
        }
    };
    for (let i = 0; i < line.length; i++) {
        const char = line[i];
        if (char === " " || char === "\t") {
            end();
        } else if (char === "'") {
            const close = line.indexOf("'", i + 1);
            if (close === -1) throw new Error(`unterminated quote in: ${line}`);
            word = (word ?? "") + line.slice(i + 1, close);
            i = close;
        } else if (char === '"') {
            let text = "";
            for (i++; i < line.length && line[i] !== '"'; i++) {
                if (/[$`]/.test(line[i])) throw new Error(`a shell would expand ${line[i]} in: ${line}`);
                text += line[i] === "\\" && /["\\]/.test(line[i + 1] ?? "") ? line[++i] : line[i];
            }
            if (i >= line.length) throw new Error(`unterminated quote in: ${line}`);
            word = (word ?? "") + text;
        } else if (char === "\\") {
            word = (word ?? "") + (line[++i] ?? "");
        } else if (char === "&" && line[i + 1] === "&") {
            end();
            if (result[result.length - 1].length === 0) throw new Error(`empty command in: ${line}`);
            result.push([]);
            i++;
        } else if (/[$`;|<>&*?[\]{}!()]/.test(char) || (word === undefined && /[~#]/.test(char))) {
            throw new Error(`a shell would treat ${char} specially in: ${line}`);
        } else {
            word = (word ?? "") + char;
        }
    }
    end();
    if (result[result.length - 1].length === 0) throw new Error(`empty command in: ${line}`);
    return result;
}
