import * as appsv1 from "@pulumi/kubernetes/apps/v1";
import * as corev1 from "@pulumi/kubernetes/core/v1";
import * as networkingv1 from "@pulumi/kubernetes/networking/v1";
import type * as inputs from "@pulumi/kubernetes/types/input";
import * as pulumi from "@pulumi/pulumi";
import { appNames } from "../config/names";
import type { Dependency, SpNodeSpec } from "../config/nodes";
import { type CaBundleRef, caBundleFile, configVolumeRoot, podScriptsDir, spUserId, tlsCaFile, tlsDir, tlsFiles, trustedCasDir, trustedCasVariable } from "../config/image";
import { preflightJob } from "../kube/preflight";
import { containerSecurity, deploymentSpec, podSecurity, resources, rolloutTimeouts, statefulSetSpec, tcpProbes, workloadLabels } from "../kube/workloads";
import { ownKeystoresVolumeName } from "../config/names";
import type { ConfigMapMount } from "./confsConfigMaps";

/** An NFS claim as a pod mounts it. */
export interface ClaimMount {
    /** Pod volume name. */
    volumeName: string;
    /** Claim to mount. */
    claimName: pulumi.Input<string>;
    /** Absolute path in the container. */
    mountPath: string;
    /** Whether the start script copies the volume's content over the product home. */
    overlaysProductHome: boolean;
    /**
     * The NFS export behind the claim. Given, a preflight Job checks it as the SP user (an overlay
     * for reading, any other volume for writing) and the Deployment waits for that Job
     * (kube/preflight.ts).
     */
    nfs?: { server: string; path: string };
}

export interface SpNodeArgs {
    /** Namespace of every object of the node. */
    namespace: pulumi.Input<string>;
    /** What the node is: name, ports, env, replicas, dependencies (config/nodes.ts). */
    spec: SpNodeSpec;
    /** Full image reference, registry and tag included. */
    image: string;
    /** Memory request and limit of the SP container (a Kubernetes quantity). */
    memory: string;
    /** CPU request of the SP container; no CPU limit (kube/workloads.ts, `resources`). */
    cpu: string;
    /** Where the scheduler may put the pods (anti-affinity, spread over nodes; kube/placement.ts). */
    scheduling: Pick<inputs.core.v1.PodSpec, "affinity" | "topologySpreadConstraints">;
    /**
     * A workload this node's Deployment is changed only after: Pulumi finishes that one's update
     * (which waits for its pods to be ready) before it starts this one's.
     */
    rolloutAfter?: pulumi.Resource;
    /** ServiceAccount the pods run as. */
    serviceAccountName: pulumi.Input<string>;
    /** docker-registry Secret for the images, when they come from a private registry. */
    imagePullSecretName?: pulumi.Input<string>;
    /** The ConfigMap of `pod-scripts/` (start, stop, wait-for). */
    podScriptsConfigMapName: pulumi.Input<string>;
    /** ConfigMaps generated from `confs/<node>/`. */
    configMounts: ConfigMapMount[];
    /** NFS claims: the Siddhi files for managers, additional volumes (overlays in settings order). */
    claimMounts: ClaimMount[];
    /**
     * A keyed digest of the credentials the pods read at start: when a password changes, the pods
     * roll and every node picks up the new one at the same time.
     */
    credentialsDigest: pulumi.Input<string>;
    /** NGINX ingress for nodes with an ingress host. */
    ingress: {
        className: string;
        tlsSecretName: string;
        /** Client CIDRs the Ingress admits; empty admits every client. */
        sourceRanges: string[];
        /** What NGINX allows each client address: requests per second, the burst as a multiple of it, concurrent connections. */
        limits: { requestsPerSecond: number; burstMultiplier: number; connections: number };
    };
    /**
     * The stack's own keystore Secret (keystore.jks, truststore.jks, ca.crt): mounted read-only at
     * `tlsDir`, and NGINX verifies the node's certificate with its ca.crt. Unset: the image's default
     * keystore, which NGINX cannot verify.
     */
    tls?: {
        secretName: string;
        /**
         * CA bundles trusted besides the Secret's truststore.jks (an external database's CA, those of
         * endpoints the apps call): start.sh builds the JVM-wide trust store from these and the
         * Secret alone, without the image's bundled anchors.
         */
        trustedCaBundles?: CaBundleRef[];
    };
}

/** How long an SP JVM may take to open its HTTPS port before the kubelet restarts it. */
const startupSeconds = 300;

/**
 * Time the preStop hook (pod-scripts/stop.sh) has to stop the server before the kubelet kills it:
 * a worker persists its Siddhi state on the way down.
 */
const terminationGracePeriodSeconds = 120;

const podScriptsVolume = "pod-scripts";
const script = (file: string) => `${podScriptsDir}/${file}`;

/**
 * NGINX verifies the node's certificate against the ca.crt of the stack's keystore Secret, for the
 * name `<service>.<namespace>.svc`, which the certificate must therefore hold.
 */
function backendVerification(namespace: pulumi.Input<string>, secretName: string, serviceName: pulumi.Input<string>): Record<string, pulumi.Input<string>> {
    return {
        "nginx.ingress.kubernetes.io/proxy-ssl-verify": "on",
        // NGINX reads the CA from the Secret's `tlsCaFile` key.
        "nginx.ingress.kubernetes.io/proxy-ssl-secret": pulumi.interpolate`${namespace}/${secretName}`,
        "nginx.ingress.kubernetes.io/proxy-ssl-name": pulumi.interpolate`${serviceName}.${namespace}.svc`,
        "nginx.ingress.kubernetes.io/proxy-ssl-server-name": "on",
    };
}

/**
 * One SP node (manager, workers, receiver or dashboard): a Deployment (a StatefulSet for a node whose
 * pods register under names of their own), a headless Service named as the SP configuration
 * expects, and an NGINX Ingress when the node has a host. Every node of the pattern is this
 * component with other data.
 */
export class SpNode extends pulumi.ComponentResource {
    public readonly serviceName: pulumi.Output<string>;
    /** The node's Deployment or StatefulSet. */
    public readonly workload: appsv1.Deployment | appsv1.StatefulSet;
    /** Address the ingress controller publishes for this node's Ingress, when it has one. */
    public readonly ingressAddress?: pulumi.Output<string | undefined>;

    constructor(name: string, args: SpNodeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("wso2sp:sp:Node", name, {}, opts);

        const { spec } = args;
        const { selector, labels } = workloadLabels(appNames.sp, spec.name, spec.kind, args.image);

        const scriptsMount = { name: podScriptsVolume, mountPath: podScriptsDir, readOnly: true };
        const waitFor = (dependency: Dependency): inputs.core.v1.Container => ({
            name: `wait-for-${dependency.name}`,
            image: args.image,
            command: ["sh", script("wait-for.sh")],
            env: [
                { name: "DEPENDENCY", value: dependency.name },
                { name: "ADDRESSES", value: dependency.addresses.join(" ") },
            ],
            resources: resources("64Mi", "50m"),
            securityContext: { ...containerSecurity, readOnlyRootFilesystem: true },
            volumeMounts: [scriptsMount],
        });
        // confs/ first, then the overlay volumes in settings order: a later one wins.
        const overlays = [configVolumeRoot, ...args.claimMounts.filter((mount) => mount.overlaysProductHome).map((mount) => mount.mountPath)];

        // What the pods mount, checked before they start: each export as user 802, and the keys of the
        // keystore Secret that the pods (tlsFiles) and NGINX (ca.crt, for nodes with an Ingress) read.
        const preflightArgs = { namespace: args.namespace, workload: spec.name, image: args.image, userId: spUserId, imagePullSecretName: args.imagePullSecretName };
        const preflight = [
            ...args.claimMounts.flatMap(({ volumeName, claimName, nfs, overlaysProductHome }) =>
                nfs
                    ? [preflightJob(name, { ...preflightArgs, check: { volume: { name: volumeName, claimName, nfs, access: overlaysProductHome ? "read" : "write" } } }, { parent: this })]
                    : [],
            ),
            ...(args.tls
                ? [
                      preflightJob(
                          name,
                          { ...preflightArgs, check: { secret: { secretName: args.tls.secretName, keys: [...tlsFiles, ...(spec.ingressHost !== "" ? [tlsCaFile] : [])] } } },
                          { parent: this },
                      ),
                  ]
                : []),
        ];

        const tlsVolume = ownKeystoresVolumeName;
        const caBundles = args.tls?.trustedCaBundles ?? [];
        const caBundlesVolume = "trusted-cas";
        const pods = {
            replicas: spec.replicas,
            selector,
            labels,
            podAnnotations: { "wso2sp/credentials-digest": args.credentialsDigest },
            pod: {
                serviceAccountName: args.serviceAccountName,
                imagePullSecrets: args.imagePullSecretName ? [{ name: args.imagePullSecretName }] : undefined,
                securityContext: podSecurity(spUserId),
                terminationGracePeriodSeconds,
                ...args.scheduling,
                initContainers: spec.dependsOn.map(waitFor),
                containers: [
                    {
                        name: spec.name,
                        image: args.image,
                        command: ["sh", script("start.sh")],
                        args: overlays,
                        lifecycle: { preStop: { exec: { command: ["sh", script("stop.sh")] } } },
                        env: caBundles.length > 0 ? [...spec.env, { name: trustedCasVariable, value: trustedCasDir }] : spec.env,
                        ports: spec.listeners.map(({ name: portName, port }) => ({ name: portName, containerPort: port, protocol: "TCP" })),
                        resources: resources(args.memory, args.cpu),
                        ...tcpProbes(spec.nodePort, startupSeconds),
                        securityContext: containerSecurity,
                        volumeMounts: [
                            scriptsMount,
                            ...args.configMounts.map(({ volumeName, mountPath }) => ({ name: volumeName, mountPath })),
                            // An overlay is only copied from: read-only, so no node can plant code that
                            // every other node copies over its product home at its next start.
                            ...args.claimMounts.map(({ volumeName, mountPath, overlaysProductHome }) => ({
                                name: volumeName,
                                mountPath,
                                ...(overlaysProductHome ? { readOnly: true } : {}),
                            })),
                            ...(args.tls ? [{ name: tlsVolume, mountPath: tlsDir, readOnly: true }] : []),
                            ...(caBundles.length > 0 ? [{ name: caBundlesVolume, mountPath: trustedCasDir, readOnly: true }] : []),
                        ],
                    },
                ],
                volumes: [
                    { name: podScriptsVolume, configMap: { name: args.podScriptsConfigMapName, defaultMode: 0o555 } },
                    ...args.configMounts.map(({ volumeName, configMapName }) => ({ name: volumeName, configMap: { name: configMapName } })),
                    ...args.claimMounts.map(({ volumeName, claimName }) => ({ name: volumeName, persistentVolumeClaim: { claimName } })),
                    // Only the Java stores: the PEM key and certificates stay out of the container.
                    ...(args.tls
                        ? [{ name: tlsVolume, secret: { secretName: args.tls.secretName, defaultMode: 0o440, items: tlsFiles.map((file) => ({ key: file, path: file })) } }]
                        : []),
                    ...(caBundles.length > 0
                        ? [
                              {
                                  name: caBundlesVolume,
                                  projected: {
                                      defaultMode: 0o444,
                                      sources: caBundles.map((bundle) => {
                                          const items = [{ key: bundle.key, path: caBundleFile(bundle) }];
                                          return bundle.kind === "ConfigMap"
                                              ? { configMap: { name: bundle.name, items } }
                                              : { secret: { name: bundle.name, items } };
                                      }),
                                  },
                              },
                          ]
                        : []),
                ],
            },
        };
        const metadata = { name: spec.name, namespace: args.namespace, labels };
        const workloadOptions: pulumi.CustomResourceOptions = {
            parent: this,
            customTimeouts: rolloutTimeouts,
            dependsOn: [...(args.rolloutAfter ? [args.rolloutAfter] : []), ...preflight],
        };
        // Pods of a StatefulSet get hostname and subdomain, so the headless Service gives each the DNS
        // name it registers under. Parallel: they start and scale at once, as a Deployment's would.
        this.workload =
            spec.registeredAs === "pod"
                ? new appsv1.StatefulSet(name, { metadata, spec: statefulSetSpec({ ...pods, serviceName: spec.name, parallelStart: true }) }, workloadOptions)
                : new appsv1.Deployment(
                      name,
                      // A node with one identity must not run twice during a rollout.
                      { metadata, spec: deploymentSpec({ ...pods, singleton: spec.singleton }) },
                      workloadOptions,
                  );

        const service = new corev1.Service(
            name,
            {
                metadata: { name: spec.name, namespace: args.namespace, labels },
                spec: {
                    clusterIP: "None",
                    // The managers call a node by its registered name as soon as its first heartbeat
                    // arrives, which can be before its readiness probe passes.
                    publishNotReadyAddresses: spec.registeredAs !== undefined ? true : undefined,
                    selector,
                    ports: spec.listeners.map(({ name: portName, port }) => ({ name: portName, port, targetPort: port, protocol: "TCP" })),
                },
            },
            { parent: this },
        );
        this.serviceName = service.metadata.name;

        if (spec.ingressHost !== "") {
            const ingress = new networkingv1.Ingress(
                name,
                {
                    metadata: {
                        name: spec.name,
                        namespace: args.namespace,
                        labels,
                        annotations: {
                            // SP serves HTTPS itself; NGINX terminates the client's TLS and re-encrypts,
                            // which keeps cookie affinity possible (TLS passthrough would rule it out).
                            "nginx.ingress.kubernetes.io/backend-protocol": "HTTPS",
                            "nginx.ingress.kubernetes.io/affinity": "cookie",
                            "nginx.ingress.kubernetes.io/session-cookie-name": "route",
                            // Slows online guessing of the admin password (README, Exposure); NGINX answers 503 beyond.
                            "nginx.ingress.kubernetes.io/limit-rps": String(args.ingress.limits.requestsPerSecond),
                            "nginx.ingress.kubernetes.io/limit-burst-multiplier": String(args.ingress.limits.burstMultiplier),
                            "nginx.ingress.kubernetes.io/limit-connections": String(args.ingress.limits.connections),
                            ...(args.ingress.sourceRanges.length > 0
                                ? { "nginx.ingress.kubernetes.io/whitelist-source-range": args.ingress.sourceRanges.join(",") }
                                : {}),
                            ...(args.tls ? backendVerification(args.namespace, args.tls.secretName, service.metadata.name) : {}),
                        },
                    },
                    spec: {
                        ingressClassName: args.ingress.className,
                        tls: [{ hosts: [spec.ingressHost], secretName: args.ingress.tlsSecretName || undefined }],
                        rules: [
                            {
                                host: spec.ingressHost,
                                http: {
                                    paths: [
                                        {
                                            path: "/",
                                            pathType: "Prefix",
                                            backend: { service: { name: service.metadata.name, port: { number: spec.nodePort } } },
                                        },
                                    ],
                                },
                            },
                        ],
                    },
                },
                { parent: this },
            );
            this.ingressAddress = ingress.status.loadBalancer.ingress.apply((points) => points?.[0]?.ip ?? points?.[0]?.hostname);
        }

        this.registerOutputs({ serviceName: this.serviceName, ingressAddress: this.ingressAddress });
    }
}
