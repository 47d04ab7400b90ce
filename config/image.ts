/**
 * The layout contract of the `wso2/wso2sp-*:4.4.0` images (docker-sp v4.4.0.1,
 * dockerfiles/ubuntu/base/Dockerfile and <profile>/init.sh; product-sp v4.4.0,
 * modules/distribution/carbon-home): where the product lives, who runs it, how a profile is
 * started and stopped. Everything the program mounts into an SP container is placed from here.
 */

/** `wso2carbon:wso2`, the user and group of every SP image. */
export const spUserId = 802;

/** The image user's home (`WORKING_DIRECTORY`). */
export const imageUserHome = "/home/wso2carbon";

/** Product home (`WSO2_SERVER_HOME`, `CARBON_HOME`). */
export const productHome = `${imageUserHome}/wso2sp-4.4.0`;

/** Where the `confs/` ConfigMaps are mounted; copied over the product home first at start. */
export const configVolumeRoot = `${imageUserHome}/wso2-config-volume`;

/**
 * Where each additional volume without a `mountPath` is mounted, one directory per volume; they are
 * copied over the product home after `confs/`, in the order of `additionalVolumes`. (The image's own
 * init.sh knows only one such tree, `wso2-artifact-volume`, and stops on an empty one.)
 */
export const overlayRoot = `${imageUserHome}/wso2-overlays`;

/**
 * The image's own single overlay tree, which its init.sh copied over the product home. This program
 * starts SP itself (pod-scripts/start.sh) and does not use it: a volume mounted there would not be
 * copied, so stacks that named it are told to drop their mountPath instead.
 */
export const imageArtifactVolumeRoot = `${imageUserHome}/wso2-artifact-volume`;

/** Where the start, stop and wait scripts (pod-scripts/) are mounted. */
export const podScriptsDir = `${imageUserHome}/wso2sp-pod-scripts`;

/**
 * Where the stack's own keystore Secret (`tls.secretName`) is mounted: the listeners read
 * `keystore.jks` from there, and start.sh adds `truststore.jks` to the JVM-wide trust store.
 */
export const tlsDir = `${imageUserHome}/wso2sp-tls`;
/** The keys of that Secret the pods mount, as cert-manager's JKS keystore output names them. */
export const tlsFiles = ["keystore.jks", "truststore.jks"] as const;

/**
 * The keystore every SP listener uses unless the stack brings its own, and the JVM-wide stores that
 * runtime/<profile>/carbon.sh fixes after $JAVA_OPTS (product-sp v4.4.0):
 * `-Djavax.net.ssl.keyStore=$CARBON_HOME/resources/security/wso2carbon.jks`,
 * `-Djavax.net.ssl.trustStore=…/client-truststore.jks`, both with the password `wso2carbon`.
 */
export const defaultKeystoreFile = `${productHome}/resources/security/wso2carbon.jks`;

/**
 * Where both managers mount the shared NFS export of Siddhi apps: the manager's *runtime* repository,
 * where `PUT /siddhi-apps` saves `<name>.siddhi` (`-Dwso2.runtime.path` of runtime/manager/carbon.sh;
 * carbon-analytics `SiddhiAppFilesystemInvoker.getFilePathFromFilename`) and which the file deployer
 * scans, so REST-deployed apps outlive the pod and both managers see them (docs/siddhi-apps.md).
 * Up to this release the export was mounted at the server repository `deployment/siddhi-files/`,
 * where REST-deployed apps never landed; the export and its files stay the same.
 */
export const siddhiFilesMountPath = `${productHome}/wso2/manager/deployment/siddhi-files/`;

/**
 * Directories an additional volume must not be mounted at, above or inside: the program's own mounts
 * (and the product home must not be hidden either).
 */
export const reservedMountRoots = [configVolumeRoot, overlayRoot, podScriptsDir, imageArtifactVolumeRoot, tlsDir] as const;

/** The mount path of an additional volume that overlays the product home. */
export function overlayMountPath(volumeName: string): string {
    return `${overlayRoot}/${volumeName}`;
}
