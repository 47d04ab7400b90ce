import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { isScalar, LineCounter, parseDocument } from "yaml";
import { configVolumeRoot } from "./image";
import { parsedOnce } from "./parsedOnce";

/** The node kinds with a configuration tree: `confs/<kind>/` mirrors that kind's product home. */
export const confNodes = ["manager", "worker", "dashboard"] as const;
export type ConfNode = (typeof confNodes)[number];

/** The API server refuses a ConfigMap whose keys and values add up to more than 1 MiB. */
export const configMapSizeLimit = 1024 * 1024;

/** One directory of `confs/<node>/` that holds files: it becomes one ConfigMap. */
export interface ConfDirectory {
    /** Path relative to `confs/<node>/`, with `/` separators; "" for the node directory itself. */
    relativeDir: string;
    /** Where the ConfigMap is mounted: the image copies it over the same path of the product home. */
    mountPath: string;
    /** ConfigMap name: changes with the content, so a changed file rolls the pods that mount it. */
    configMapName: string;
    /** Name of the pod volume that mounts it: stable while the directory keeps its path. */
    volumeName: string;
    /** UTF-8 files, by file name. */
    data: Record<string, string>;
    /** Other files, base64-encoded, by file name. */
    binaryData: Record<string, string>;
}

export type ConfTree = Record<ConfNode, ConfDirectory[]>;

const utf8 = new TextDecoder("utf-8", { fatal: true });
/** What the API server takes as a ConfigMap key (IsConfigMapKey): at most 253 of these, not `.`, `..` or `..…`. */
const configMapKey = /^[-._a-zA-Z0-9]{1,253}$/;
const isConfigMapKey = (name: string) => configMapKey.test(name) && name !== "." && !name.startsWith("..");

/**
 * Reads the whole configuration tree once, before any resource is registered, and refuses what
 * cannot become a ConfigMap or would not be read by SP: entries outside the node directories,
 * links that lead nowhere or in circles, names the API server refuses, YAML files that do not
 * parse, directories over the size limit. All problems are reported in one error.
 */
export function readConfTree(confsDir: string): ConfTree {
    const problems: string[] = [];
    const tree = {} as ConfTree;
    // Paths are shown from the confs directory's own name on: short, and what the user sees in the project.
    const shown = (...parts: string[]) => path.join(path.basename(confsDir), ...parts);
    for (const entry of fs.readdirSync(confsDir).sort()) {
        if (!(confNodes as readonly string[]).includes(entry)) {
            problems.push(`${shown(entry)}: only the node directories ${confNodes.join(", ")} belong in ${shown()}/; remove or move it`);
        }
    }
    for (const node of confNodes) {
        const nodeDir = path.join(confsDir, node);
        const kind = entryKind(nodeDir);
        if (kind === "missing") {
            tree[node] = [];
            continue;
        }
        if (kind !== "directory") {
            problems.push(`${shown(node)} ${kind === "file" ? "is a file" : kind}; it must be a directory that mirrors the ${node}'s product home`);
            tree[node] = [];
            continue;
        }
        tree[node] = filesByDirectory(nodeDir, shown(node), problems).map(([dir, files]) => toConfDirectory(node, nodeDir, dir, files, problems));
        // `conf/manager` and `conf-manager` would share a pod volume name.
        const seen = new Map<string, string>();
        for (const directory of tree[node]) {
            const other = seen.get(directory.volumeName);
            if (other !== undefined) {
                problems.push(`${shown(node, directory.relativeDir)} and ${shown(node, other)} differ only in punctuation; rename one`);
            }
            seen.set(directory.volumeName, directory.relativeDir);
        }
    }
    if (problems.length > 0) {
        throw new pulumi.RunError(`Invalid configuration files; nothing was deployed:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    }
    return tree;
}

type EntryKind = "directory" | "file" | "missing" | "a symbolic link to nothing (dangling)" | "a symbolic link in a loop" | "neither a file nor a directory";

/** What an entry is, following links; a broken link is named as such instead of throwing. */
function entryKind(file: string): EntryKind {
    let lstat: fs.Stats;
    try {
        lstat = fs.lstatSync(file);
    } catch {
        return "missing";
    }
    try {
        const stat = fs.statSync(file);
        return stat.isDirectory() ? "directory" : stat.isFile() ? "file" : "neither a file nor a directory";
    } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        return lstat.isSymbolicLink() ? (code === "ELOOP" ? "a symbolic link in a loop" : "a symbolic link to nothing (dangling)") : "neither a file nor a directory";
    }
}

/**
 * Directories below `root` (relative paths, sorted) with the files each holds directly. A link to
 * a directory that contains it (a loop `stat` cannot see) is refused rather than followed forever.
 */
function filesByDirectory(root: string, shownRoot: string, problems: string[]): [string, string[]][] {
    const result: [string, string[]][] = [];
    const visit = (relativeDir: string, ancestors: string[]) => {
        const entries = fs.readdirSync(path.join(root, relativeDir)).sort((a, b) => a.localeCompare(b));
        const files: string[] = [];
        for (const name of entries) {
            const child = relativeDir === "" ? name : `${relativeDir}/${name}`;
            const shown = `${shownRoot}/${child}`;
            const kind = entryKind(path.join(root, child));
            if (kind === "directory") {
                const real = fs.realpathSync(path.join(root, child));
                if (ancestors.includes(real)) {
                    problems.push(`${shown} is a symbolic link in a loop (to a directory that contains it); remove it`);
                } else if (!/^[-._a-zA-Z0-9]{1,253}$/.test(name)) {
                    problems.push(`${shown}/: a directory of confs/ becomes a mount path; use only letters, digits, '-', '_' and '.' (at most 253)`);
                } else {
                    visit(child, [...ancestors, real]);
                }
            } else if (kind === "file") {
                files.push(name);
            } else {
                problems.push(`${shown} is ${kind}; remove it or make it a file`);
            }
        }
        if (files.length > 0) {
            result.push([relativeDir, files]);
        }
    };
    visit("", [fs.realpathSync(root)]);
    return result.sort(([a], [b]) => a.localeCompare(b));
}

/** A YAML file of confs/ as SP reads it: its value, or why it would stop SP at start. */
interface ConfYaml {
    value?: unknown;
    problem?: string;
}

const confYamlByText = new Map<string, ConfYaml>();

/** Parses as SP does (SnakeYAML, YAML 1.1; docs/configuration.md), once per text. Callers must not change the value. */
function parseConfYaml(text: string): ConfYaml {
    return parsedOnce(confYamlByText, text, parseAsSnakeYaml);
}

function parseAsSnakeYaml(text: string): ConfYaml {
    const lineCounter = new LineCounter();
    const document = parseDocument(text, { version: "1.1", prettyErrors: false, lineCounter });
    const [error] = document.errors;
    if (error !== undefined) {
        return { problem: `line ${lineCounter.linePos(error.pos[0]).line}: ${error.message.split("\n")[0]}` };
    }
    if (document.contents === null) {
        return { problem: "is empty; SP cannot read an empty configuration file" };
    }
    try {
        return { value: document.toJS() };
    } catch (error) {
        // Aliases that expand without bound (a "billion laughs"): refused with the parser's reason
        // rather than ending the program with a stack trace.
        return { problem: (error as Error).message.split("\n")[0] };
    }
}

function toConfDirectory(node: ConfNode, nodeDir: string, relativeDir: string, files: string[], problems: string[]): ConfDirectory {
    const shownDir = path.join(path.basename(path.dirname(nodeDir)), node, relativeDir);
    const data: Record<string, string> = {};
    const binaryData: Record<string, string> = {};
    const hash = createHash("sha256");
    let size = 0;
    for (const file of files) {
        if (!isConfigMapKey(file)) {
            problems.push(`${path.join(shownDir, file)}: a ConfigMap key may hold only letters, digits, '-', '_' and '.' (at most 253, not starting with ..); rename the file`);
        }
        const bytes = fs.readFileSync(path.join(nodeDir, relativeDir, file));
        if (/\.ya?ml$/i.test(file)) {
            const { problem } = parseConfYaml(bytes.toString("utf8"));
            if (problem !== undefined) {
                problems.push(`${path.join(shownDir, file)}: ${problem}`);
            }
        }
        size += file.length + bytes.length;
        hash.update(`${file}\0${bytes.length}\0`).update(bytes);
        try {
            data[file] = utf8.decode(bytes);
        } catch {
            binaryData[file] = bytes.toString("base64");
        }
    }
    if (size > configMapSizeLimit) {
        problems.push(
            `${shownDir}/ holds ${size} bytes, over the ${configMapSizeLimit}-byte ConfigMap limit; ` +
                "move large files (libraries, bundles) to an NFS volume in `additionalVolumes`",
        );
    }
    const slug = relativeDir === "" ? "root" : relativeDir;
    return {
        relativeDir,
        mountPath: relativeDir === "" ? configVolumeRoot : `${configVolumeRoot}/${relativeDir}`,
        configMapName: dnsName(`wso2sp-${node}-${slug}`, 253 - 11) + "-" + hash.digest("hex").slice(0, 10),
        volumeName: dnsName(`conf-${slug}`, 63),
        data,
        binaryData,
    };
}

/** A DNS-1123 name from free text, shortened with a hash of the text when longer than `max`. */
function dnsName(text: string, max: number): string {
    const name = text.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/-+/g, "-").replace(/^-|-$/g, "");
    if (name.length <= max) {
        return name;
    }
    const digest = createHash("sha256").update(text).digest("hex").slice(0, 8);
    return `${name.slice(0, max - 9).replace(/-$/, "")}-${digest}`;
}

/** The managers' deployment.yaml, relative to the confs directory. */
export const managerDeploymentYaml = "manager/conf/manager/deployment.yaml";

/**
 * `deployment.config.minResourceCount` as the managers' deployment.yaml gives it: a number only when
 * SP reads it as one, a YAML integer (a Java int field, docs/configuration.md); its text otherwise;
 * undefined when unset or unreadable (reported with the confs/ problems).
 */
export function givenMinResourceCount(text: string): number | string | undefined {
    return parsedOnce(minResourceCountByText, text, readMinResourceCount);
}

const minResourceCountByText = new Map<string, number | string | undefined>();

function readMinResourceCount(text: string): number | string | undefined {
    const document = parseDocument(text, { version: "1.1", prettyErrors: false });
    const node = document.errors.length > 0 ? undefined : document.getIn(["deployment.config", "minResourceCount"], true);
    if (!isScalar(node)) {
        return undefined;
    }
    const source = String((node as { source?: unknown }).source ?? node.value);
    return typeof node.value === "number" && Number.isInteger(node.value) && node.type === "PLAIN" && !source.includes(".") ? node.value : source;
}

/**
 * `minResourceCount` of the managers' deployment.yaml in confs/ (SP's default, 1, when unset):
 * the number of workers the leader waits for before it deploys apps: the smoke check expects them,
 * and the workers' disruption budget keeps them. The settings checks refused any other value.
 */
export function minResourceCount(managerConfs: ConfDirectory[]): number {
    const file = managerConfs.find((directory) => directory.relativeDir === "conf/manager")?.data["deployment.yaml"];
    const count = file === undefined ? undefined : givenMinResourceCount(file);
    return typeof count === "number" ? count : 1;
}
