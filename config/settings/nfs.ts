/** Cross-setting rules of `nfs` (the NFS server and its exports), and where each NFS volume lives. */
import * as path from "path";
import { appNames, mysqlDataClaimName, mysqlDataVolume, mysqlServiceName, nfsClaimName, siddhiFilesClaimName, siddhiFilesVolume } from "../names";
import type { CrossCheck } from "./checks";
import type { PreviousDeployment } from "./previous";
import { examples, firstFree, removeCommand, setCommand, settingKey, valueAt } from "./problems";
import { tidyPath } from "./rules";
import type { SettingPath, ValidPart } from "./schema";

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
        const normalized = tidyPath(exportPath);
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

/** One NFS volume of the settings: where it lives now, and where the last deploy had it. */
export interface VolumePlacement {
    /** Its key in the stack outputs `nfsVolumes` and `claimNames`, and in `nfs.confirmMove`. */
    key: string;
    /** What it holds, for messages. */
    holds: string;
    /**
     * The pods write its data (MySQL's, the Siddhi files, an additional volume mounted at its own
     * mountPath), so moving it needs a copy. An overlay (no mountPath) is read-only code and
     * configuration copied over the product home at start: the old export keeps it untouched, and a
     * move only changes what the next start copies, so it moves freely.
     */
    dataBearing: boolean;
    /** The settings that place it. */
    serverSetting: SettingPath;
    pathSetting: SettingPath;
    server: string;
    /** The export path to name and mount: the tidy one, or exactly the one its volume was named from. */
    path: string;
    claimBase: string;
    size: string;
    accessMode: "ReadWriteMany" | "ReadWriteOnce";
    /** Where the last deploy had it (only its claim, from a deploy older than `nfsVolumes`); none on its first deploy. */
    previous?: { server?: string; path?: string; claimName: string };
    /** The settings put it elsewhere than the last deploy did. */
    moved: boolean;
    /** `nfs.confirmMove.<key>` names this very location: its data was copied, or it is meant to start empty. */
    confirmed?: "copied" | "fresh";
}

/**
 * Every NFS volume the settings give, placed against the last deploy. A path names its volume and
 * claim tidied (no doubled or trailing `/`), unless the volume was named from an untidy spelling of
 * the same path: then it keeps that spelling, since a volume's source cannot change and replacing a
 * retained volume is what this avoids.
 */
export function placeVolumes(settings: ValidPart, previous: PreviousDeployment): VolumePlacement[] {
    const { nfs } = settings;
    const placements: VolumePlacement[] = [];
    // A volume whose server or path failed its own rule (reported already) is left out.
    const add = (volume: Omit<VolumePlacement, "server" | "path" | "previous" | "moved" | "confirmed">, server: string | undefined, path: string | undefined) => {
        if (server !== undefined && path !== undefined) {
            placements.push(placed({ ...volume, server }, path, previous, nfs?.confirmMove?.[volume.key]));
        }
    };
    const siddhiFiles = { serverSetting: ["nfs", "server"], pathSetting: ["nfs", "siddhiFilesPath"], claimBase: siddhiFilesClaimName, ...siddhiFilesVolume };
    add({ key: "siddhiFiles", holds: "the Siddhi files", dataBearing: true, ...siddhiFiles }, nfs?.server, nfs?.siddhiFilesPath);
    if (settings.database?.inCluster !== false) {
        const mysqlData = { serverSetting: ["nfs", "server"], pathSetting: ["nfs", "mysqlDataPath"], claimBase: mysqlDataClaimName, ...mysqlDataVolume };
        add({ key: "mysqlData", holds: "MySQL's data (SP_MGT_DB, SP_WORKER_STATE_DB)", dataBearing: true, ...mysqlData }, nfs?.server, nfs?.mysqlDataPath);
    }
    (settings.additionalVolumes ?? []).forEach((volume, index) => {
        if (volume?.name !== undefined && volume.size !== undefined) {
            const placedBy = {
                serverSetting: volume.server === undefined ? ["nfs", "server"] : ["additionalVolumes", index, "server"],
                pathSetting: ["additionalVolumes", index, "path"],
            };
            const holds = `additional volume ${volume.name}`;
            const source = { claimBase: volume.name, size: volume.size, accessMode: "ReadWriteMany" } as const;
            add({ key: volume.name, holds, dataBearing: volume.mountPath !== undefined, ...placedBy, ...source }, volume.server ?? nfs?.server, volume.path);
        }
    });
    return placements;
}

/** Where the volume goes: `given` as the settings spell it, against where the last deploy had it. */
function placed(volume: Omit<VolumePlacement, "path" | "previous" | "moved" | "confirmed">, given: string, previous: PreviousDeployment, confirmation: string | undefined): VolumePlacement {
    const tidy = tidyPath(given);
    const recorded = previous.volumes[volume.key];
    const lastClaim = previous.claimNames[volume.key];
    let path = tidy;
    let moved = false;
    if (recorded !== undefined) {
        moved = recorded.server !== volume.server || tidyPath(recorded.path) !== tidy;
        path = moved ? tidy : recorded.path;
    } else if (lastClaim !== undefined) {
        // Deployed before locations were recorded: its claim's name is a hash of where it was.
        const same = [given, tidy].find((candidate) => nfsClaimName(volume.claimBase, { ...volume, path: candidate }) === lastClaim);
        moved = same === undefined;
        path = same ?? tidy;
    }
    const confirmed = /^(fresh )?([^/]+):(\/.*)$/.exec(confirmation ?? "");
    const confirms = confirmed !== null && confirmed[2] === volume.server && tidyPath(confirmed[3]) === tidy;
    return {
        ...volume,
        path,
        previous: recorded ?? (lastClaim === undefined ? undefined : { claimName: lastClaim }),
        moved,
        confirmed: confirms ? (confirmed[1] ? "fresh" : "copied") : undefined,
    };
}

/**
 * On a stack that has deployed, a data-bearing volume moves (another server or path) only when
 * `nfs.confirmMove.<volume>` names its new location: otherwise its pods would start on whatever the
 * new export holds (MySQL on an empty one: SP's coordination and worker state gone). The message
 * says how to copy the data first; the confirmation names the new location, so it approves that
 * move only, never a later typo.
 */
export function nfsMoveProblems({ settings, previous, problems, warn }: CrossCheck): void {
    const placements = placeVolumes(settings, previous);
    // A confirmation left behind would approve nothing but could be mistaken for a pending move.
    for (const volume of placements.filter(({ moved, key }) => !moved && settings.nfs?.confirmMove?.[key] !== undefined)) {
        warn(
            ["nfs", "confirmMove", volume.key],
            `confirms a move that is done or not needed (${volume.holds} stays on ${volume.server}:${volume.path}); remove it, so it confirms nothing later`,
            removeCommand(["nfs", "confirmMove", volume.key]),
        );
    }
    const dataVolumeNames = (settings.additionalVolumes ?? []).flatMap((volume) => (volume?.mountPath !== undefined && volume.name !== undefined ? [volume.name] : []));
    const confirmable = new Set(["siddhiFiles", "mysqlData", ...dataVolumeNames]);
    for (const key of Object.keys(settings.nfs?.confirmMove ?? {})) {
        if (!confirmable.has(key)) {
            problems.push({
                path: ["nfs", "confirmMove", key],
                message: `names no data-bearing volume of this stack; the keys are ${[...confirmable].join(", ")}`,
                fix: removeCommand(["nfs", "confirmMove", key]),
            });
        }
    }
    const namespace = previous.namespace ?? settings.namespace ?? "wso2";
    for (const volume of placements.filter((placement) => placement.dataBearing && placement.moved && placement.confirmed === undefined)) {
        const to = `${volume.server}:${tidyPath(volume.path)}`;
        const from = volume.previous?.server === undefined ? undefined : `${volume.previous.server}:${volume.previous.path}`;
        const pathMoved = from === undefined || tidyPath(volume.previous!.path!) !== tidyPath(volume.path);
        const given = settings.nfs?.confirmMove?.[volume.key];
        problems.push({
            path: pathMoved ? volume.pathSetting : volume.serverSetting,
            message:
                `moves ${volume.holds} ${from === undefined ? `off the export of its claim ${volume.previous!.claimName}` : `from ${from}`} to ${to}, ` +
                "and its pods would start on whatever that export holds. To move it, copy the data first, with its pods stopped, " +
                `on a host that can mount both exports (as root): ${moveCommands(volume, namespace, from)}. Then confirm the move` +
                (given === undefined ? "" : ` (nfs.confirmMove.${volume.key} names ${given}, not this location)`) +
                ` and run pulumi up --refresh, which starts the stopped pods again. For an export meant to start empty, confirm "fresh ${to}" instead`,
            fix: setCommand(["nfs", "confirmMove", volume.key], to),
        });
    }
}

/** Stop the pods that write the volume (SP nodes first, then MySQL), then copy old to new keeping numeric owners. */
function moveCommands(volume: VolumePlacement, namespace: string, from: string | undefined): string {
    const spNodes = `app.kubernetes.io/name=${appNames.sp},app.kubernetes.io/component in (manager,worker,receiver,dashboard)`;
    const oldSource = from ?? `"$(kubectl get pv ${namespace}-${volume.previous!.claimName} -o jsonpath='{.spec.nfs.server}:{.spec.nfs.path}')"`;
    const mountable = (server: string) => (server.includes(":") ? `[${server}]` : server);
    const newSource = `${mountable(volume.server)}:${tidyPath(volume.path)}`;
    return [
        // The workers are a StatefulSet, the other SP nodes Deployments.
        `kubectl -n ${namespace} scale deployment,statefulset -l '${spNodes}' --replicas=0`,
        // kubectl wait fails when a selector matches nothing (kubernetes/kubernetes#83242): a loop also passes when the pods are gone already.
        `until [ -z "$(kubectl -n ${namespace} get pod -l '${spNodes}' -o name)" ]; do sleep 5; done`,
        ...(volume.key === "mysqlData"
            ? [
                  `kubectl -n ${namespace} scale statefulset ${mysqlServiceName} --replicas=0`,
                  `kubectl -n ${namespace} wait --for=delete pod/${mysqlServiceName}-0 --timeout=300s`,
              ]
            : []),
        "mkdir -p /mnt/wso2sp-old /mnt/wso2sp-new",
        `mount -t nfs ${from === undefined ? oldSource : `${mountable(volume.previous!.server!)}:${volume.previous!.path}`} /mnt/wso2sp-old`,
        `mount -t nfs ${newSource} /mnt/wso2sp-new`,
        "rsync -aHAX --numeric-ids /mnt/wso2sp-old/ /mnt/wso2sp-new/",
        "umount /mnt/wso2sp-old /mnt/wso2sp-new",
    ].join(" && ");
}
