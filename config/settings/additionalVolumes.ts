/** Cross-setting rules of `additionalVolumes`. */
import { imageUserHome, overlayMountPath, productHome, reservedMountRoots, siddhiFilesMountPath } from "../image";
import { mysqlDataClaimName, siddhiFilesClaimName } from "../names";
import type { CrossCheck } from "./checks";
import { type ClaimExport, trimSlash } from "./nfs";
import { addOnce, firstFree, removeCommand, setCommand } from "./problems";
import type { SettingPath } from "./schema";

/** System directories an additional volume must not be mounted at or above: it would hide the JDK, the shell, libraries. */
const systemDirs = ["/bin", "/sbin", "/lib", "/lib64", "/usr", "/etc", "/opt/java", "/proc", "/sys", "/dev"];

/**
 * Each volume has a name of its own, an export of its own (`claimExport`, nfs.ts), and a mount path
 * that hides neither the product home, the program's own mounts, a system directory, nor another
 * volume of the same node.
 */
export function additionalVolumesProblems({ settings, problems }: CrossCheck, claimExport: ClaimExport): void {
    const { nfs } = settings;
    const claimNames = new Set<string>([siddhiFilesClaimName, mysqlDataClaimName]);
    const mountPaths = new Set<string>([`manager:${trimSlash(siddhiFilesMountPath)}`]);
    const volumes = settings.additionalVolumes ?? [];
    // Fixes name what no volume takes, so that they are not refused again when pasted.
    const nameTaken = (name: string) => name.startsWith("conf-") || [siddhiFilesClaimName, mysqlDataClaimName, ...volumes.map((volume) => volume?.name)].includes(name);
    const freeMountPath = (volume: (typeof volumes)[number]) =>
        firstFree(`/mnt/${volume?.name ?? "extra"}`, (candidate) =>
            volumes.some((other) => other !== volume && other?.nodes?.some((node) => volume?.nodes?.includes(node)) && trimSlash(other.mountPath ?? overlayMountPath(other.name ?? "")) === candidate),
        );
    volumes.forEach((volume, index) => {
        if (volume === undefined) {
            return;
        }
        const at = (field: string): SettingPath => ["additionalVolumes", index, field];
        // Volume names are also pod volume names, beside the `conf-…` ones of confs/.
        if (volume.name !== undefined && (!addOnce(claimNames, volume.name) || volume.name.startsWith("conf-"))) {
            problems.push({
                path: at("name"),
                message: "is the name of another volume (or starts with conf-, which confs/ uses); names must be unique",
                fix: setCommand(at("name"), firstFree(volume.name.replace(/^conf-/, "") || "volume", nameTaken, { maxLength: 63 })),
            });
        }
        claimExport(at("path"), volume.server ?? nfs?.server, volume.path);
        if (volume.mountPath !== undefined) {
            const mountPath = trimSlash(volume.mountPath);
            const atOrAbove = (dir: string) => `${dir}/`.startsWith(`${mountPath === "/" ? "" : mountPath}/`);
            const within = (dir: string) => `${mountPath}/`.startsWith(`${dir}/`);
            if ([imageUserHome, productHome, ...reservedMountRoots].some(atOrAbove) || reservedMountRoots.some(within)) {
                problems.push({
                    path: at("mountPath"),
                    message: "would hide the product home or the program's own mounts; leave it unset to overlay the product home, or mount elsewhere",
                    fix: removeCommand(at("mountPath")),
                });
            } else if (systemDirs.some(atOrAbove) || ["/proc", "/sys", "/dev"].some(within)) {
                problems.push({
                    path: at("mountPath"),
                    message: "would hide a system directory of the image (the JDK, the shell, libraries); mount it elsewhere, such as /mnt/<name>",
                    fix: setCommand(at("mountPath"), freeMountPath(volume)),
                });
            }
        }
        const mountPath = trimSlash(volume.mountPath ?? overlayMountPath(volume.name ?? `#${index}`));
        for (const node of volume.nodes ?? []) {
            if (node !== undefined && !addOnce(mountPaths, `${node}:${mountPath}`)) {
                problems.push({
                    path: at("mountPath"),
                    message: `is where another volume is mounted on ${node} already; give each volume of a node its own mountPath`,
                    fix: setCommand(at("mountPath"), freeMountPath(volume)),
                });
            }
        }
    });
}
