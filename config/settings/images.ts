/** Rules of `images`: each SP image pinned by digest, of the repository its nodes run. */
import { pinnedSpImageProblem } from "../image";
import type { CrossCheck } from "./checks";
import { removeCommand } from "./problems";

export function imagesProblems({ settings, problems }: CrossCheck): void {
    for (const profile of ["manager", "worker", "dashboard"] as const) {
        const reference = settings.images?.[profile];
        const problem = reference === undefined || reference === "" ? undefined : pinnedSpImageProblem(`wso2sp-${profile}`, reference);
        if (problem !== undefined) {
            // Back to the tag: a digest to paste comes from the registry (README, Pinning images by digest).
            problems.push({ path: ["images", profile], message: problem, fix: removeCommand(["images", profile]) });
        }
    }
}
