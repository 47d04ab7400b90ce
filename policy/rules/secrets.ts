/**
 * What keeps passwords out of sight: no literal password in a container's environment, command
 * line or a ConfigMap; Secrets hold them.
 */
import type { ReportViolation, ResourceValidationPolicy } from "@pulumi/policy";
import { type ExecHandler, type Container, type ContainerRef, parseKubernetesType, isObject, workloadPod } from "./workloads";

// no-literal-password

// Env var and ConfigMap key names that hold a credential.
const SECRET_NAME = /PASSWORD|PASSWD|SECRET|TOKEN|CREDENTIAL/i;

// A `key: value` or `key=value` line inside a config file whose key *ends* in a credential word
// (including the `keyPass`/`certPass` style of WSO2 transports). Inside files the key must end with
// it because settings such as `secretPropertiesFile:` or `tokenExpiryTime:` merely mention one.
// A trailing JSON comma is not part of the value.
const SECRET_SETTING_LINE =
    /^\s*(?:-\s+)?["']?([\w.-]*(?:pass|password|passwd|pwd|secret|token|credentials?))["']?\s*[:=]\s*(.*?),?\s*$/i;

function unquote(value: string): string {
    const match = /^(["'])(.*)\1$/.exec(value);
    return match ? match[2] : value;
}

// `${NAME}` (config templating, WSO2 `${sec:…}`), `$(NAME)` (Kubernetes env expansion, command
// substitution) and `$NAME` (shell) all point at a value kept elsewhere.
const VALUE_REFERENCE = /^\$(?:\{[^}]+\}|\([^)]+\)|[A-Za-z_]\w*)$/;

/** True when a configured value is a literal secret, i.e. neither empty nor a reference to one kept elsewhere. */
function isLiteralSecret(value: string): boolean {
    const unquoted = unquote(value.trim());
    return unquoted !== "" && !VALUE_REFERENCE.test(unquoted);
}

/** Violation messages for one ConfigMap entry. They never echo the value: policy output ends up in CI logs. */
function configMapEntryProblems(field: string, key: string, content: string): string[] {
    const where = `${field}[${JSON.stringify(key)}]`;
    if (SECRET_NAME.test(key)) {
        return isLiteralSecret(content) ? [`${where} holds a literal credential; move it to a Secret.`] : [];
    }
    return content.split("\n").flatMap((line, index) => {
        const match = SECRET_SETTING_LINE.exec(line.replace(/\s+#.*$/, ""));
        return match && isLiteralSecret(match[2])
            ? [`${where} line ${index + 1} sets "${match[1]}" to a literal value; use a \${NAME} placeholder fed from a Secret.`]
            : [];
    });
}

/** The command lines a container runs, with the field they come from. */
function commandLines(container: Container): { field: string; line: string }[] {
    const handlers: [string, ExecHandler | undefined][] = [
        ["readinessProbe", container.readinessProbe],
        ["livenessProbe", container.livenessProbe],
        ["startupProbe", container.startupProbe],
        ["lifecycle.postStart", container.lifecycle?.postStart],
        ["lifecycle.preStop", container.lifecycle?.preStop],
    ];
    return [
        // command and args form one argv, so `mysql` in command and `-p…` in args belong together.
        { field: "command/args", line: [...(container.command ?? []), ...(container.args ?? [])].join(" ") },
        ...handlers.flatMap(([field, handler]) =>
            handler?.exec?.command ? [{ field: `${field}.exec.command`, line: handler.exec.command.join(" ") }] : []),
    ];
}

// A shell word: runs of quoted strings, `$(…)` substitutions and plain characters.
const SHELL_WORD = /(?:"[^"]*"|'[^']*'|\$\([^)]*\)|[^\s"'])+/g;
const MYSQL_CLIENT = /(?:^|\/)mysql[\w-]*$/;

/** The password-passing flag of each literal password on a command line, e.g. `--password=` or `-p`. */
function literalPasswordFlags(line: string): string[] {
    // Split into simple commands first: `-p<x>` means "password" only to MySQL clients, whereas
    // `mkdir -pv` in the same script does not.
    return line.split(/[;&|\n]+/).flatMap((command) => {
        const words = (command.match(SHELL_WORD) ?? []).map(unquote);
        const isMysql = words.some((word) => MYSQL_CLIENT.test(word));
        return words.flatMap((word) => {
            const longForm = /^--password=(.*)$/.exec(word);
            if (longForm) {
                return isLiteralSecret(longForm[1]) ? ["--password="] : [];
            }
            const shortForm = isMysql ? /^-p(.+)$/.exec(word) : null;
            return shortForm && isLiteralSecret(shortForm[1]) ? ["-p"] : [];
        });
    });
}

function validateConfigMap(props: Record<string, unknown>, reportViolation: ReportViolation): void {
    // binaryData is base64 on the wire but is just as readable by anyone who can read the ConfigMap.
    const sources: [field: string, decode: (value: string) => string][] = [
        ["data", (value) => value],
        ["binaryData", (value) => Buffer.from(value, "base64").toString("utf8")],
    ];
    for (const [field, decode] of sources) {
        const entries = props[field];
        if (!isObject(entries)) {
            continue;
        }
        for (const [key, value] of Object.entries(entries)) {
            if (typeof value === "string") {
                configMapEntryProblems(field, key, decode(value)).forEach((message) => reportViolation(message));
            }
        }
    }
}

function validateContainerCredentials(containers: ContainerRef[], reportViolation: ReportViolation): void {
    for (const { container, label } of containers) {
        for (const env of container.env ?? []) {
            if (env.name && SECRET_NAME.test(env.name) && typeof env.value === "string" && isLiteralSecret(env.value)) {
                reportViolation(`${label}: env ${env.name} has a literal value; use valueFrom.secretKeyRef.`);
            }
        }
        for (const { field, line } of commandLines(container)) {
            for (const flag of literalPasswordFlags(line)) {
                reportViolation(`${label}: ${field} passes a literal password with "${flag}…"; ` +
                    `reference an env var from a Secret instead (e.g. ${flag}"$MYSQL_PASSWORD").`);
            }
        }
    }
}

export const noLiteralPassword: ResourceValidationPolicy = {
    name: "no-literal-password",
    description: "Credentials must come from Secrets: no literal passwords, secrets or tokens in ConfigMap data, " +
        "in credential-named container env vars, or as MySQL-style -p<password>/--password=<password> arguments.",
    enforcementLevel: "mandatory",
    validateResource: (args, reportViolation) => {
        const type = parseKubernetesType(args.type);
        if (type?.group === "core" && type.kind === "ConfigMap") {
            validateConfigMap(args.props, reportViolation);
        }
        validateContainerCredentials(workloadPod(args)?.containers ?? [], reportViolation);
    },
};
