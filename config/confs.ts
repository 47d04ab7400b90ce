import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { configVolumeRoot } from "./image";

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
const configMapKey = /^[-._a-zA-Z0-9]+$/;

/**
 * Reads the whole configuration tree once, before any resource is registered, and refuses
 * directories that cannot become a ConfigMap (too large, or a file name that is not a valid key).
 */
export function readConfTree(confsDir: string): ConfTree {
    const problems: string[] = [];
    const tree = {} as ConfTree;
    for (const node of confNodes) {
        const nodeDir = path.join(confsDir, node);
        tree[node] = fs.existsSync(nodeDir) ? filesByDirectory(nodeDir).map(([dir, files]) => toConfDirectory(node, nodeDir, dir, files, problems)) : [];
        // `conf/manager` and `conf-manager` would share a pod volume name.
        const seen = new Map<string, string>();
        for (const directory of tree[node]) {
            const other = seen.get(directory.volumeName);
            if (other !== undefined) {
                problems.push(`confs/${node}/${directory.relativeDir} and confs/${node}/${other} differ only in punctuation; rename one`);
            }
            seen.set(directory.volumeName, directory.relativeDir);
        }
    }
    if (problems.length > 0) {
        throw new pulumi.RunError(`Invalid configuration files; nothing was deployed:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    }
    return tree;
}

/** Directories below `root` (relative paths, sorted) with the files each holds directly. */
function filesByDirectory(root: string): [string, string[]][] {
    const result: [string, string[]][] = [];
    const visit = (relativeDir: string) => {
        const entries = fs.readdirSync(path.join(root, relativeDir), { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
        const files: string[] = [];
        for (const entry of entries) {
            const child = relativeDir === "" ? entry.name : `${relativeDir}/${entry.name}`;
            const isDirectory = entry.isDirectory() || (entry.isSymbolicLink() && fs.statSync(path.join(root, child)).isDirectory());
            if (isDirectory) {
                visit(child);
            } else {
                files.push(entry.name);
            }
        }
        if (files.length > 0) {
            result.push([relativeDir, files]);
        }
    };
    visit("");
    return result.sort(([a], [b]) => a.localeCompare(b));
}

function toConfDirectory(node: ConfNode, nodeDir: string, relativeDir: string, files: string[], problems: string[]): ConfDirectory {
    const shownDir = path.join(path.basename(path.dirname(nodeDir)), node, relativeDir);
    const data: Record<string, string> = {};
    const binaryData: Record<string, string> = {};
    const hash = createHash("sha256");
    let size = 0;
    for (const file of files) {
        if (!configMapKey.test(file)) {
            problems.push(`${path.join(shownDir, file)}: a ConfigMap key may hold only letters, digits, '-', '_' and '.'; rename the file`);
        }
        const bytes = fs.readFileSync(path.join(nodeDir, relativeDir, file));
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
