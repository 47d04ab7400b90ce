/** Cross-setting rules of `nfs` (the NFS server and its exports). */
import * as path from "path";
import type { CrossCheck } from "./checks";
import { examples, firstFree, setCommand, settingKey, valueAt } from "./problems";
import type { SettingPath } from "./schema";

/** Claims an NFS export for the volume set at `settingPath`; reports one already claimed, or inside or around one. */
export type ClaimExport = (settingPath: SettingPath, server: string | undefined, exportPath: string | undefined) => void;

/**
 * Two volumes on one export (or one inside the other) would share, and for MySQL corrupt, one
 * directory. Claims the exports of `nfs`; the returned function claims further ones.
 */
export function nfsExportProblems({ settings, problems }: CrossCheck): ClaimExport {
    const { nfs, database } = settings;
    const exportsSeen: { settingPath: SettingPath; server: string; path: string }[] = [];
    const overlaps = (a: string, b: string) => `${a}/`.startsWith(`${b === "/" ? "" : b}/`) || `${b}/`.startsWith(`${a === "/" ? "" : a}/`);
    const claimExport: ClaimExport = (settingPath, server, exportPath) => {
        if (server === undefined || exportPath === undefined) {
            return;
        }
        const normalized = trimSlash(exportPath);
        const clash = exportsSeen.find((other) => other.server === server && overlaps(normalized, other.path));
        if (clash) {
            // Free of every export of the server, so the fix is not refused again when pasted: worked
            // out when the error is written, once every volume has claimed its export.
            const freePath = (wanted: string, mover: SettingPath) => {
                const taken = exportsSeen.filter((other) => other.server === server && other.settingPath !== mover).map((other) => other.path);
                return firstFree(wanted, (candidate) => taken.some((other) => overlaps(candidate, other)));
            };
            problems.push({
                path: settingPath,
                message: `is the export of ${settingKey(clash.settingPath)}, or inside or around it; each volume needs a directory of its own`,
                get fix() {
                    if (clash.path === "/") {
                        // Everything on the server is inside /: that export moves.
                        const named = clash.settingPath.filter((part) => typeof part === "string").join(".");
                        return setCommand(clash.settingPath, freePath(examples[named] ?? "/exports/wso2sp/data", clash.settingPath));
                    }
                    // Beside the export it is in (its own last name kept), or, for the one around, beside itself.
                    const inside = normalized !== clash.path && normalized.startsWith(`${clash.path}/`);
                    return setCommand(settingPath, freePath(inside ? path.posix.join(path.posix.dirname(clash.path), path.posix.basename(normalized)) : normalized, settingPath));
                },
            });
        }
        exportsSeen.push({ settingPath, server, path: normalized });
    };
    claimExport(["nfs", "siddhiFilesPath"], nfs?.server, nfs?.siddhiFilesPath);
    if (database?.inCluster !== false) {
        claimExport(["nfs", "mysqlDataPath"], nfs?.server, nfs?.mysqlDataPath);
    }
    return claimExport;
}

/** Every field of a missing nfs block, as this stack's database needs them. */
export function nfsFix(raw: Record<string, unknown>): string {
    const fields = ["server", "siddhiFilesPath", ...(valueAt(raw, ["database", "inCluster"]) === false ? [] : ["mysqlDataPath"])];
    return fields.map((field) => setCommand(["nfs", field], examples[`nfs.${field}`])).join(" && ");
}

export function trimSlash(value: string): string {
    return value.length > 1 ? value.replace(/\/+$/, "") : value;
}
