/** Cross-setting rules of `tls` (the stack's own keystores, trusted CA bundles, host names) and its `keystorePassword`. */
import { caBundleFile } from "../image";
import { ownKeystoresVolumeName } from "../names";
import type { CrossCheck } from "./checks";
import { removeEntryCommand, setCommand, valueAt } from "./problems";

export function tlsProblems({ settings, given, secretSet, problems, warn }: CrossCheck): void {
    const secretName = settings.tls?.secretName;
    if (secretName === "") {
        warn(
            ["tls", "secretName"],
            "is empty: every SP listener serves the product's default keystore (wso2carbon.jks), whose private key and password come with every " +
                "SP download, so anyone can impersonate these nodes. Bring your own (README, TLS)",
            `${setCommand(["tls", "secretName"], "wso2sp-keystores")} && pulumi config set --secret keystorePassword`,
        );
    }
    if (secretName !== undefined && secretName !== "" && settings.tls?.hostnameVerification === false) {
        warn(
            ["tls", "hostnameVerification"],
            "is false: SP's HTTPS clients accept any certificate of your CA for any host, so one stolen node certificate stands in for " +
                "every node and receives the admin password with the next call. Once the certificate carries the names README, TLS lists",
            "pulumi config set --path tls.hostnameVerification true",
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

    const bundles = settings.tls?.trustedCaBundles ?? [];
    // Without own TLS material start.sh keeps the image's trust store and adds nothing to it.
    if (secretName === "" && bundles.length > 0) {
        problems.push({
            path: ["tls", "trustedCaBundles"],
            message: "is used only with the stack's own trust store (tls.secretName); without it SP keeps the image's bundled anchors and ignores these",
            fix: `${setCommand(["tls", "secretName"], "wso2sp-keystores")} && pulumi config set --secret keystorePassword`,
        });
    }
    // Each bundle is a file of one projected volume, named kind-name-key: two entries must not make one file.
    const files = new Map<string, number>();
    bundles.forEach((bundle, index) => {
        if (bundle?.kind === undefined || bundle.name === undefined || bundle.key === undefined) {
            return;
        }
        const file = caBundleFile({ kind: bundle.kind, name: bundle.name, key: bundle.key });
        const first = files.get(file);
        if (first !== undefined) {
            problems.push({
                path: ["tls", "trustedCaBundles", index],
                message: `is the bundle of tls.trustedCaBundles[${first}] already (both become the file ${file}); list each bundle once`,
                fix: removeEntryCommand(["tls", "trustedCaBundles"], valueAt(given, ["tls", "trustedCaBundles"]) as unknown[], index),
            });
        } else {
            files.set(file, index);
        }
    });

    // The image's wso2carbon certificate is issued to CN=localhost without subjectAltName (docs/security.md).
    if (secretName === "" && settings.tls?.hostnameVerification === true) {
        problems.push({
            path: ["tls", "hostnameVerification"],
            message: "needs the stack's own certificates (tls.secretName): the product's default one is issued to localhost only, so every call between SP nodes would fail",
            fix: `${setCommand(["tls", "secretName"], "wso2sp-keystores")} && pulumi config set --secret keystorePassword`,
        });
    }
}
