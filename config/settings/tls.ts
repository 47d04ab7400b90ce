/** Cross-setting rules of `tls` (the stack's own keystores) and its `keystorePassword`. */
import { ownKeystoresVolumeName } from "../names";
import type { CrossCheck } from "./checks";

export function tlsProblems({ settings, secretSet, problems }: CrossCheck): void {
    const secretName = settings.tls?.secretName;
    // cert-manager locks its JKS output with one password; SP needs it to open the stores.
    if (secretName !== undefined && secretName !== "" && !secretSet("keystorePassword")) {
        problems.push({ path: ["keystorePassword"], message: "is required when tls.secretName is set" });
    }
    if (secretName === "" && secretSet("keystorePassword")) {
        problems.push({ path: ["tls", "secretName"], message: "is required when keystorePassword is set" });
    }
    (settings.additionalVolumes ?? []).forEach((volume, index) => {
        if (volume?.name === ownKeystoresVolumeName) {
            problems.push({ path: ["additionalVolumes", index, "name"], message: "is the pod volume of the own keystores (tls.secretName); choose another name" });
        }
    });
}
