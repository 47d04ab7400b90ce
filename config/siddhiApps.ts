import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { configMapSizeLimit, confNodes, type ConfTree } from "./confs";
import type { Pods } from "./traffic";

/** One app of the Siddhi apps folder, read and checked. */
export interface SiddhiApp {
    /** The app's `@App:name`, which is also its file name without `.siddhi`. */
    name: string;
    /** `<name>.siddhi`: SP's deployer requires the file to be named after the app. */
    fileName: string;
    content: string;
    /** sha256 of the file, hex: the Job recognises an app it deployed by it. */
    digest: string;
    /** Name of the app's immutable ConfigMap; changes with the content. */
    configMapName: string;
}

/** The label value of the Job's pods, for NetworkPolicies and `kubectl get pods -l`. */
export const siddhiAppsComponent = "siddhi-apps";

/**
 * The Job's pods as the NetworkPolicies select them. They call the managers' HTTPS API, and only
 * that: kube/networkPolicies.ts opens this path for every entry of `managerApiClients`.
 */
export const siddhiAppsJobPods: Pods = { kind: "pods", policyName: "wso2sp-siddhi-apps", labels: { "app.kubernetes.io/component": siddhiAppsComponent } };

/**
 * The script the Job runs; tests run the same file. It sits below pod-scripts/jobs/, out of the
 * scripts SP pods mount (pod-scripts/*.sh), so that changing it does not roll the SP pods.
 */
export const syncScriptPath = path.resolve(__dirname, "..", "pod-scripts", "jobs", "sync-siddhi-apps.sh");

/** SP's deployer skips files of other analytics products unless their solution is enabled (StreamProcessorDeployer.getArtifactType). */
const skippedPrefixes = ["APIM_", "IS_", "EI_"];
/** An app name that is a ConfigMap key once `.siddhi` is added, and a plain path segment of the REST API. */
const appNamePattern = /^[-._a-zA-Z0-9]+$/;
const utf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * Reads every app of `dir` before any resource is registered and checks what SP would refuse or
 * skip, as far as it is knowable offline (docs/siddhi-apps.md): one `.siddhi` file per app named after its `@App:name`
 * (carbon-analytics StreamProcessorDeployer.deploySiddhiQLFile), names unique, `@App:name` given
 * once before the first definition (siddhi SiddhiQL.g4, AnnotationHelper), and `@dist` annotations
 * the leader manager can turn into partial apps (sp.jobmanager.core SiddhiTopologyCreatorImpl).
 * Throws one error that lists every problem with file and line.
 */
export function readSiddhiApps(dir: string): SiddhiApp[] {
    const shownDir = path.basename(dir);
    const problems: string[] = [];
    const apps: SiddhiApp[] = [];
    const seenNames = new Map<string, string>();
    const entries = fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    for (const entry of entries) {
        const shown = `${shownDir}/${entry.name}`;
        if (entry.name.startsWith(".")) {
            continue; // .gitkeep and the like
        }
        if (!fs.statSync(path.join(dir, entry.name)).isFile()) {
            problems.push(`${shown}: SP deploys only the files directly in the folder; move the apps up and remove the directory`);
            continue;
        }
        if (!entry.name.endsWith(".siddhi")) {
            problems.push(`${shown}: SP deploys only files named <app name>.siddhi; rename or remove it`);
            continue;
        }
        const bytes = fs.readFileSync(path.join(dir, entry.name));
        let content: string;
        try {
            content = utf8.decode(bytes);
        } catch {
            problems.push(`${shown}: is not UTF-8, which SP reads apps as; save it as UTF-8`);
            continue;
        }
        if (bytes.length + entry.name.length > configMapSizeLimit) {
            problems.push(`${shown}: ${bytes.length} bytes, over the ${configMapSizeLimit}-byte ConfigMap limit; split the app`);
            continue;
        }
        const checked = checkApp(shown, entry.name, content, problems);
        if (checked === undefined) {
            continue;
        }
        // Names differing only in case would share a file on a case-insensitive checkout.
        const other = seenNames.get(checked.name.toLowerCase());
        if (other !== undefined) {
            problems.push(`${checked.at}: app name ${checked.name} is also the name of the app in ${other}; every app needs its own name`);
        }
        seenNames.set(checked.name.toLowerCase(), shown);
        if (checked.usable && other === undefined) {
            const digest = createHash("sha256").update(bytes).digest("hex");
            apps.push({ name: checked.name, fileName: entry.name, content, digest, configMapName: configMapName(checked.name, digest) });
        }
    }
    if (problems.length > 0) {
        throw new pulumi.RunError(`Invalid Siddhi apps; nothing was deployed:\n${problems.map((problem) => `  - ${problem}`).join("\n")}`);
    }
    return apps;
}

/** Checks one app; returns its name (where it is given) when it has one, and whether the app can be deployed. */
function checkApp(shown: string, fileName: string, content: string, problems: string[]): { name: string; at: string; usable: boolean } | undefined {
    const { masked, strings } = maskCommentsAndStrings(content);
    const lineOf = (offset: number) => content.slice(0, offset).split("\n").length;
    const at = (offset: number) => `${shown}:${lineOf(offset)}`;
    const stringsIn = (start: number, end: number) => strings.filter((literal) => literal.start >= start && literal.end <= end);
    /** Annotation elements: key (lower case; "" when none) → value and offset. */
    const elements = (start: number, end: number) =>
        stringsIn(start, end).map((literal) => {
            const before = masked.slice(start, literal.start);
            const key = /([A-Za-z_][\w.:-]*)\s*=\s*$/.exec(before.slice(Math.max(before.lastIndexOf(","), before.lastIndexOf("(")) + 1))?.[1];
            return { key: key?.toLowerCase() ?? "", value: literal.value, offset: literal.start };
        });

    const firstElement = /\b(define|from|partition)\b/i.exec(masked)?.index ?? masked.length;
    const names: { value?: string; offset: number }[] = [];
    for (const match of masked.matchAll(/@\s*app\s*:\s*([A-Za-z_]\w*)\s*(\(([^)]*)\))?/gi)) {
        const offset = match.index;
        if (offset > firstElement) {
            problems.push(`${at(offset)}: @App:${match[1]} must come before the first definition or query`);
        }
        if (match[1].toLowerCase() === "name") {
            const start = offset + match[0].length - (match[2]?.length ?? 0);
            names.push({ value: elements(start, offset + match[0].length).find((element) => element.key === "")?.value, offset });
        }
    }
    if (names.length === 0) {
        problems.push(`${shown}:1: has no @App:name; SP refuses apps without one. Add @App:name('${fileName.replace(/\.siddhi$/, "")}') as the first line`);
        return undefined;
    }
    if (names.length > 1) {
        problems.push(`${at(names[1].offset)}: @App:name is given again (first on line ${lineOf(names[0].offset)}); SP refuses a repeated annotation`);
    }
    const { value: name, offset } = names[0];
    if (name === undefined || name === "") {
        problems.push(`${at(offset)}: @App:name has no value; SP reads the name only from @App:name('name')`);
        return undefined;
    }
    let usable = true;
    if (!appNamePattern.test(name)) {
        problems.push(`${at(offset)}: app name ${JSON.stringify(name)} may hold only letters, digits, '-', '_' and '.' (it names a ConfigMap key and a REST path)`);
        usable = false;
    }
    if (skippedPrefixes.some((prefix) => name.toUpperCase().startsWith(prefix))) {
        problems.push(`${at(offset)}: SP skips apps whose name starts with ${skippedPrefixes.join(", ")} (other analytics products); rename the app`);
        usable = false;
    }
    if (fileName !== `${name}.siddhi`) {
        problems.push(`${at(offset)}: the app is named ${name}, so SP requires the file name ${name}.siddhi; rename the file or the app`);
        usable = false;
    }
    usable = checkDistribution(masked, elements, at, lineOf, problems) && usable;
    usable = checkSecretOptions(masked, strings, at, problems) && usable;
    return { name, at: at(offset), usable };
}

/** The rules of sp.jobmanager.core SiddhiTopologyCreatorImpl that need no compiler. */
function checkDistribution(
    masked: string,
    elements: (start: number, end: number) => { key: string; value: string; offset: number }[],
    at: (offset: number) => string,
    lineOf: (offset: number) => number,
    problems: string[],
): boolean {
    const before = problems.length;
    const partitionBodies = [...masked.matchAll(/\bpartition\s+with\b[\s\S]*?\bbegin\b([\s\S]*?)\bend\b/gi)].map((match) => {
        const start = match.index + match[0].length - match[1].length - 3;
        return { start, end: start + match[1].length };
    });
    const parallelOfGroup = new Map<string, { parallel: number; offset: number }>();
    for (const match of masked.matchAll(/@\s*dist\s*\(([^)]*)\)/gi)) {
        const offset = match.index;
        if (partitionBodies.some(({ start, end }) => offset > start && offset < end)) {
            problems.push(`${at(offset)}: @dist inside a partition; the leader manager refuses it there: put @dist on the partition`);
            continue;
        }
        const found = elements(offset, offset + match[0].length);
        const parallelElement = found.find((element) => element.key === "parallel");
        const group = found.find((element) => element.key === "execgroup")?.value;
        if (parallelElement && !/^[1-9]\d{0,8}$/.test(parallelElement.value)) {
            problems.push(`${at(parallelElement.offset)}: @dist(parallel='${parallelElement.value}') must be a whole number of at least 1`);
            continue;
        }
        const parallel = parallelElement ? Number(parallelElement.value) : 1;
        const earlier = group === undefined ? undefined : parallelOfGroup.get(group);
        if (group !== undefined && earlier === undefined) {
            parallelOfGroup.set(group, { parallel, offset });
        } else if (earlier && earlier.parallel !== parallel) {
            problems.push(
                `${at(offset)}: execGroup '${group}' has parallel ${parallel} here and ${earlier.parallel} on line ${lineOf(earlier.offset)}; ` +
                    "the leader manager requires one parallel per execGroup",
            );
        }
    }
    return problems.length === before;
}

/** Option keys that name a credential: their value must not be written in the app. */
const secretKeyPattern = /password|secret|token/i;
/** A value that is only a variable reference, `${NAME}`. */
const variableOnly = /^\$\{\w+\}$/;

/**
 * Options such as `password='…'` in any annotation (or a query's `set x.password = '…'`): apps are
 * ConfigMaps, so a literal lands in Pulumi state, PR diffs and every reader of the namespace. A
 * `${NAME}` value is no way out on SP 4.4.0: Siddhi 4.5.9 substitutes no variables in apps (that
 * came with Siddhi 5.0, docs/app-secrets.md), it would reach the store or sink as that text. SP 4.4.0
 * takes such options from `siddhi.refs` of deployment.yaml (`@store(ref='…')`), where carbon-config
 * fills `${NAME}` from the environment. Messages name the key and line, never the value.
 */
function checkSecretOptions(masked: string, strings: StringLiteral[], at: (offset: number) => string, problems: string[]): boolean {
    const before = problems.length;
    for (const literal of strings) {
        const preceding = masked.slice(0, literal.start);
        const key = /([A-Za-z_][\w.:-]*)\s*=\s*$/.exec(preceding.slice(Math.max(preceding.lastIndexOf(","), preceding.lastIndexOf("(")) + 1))?.[1];
        if (key === undefined || !secretKeyPattern.test(key)) {
            continue;
        }
        const fix = `move the option into a siddhi.refs entry of deployment.yaml in confs/ (workers, receiver and managers) and write ref='<that entry>' here (README, "Secrets in apps")`;
        problems.push(
            variableOnly.test(literal.value)
                ? `${at(literal.start)}: option ${key} is a \${…} reference, which SP 4.4.0 does not replace in apps (Siddhi 4.5.9); ${fix}`
                : `${at(literal.start)}: option ${key} holds a literal credential, which would be stored in a ConfigMap and in Pulumi state; ${fix}`,
        );
    }
    return problems.length === before;
}

/** A string literal of the app: its offsets in the text and its value. */
interface StringLiteral {
    start: number;
    end: number;
    value: string;
}

/**
 * The text with comments blanked and string contents replaced by `_` (line breaks kept, so offsets
 * and lines stay those of the file), plus the string literals: annotations are then found without
 * matching inside comments or strings. Lexical rules of siddhi 4.x SiddhiQL.g4.
 */
function maskCommentsAndStrings(text: string): { masked: string; strings: StringLiteral[] } {
    const out: string[] = [];
    const strings: StringLiteral[] = [];
    const blank = (part: string) => part.replace(/[^\n]/g, " ");
    let i = 0;
    while (i < text.length) {
        const rest = text.slice(i, i + 3);
        let end: number;
        if (rest === '"""') {
            const close = text.indexOf('"""', i + 3);
            const value = text.slice(i + 3, close === -1 ? text.length : close);
            end = close === -1 ? text.length : close + 3;
            strings.push({ start: i, end, value });
            out.push('"""', value.replace(/[^\n]/g, "_"), close === -1 ? "" : '"""');
        } else if (rest[0] === "'" || rest[0] === '"') {
            const close = text.slice(i + 1).search(new RegExp(`[${rest[0]}\\n]`));
            end = close === -1 ? text.length : i + 1 + close + 1;
            strings.push({ start: i, end, value: text.slice(i + 1, end - 1) });
            out.push(rest[0], "_".repeat(Math.max(0, end - i - 2)), end - i >= 2 ? text[end - 1] : "");
        } else if (rest.startsWith("--")) {
            const newline = text.indexOf("\n", i);
            end = newline === -1 ? text.length : newline;
            out.push(blank(text.slice(i, end)));
        } else if (rest.startsWith("/*")) {
            const close = text.indexOf("*/", i + 2);
            end = close === -1 ? text.length : close + 2;
            out.push(blank(text.slice(i, end)));
        } else {
            end = i + 1;
            out.push(text[i]);
        }
        i = end;
    }
    return { masked: out.join(""), strings };
}

/** A DNS-1123 ConfigMap name from the app name and digest. */
function configMapName(name: string, digest: string): string {
    const slug = name.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/-+/g, "-").replace(/^-|-$/g, "").slice(0, 200);
    return `wso2sp-siddhi-app-${slug || "app"}-${digest.slice(0, 10)}`.replace(/--+/g, "-");
}

/**
 * A digest of what the smoke check covers besides the apps: the worker count and every node's
 * configuration (its ConfigMap names are content digests).
 */
export function deploymentDigest(workers: number, confTree: ConfTree): string {
    const confs = confNodes.map((node) => confTree[node].map((directory) => directory.configMapName));
    return createHash("sha256").update(JSON.stringify({ workers, confs })).digest("hex");
}
