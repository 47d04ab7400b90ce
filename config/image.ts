/**
 * The layout contract of the `wso2/wso2sp-*:4.4.0` images (docker-sp v4.4.0.1,
 * dockerfiles/ubuntu/base/Dockerfile and <profile>/init.sh; product-sp v4.4.0,
 * modules/distribution/carbon-home): where the product lives, who runs it, how a profile is
 * started and stopped. Everything the program mounts into an SP container is placed from here.
 * Described with its sources in docs/images.md and docs/startup.md.
 */

/** `wso2carbon:wso2`, the user and group of every SP image. */
export const spUserId = 802;

/**
 * Variables the image and its JDK base set, which the start scripts and the JVM rely on
 * (docs/images.md): no variable the program adds may take their names.
 */
export const imageEnvNames = ["WSO2_SERVER_HOME", "WORKING_DIRECTORY", "JAVA_HOME", "PATH", "HOME"] as const;

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
/** The key of that Secret NGINX verifies each node's certificate with (`proxy-ssl-secret`). */
export const tlsCaFile = "ca.crt";

/**
 * Where the CA bundles the stack trusts besides its own CA are mounted, one PEM file each; with own
 * TLS, start.sh builds the JVM-wide trust store from `tlsDir`'s truststore.jks and these alone.
 */
export const trustedCasDir = `${imageUserHome}/wso2sp-trusted-cas`;
/** The variable that tells start.sh where the CA bundles are. */
export const trustedCasVariable = "TRUSTED_CAS";

/** A PEM CA bundle, one key of a ConfigMap or Secret in the stack's namespace (`tls.trustedCaBundles`). */
export interface CaBundleRef {
    kind: "ConfigMap" | "Secret";
    name: string;
    /** The key that holds the PEM certificates. */
    key: string;
}

/** The file a CA bundle becomes under `trustedCasDir`; start.sh names its trust store entries after it. */
export function caBundleFile(bundle: CaBundleRef): string {
    return `${bundle.kind.toLowerCase()}-${bundle.name}-${bundle.key}`;
}

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
export const reservedMountRoots = [configVolumeRoot, overlayRoot, podScriptsDir, imageArtifactVolumeRoot, tlsDir, trustedCasDir] as const;

/** The mount path of an additional volume that overlays the product home. */
export function overlayMountPath(volumeName: string): string {
    return `${overlayRoot}/${volumeName}`;
}

/**
 * An image reference the kubelet pulls as written (distribution/reference grammar: lower-case
 * repository path, no empty segments), optionally tagged, optionally pinned by digest.
 */
export const imageReferencePattern =
    /^(?:(?<registry>[A-Za-z0-9](?:[-A-Za-z0-9]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[-A-Za-z0-9]*[A-Za-z0-9])?)*(?::\d{1,5})?)\/)?(?<repository>[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)(?::(?<tag>\w[\w.-]{0,127}))?(?:@(?<digest>sha256:[a-f0-9]{64}))?$/;

/**
 * Why `reference` is not an image pinned by digest (`name[:tag]@sha256:<64 lower-case hex>`), or
 * undefined when it is. A digest names one image for good: a tag can be moved to other content.
 */
export function pinnedImageProblem(reference: string): string | undefined {
    const at = reference.lastIndexOf("@");
    if (at === -1) {
        return "is not pinned by digest: write it as name@sha256:<64 hex digits> (docker buildx imagetools inspect <image> prints it)";
    }
    if (!/^sha256:[a-f0-9]{64}$/.test(reference.slice(at + 1))) {
        return "has a digest that is not sha256: followed by 64 lower-case hex digits";
    }
    if (!imageReferencePattern.test(reference)) {
        return "is not an image reference the kubelet can pull: lower-case repository path, no empty segments, then @sha256:<digest>";
    }
    return undefined;
}

/** The repositories of the SP images, one per profile (config/nodes.ts `imageName`). */
export const spImageNames = ["wso2sp-manager", "wso2sp-worker", "wso2sp-dashboard"] as const;
export type SpImageName = (typeof spImageNames)[number];

/** Why `reference` cannot pin the SP image `imageName`, or undefined: pinned, and of that repository. */
export function pinnedSpImageProblem(imageName: SpImageName, reference: string): string | undefined {
    const problem = pinnedImageProblem(reference);
    if (problem !== undefined) {
        return problem;
    }
    const repository = imageReferencePattern.exec(reference)?.groups?.repository ?? "";
    return repository === imageName || repository.endsWith(`/${imageName}`) ? undefined : `must be an image of the repository …/${imageName}, which its nodes run`;
}

/**
 * The image each SP node runs: the pinned reference given for its repository, else
 * `<registry>/<name>:<tag>`. One tag serves three images, so only a reference per image can pin them.
 */
export function spImage(registry: string, tag: string, pinned: Partial<Record<SpImageName, string>>): (imageName: string) => string {
    return (imageName) => pinned[imageName as SpImageName] ?? `${registry}/${imageName}:${tag}`;
}
