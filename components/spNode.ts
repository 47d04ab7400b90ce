import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { Dependency, SpNodeSpec } from "../config/nodes";
import { spUserId } from "../config/image";
import { containerSecurity, deploymentSpec, memory, podSecurity, rolloutTimeouts, tcpProbes, workloadLabels } from "../config/workloads";
import type { ConfigMapMount } from "./confsConfigMaps";

/** An NFS claim as a pod mounts it. */
export interface ClaimMount {
    /** Pod volume name. */
    volumeName: string;
    /** Claim to mount. */
    claimName: pulumi.Input<string>;
    /** Absolute path in the container. */
    mountPath: string;
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
    /** ServiceAccount the pods run as. */
    serviceAccountName: pulumi.Input<string>;
    /** docker-registry Secret for the images, when they come from a private registry. */
    imagePullSecretName?: pulumi.Input<string>;
    /** ConfigMaps generated from `confs/<node>/`. */
    configMounts: ConfigMapMount[];
    /** NFS claims: the Siddhi files for managers, additional volumes. */
    claimMounts: ClaimMount[];
    /**
     * A digest of the credentials the pods read at start: when a password changes, the pods roll
     * and every node picks up the new one at the same time.
     */
    credentialsDigest: pulumi.Input<string>;
    /** NGINX ingress for nodes with an ingress host. */
    ingress: { className: string; tlsSecretName: string };
}

/** Readable names for the Service ports of the pattern. */
const portNames: Record<number, string> = {
    9090: "http",
    7070: "store-http",
    7443: "store-https",
    9611: "binary",
    9711: "binary-ssl",
    7611: "thrift",
    7711: "thrift-ssl",
};

/** How long an SP JVM may take to open its HTTPS port before the kubelet restarts it. */
const startupSeconds = 300;

/**
 * Waits for one dependency: a single bounded attempt per run. A failed init container is restarted
 * by the kubelet with exponential back-off, so no sleep loop is needed, and the pod's status and
 * log name the dependency it waits for.
 */
const waitScript = [
    'for address in $ADDRESSES; do',
    '  if nc -z -w 5 "${address%:*}" "${address##*:}"; then echo "$DEPENDENCY is reachable at $address"; exit 0; fi',
    "done",
    'echo "waiting for $DEPENDENCY: none of $ADDRESSES accepts connections yet; Kubernetes retries with back-off" >&2',
    "exit 1",
].join("\n");

/**
 * One SP node (manager, workers, receiver or dashboard): a Deployment, a headless Service named as
 * the SP configuration expects, and an NGINX Ingress when the node has a host. Every node of the
 * pattern is this component with other data.
 */
export class SpNode extends pulumi.ComponentResource {
    public readonly serviceName: pulumi.Output<string>;
    /** Address the ingress controller publishes for this node's Ingress, when it has one. */
    public readonly ingressAddress?: pulumi.Output<string | undefined>;

    constructor(name: string, args: SpNodeArgs, opts?: pulumi.ComponentResourceOptions) {
        super("wso2sp:sp:Node", name, {}, opts);

        const { spec } = args;
        const { selector, labels } = workloadLabels("wso2sp", spec.name, spec.kind, args.image);

        const waitFor = (dependency: Dependency): k8s.types.input.core.v1.Container => ({
            name: `wait-for-${dependency.name}`,
            image: args.image,
            command: ["sh", "-c", waitScript],
            env: [
                { name: "DEPENDENCY", value: dependency.name },
                { name: "ADDRESSES", value: dependency.addresses.join(" ") },
            ],
            resources: memory("64Mi"),
            securityContext: containerSecurity,
        });

        new k8s.apps.v1.Deployment(
            name,
            {
                metadata: { name: spec.name, namespace: args.namespace, labels },
                spec: deploymentSpec({
                    replicas: spec.replicas,
                    // A node with one identity must not run twice during a rollout.
                    singleton: spec.singleton,
                    selector,
                    labels,
                    podAnnotations: { "wso2sp/credentials-digest": args.credentialsDigest },
                    pod: {
                        serviceAccountName: args.serviceAccountName,
                        imagePullSecrets: args.imagePullSecretName ? [{ name: args.imagePullSecretName }] : undefined,
                        securityContext: podSecurity(spUserId),
                        initContainers: spec.dependsOn.map(waitFor),
                        containers: [
                            {
                                name: spec.name,
                                image: args.image,
                                env: spec.env,
                                ports: spec.containerPorts.map((containerPort) => ({ containerPort, protocol: "TCP" })),
                                resources: memory(args.memory),
                                ...tcpProbes(spec.nodePort, startupSeconds),
                                securityContext: containerSecurity,
                                volumeMounts: [...args.configMounts, ...args.claimMounts].map(({ volumeName, mountPath }) => ({ name: volumeName, mountPath })),
                            },
                        ],
                        volumes: [
                            ...args.configMounts.map(({ volumeName, configMapName }) => ({ name: volumeName, configMap: { name: configMapName } })),
                            ...args.claimMounts.map(({ volumeName, claimName }) => ({ name: volumeName, persistentVolumeClaim: { claimName } })),
                        ],
                    },
                }),
            },
            { parent: this, customTimeouts: rolloutTimeouts },
        );

        const service = new k8s.core.v1.Service(
            name,
            {
                metadata: { name: spec.name, namespace: args.namespace, labels },
                spec: {
                    clusterIP: "None",
                    selector,
                    ports: spec.servicePorts.map((port) => ({ name: portNames[port] ?? `https-${port}`, port, targetPort: port, protocol: "TCP" })),
                },
            },
            { parent: this },
        );
        this.serviceName = service.metadata.name;

        if (spec.ingressHost !== "") {
            const ingress = new k8s.networking.v1.Ingress(
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
