/**
 * What the stack's last deploy left behind: its outputs, read before the settings are checked, so
 * that a change of where a volume's data lives is seen before anything is registered (nfs.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import { isPlainObject } from "./problems";

/** Where one NFS volume lives, as the stack output `nfsVolumes` records it. */
export interface RecordedVolume {
    server: string;
    /** The export path exactly as the volume was named from it (it may be untidy: `/exports/x/`). */
    path: string;
    claimName: string;
}

export interface PreviousDeployment {
    /** Its `namespace` output: where its pods run. */
    namespace?: string;
    /** Its `nfsVolumes` output, by volume key; none from a deploy older than that output. */
    volumes: Record<string, RecordedVolume>;
    /** Its `claimNames` output, by volume key: recorded by every version of this program. */
    claimNames: Record<string, string>;
}

/** A stack that has not deployed yet. */
export const firstDeploy: PreviousDeployment = { volumes: {}, claimNames: {} };

/** The outputs this program reads of its last deploy. */
export const previousOutputNames = ["namespace", "nfsVolumes", "claimNames"] as const;

/** The outputs of the last deploy, by name (a missing one undefined: none on a first deploy), as what this program needs of them. */
export function previousDeployment(outputs: Partial<Record<(typeof previousOutputNames)[number], unknown>>): PreviousDeployment {
    const { namespace, nfsVolumes, claimNames } = outputs;
    const volumes = Object.fromEntries(
        Object.entries(isPlainObject(nfsVolumes) ? nfsVolumes : {}).filter(
            (entry): entry is [string, RecordedVolume] =>
                isPlainObject(entry[1]) && ["server", "path", "claimName"].every((field) => typeof (entry[1] as Record<string, unknown>)[field] === "string"),
        ),
    );
    const claims = Object.fromEntries(Object.entries(isPlainObject(claimNames) ? claimNames : {}).filter((entry): entry is [string, string] => typeof entry[1] === "string"));
    return {
        namespace: typeof namespace === "string" ? namespace : undefined,
        volumes,
        claimNames: claims,
    };
}

/**
 * Reads the stack's own outputs as its last deploy left them, through a StackReference to itself
 * (`<organization>/<project>/<stack>`; the DIY backend's organization is `organization`). A stack
 * that has not deployed has no outputs: a first deploy.
 *
 * A StackReference is a resource the engine reads (ReadResource), never creates, updates or
 * deletes: it lands in the state as an external read of the stack's last checkpoint, and nothing in
 * the cluster. It is read first, while that checkpoint still holds the last deploy's outputs (they
 * change only when a run ends); every resource the program manages is registered only after the
 * settings check that uses it, so a refused run registers none, and a failed run deletes nothing.
 * With the Pulumi Cloud backend it also records the stack as referencing itself.
 */
export async function readPreviousDeployment(): Promise<PreviousDeployment> {
    const self = new pulumi.StackReference("last-deploy", { name: `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}` });
    const details = await Promise.all(previousOutputNames.map(async (name) => [name, await self.getOutputDetails(name)] as const));
    return previousDeployment(Object.fromEntries(details.map(([name, detail]) => [name, detail.value ?? detail.secretValue])));
}
