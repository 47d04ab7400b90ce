/** Cross-setting rules of `nfs` (the NFS server and its exports). */
import type { CrossCheck } from "./checks";
import { examples, setCommand, settingKey, valueAt } from "./problems";
import type { SettingPath } from "./schema";

/** Claims an NFS export for the volume set at `settingPath`; reports one already claimed, or inside or around one. */
export type ClaimExport = (settingPath: SettingPath, server: string | undefined, exportPath: string | undefined) => void;

/**
 * Two volumes on one export (or one inside the other) would share, and for MySQL corrupt, one
 * directory. Claims the exports of `nfs`; the returned function claims further ones.
 */
export function nfsExportProblems({ settings, problems }: CrossCheck): ClaimExport {
    const { nfs, database } = settings;
    const exportsSeen: { key: string; server: string; path: string }[] = [];
    const claimExport: ClaimExport = (settingPath, server, exportPath) => {
        if (server === undefined || exportPath === undefined) {
            return;
        }
        const normalized = trimSlash(exportPath);
        const clash = exportsSeen.find(
            (other) => other.server === server && (`${normalized}/`.startsWith(`${other.path}/`) || `${other.path}/`.startsWith(`${normalized}/`)),
        );
        if (clash) {
            problems.push({
                path: settingPath,
                message: `is the export of ${clash.key}, or inside or around it; each volume needs a directory of its own`,
                fix: setCommand(settingPath, `${normalized === "/" ? "" : normalized}-2`),
            });
        }
        exportsSeen.push({ key: settingKey(settingPath), server, path: normalized });
    };
    claimExport(["nfs", "siddhiFilesPath"], nfs?.server, nfs?.siddhiFilesPath);
    if (database?.inCluster !== false) {
        claimExport(["nfs", "mysqlDataPath"], nfs?.server, nfs?.mysqlDataPath);
    }
    return claimExport;
}

/** Exempt namespaces mean something only for a policy the program creates. */
export function admissionPolicyProblems({ settings, changed, problems }: CrossCheck): void {
    const policy = settings.nfs?.admissionPolicy;
    if (policy?.create === false && changed("nfs", "admissionPolicy", "exemptNamespaces")) {
        problems.push({
            path: ["nfs", "admissionPolicy", "exemptNamespaces"],
            message: "is ignored while nfs.admissionPolicy.create is false; create the policy, or remove the exemptions",
            fix: "pulumi config set --path nfs.admissionPolicy.create true",
        });
    }
}

/** Every field of a missing nfs block, as this stack's database needs them. */
export function nfsFix(raw: Record<string, unknown>): string {
    const fields = ["server", "siddhiFilesPath", ...(valueAt(raw, ["database", "inCluster"]) === false ? [] : ["mysqlDataPath"])];
    return fields.map((field) => setCommand(["nfs", field], examples[`nfs.${field}`])).join(" && ");
}

export function trimSlash(value: string): string {
    return value.length > 1 ? value.replace(/\/+$/, "") : value;
}
