/** Cross-setting rules of `tls` (the stack's own keystores) and its `keystorePassword`. */
import { ownKeystoresVolumeName } from "../names";
import type { CrossCheck } from "./checks";

export function tlsProblems({ settings, secretSet, problems, warn }: CrossCheck): void {
    const secretName = settings.tls?.secretName;
    if (secretName === "") {
        warn(
            ["tls", "secretName"],
            "is empty: every SP listener serves the product's default keystore (wso2carbon.jks), whose private key and password come with every " +
                "SP download, so anyone can impersonate these nodes. Bring your own (README, TLS)",
            "pulumi config set --path tls.secretName wso2sp-keystores && pulumi config set --secret keystorePassword",
        );
    }
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
