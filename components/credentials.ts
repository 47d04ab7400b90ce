import { createHmac } from "crypto";
import * as corev1 from "@pulumi/kubernetes/core/v1";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as names from "../config/names";

export interface CredentialsArgs {
    /** Namespace of the Secrets. */
    namespace: pulumi.Input<string>;
    /** The MySQL user's password from the stack; generated (and kept in the state) when absent. */
    databasePassword?: pulumi.Output<string>;
    /** The SP administrator's password from the stack; generated when absent. */
    adminPassword?: pulumi.Output<string>;
    /** Whether MySQL runs in the cluster: only then is there a root password to hand it. */
    mysqlInCluster: boolean;
    /** MySQL's root password from the stack; generated when absent and MySQL runs in the cluster. */
    mysqlRootPassword?: pulumi.Output<string>;
    /** The password of the stack's own keystores (`tls.secretName`); the image's built-in one when absent. */
    keystorePassword?: pulumi.Output<string>;
    /** A WSO2 subscription: its images are pulled from WSO2's registry with this account. */
    subscription?: { username: string; password: pulumi.Output<string> };
}

/**
 * The passwords SP, MySQL and the Siddhi apps job read, in one Secret, and the pull Secret of a
 * WSO2 subscription. Passwords the stack does not set are generated once and kept in its
 * (encrypted) state: they must outlive every update, because the retained MySQL data holds them.
 */
export class Credentials extends pulumi.ComponentResource {
    /** The credentials Secret's name; using it makes a workload wait for the Secret. */
    public readonly secretName: pulumi.Output<string>;
    /** The pull Secret's name, with a subscription. */
    public readonly pullSecretName?: pulumi.Output<string>;
    public readonly databasePassword: pulumi.Output<string>;
    public readonly adminPassword: pulumi.Output<string>;
    /** With MySQL in the cluster only. */
    public readonly mysqlRootPassword?: pulumi.Output<string>;
    /**
     * Changes whenever a password SP or MySQL reads changes (MySQL's root password included), so the
     * pods roll onto it. The pods' annotation is
     * readable with the `view` role: an HMAC under a random key kept in the stack's (encrypted)
     * state lets nobody test password guesses against it.
     */
    public readonly digest: pulumi.Output<string>;

    constructor(name: string, args: CredentialsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("wso2sp:security:Credentials", name, {}, opts);
        // These resources were the stack's own children before this component existed: the
        // aliases keep their URNs, so an update neither regenerates a password nor replaces a Secret.
        const child: pulumi.CustomResourceOptions = { parent: this, aliases: [{ parent: pulumi.rootStackResource }] };
        const generated = (passwordName: string) => new random.RandomPassword(passwordName, { length: 32, special: false }, child).result;

        this.databasePassword = args.databasePassword ?? generated("database-password");
        this.adminPassword = args.adminPassword ?? generated("admin-password");
        this.mysqlRootPassword = args.mysqlInCluster ? (args.mysqlRootPassword ?? generated("mysql-root-password")) : undefined;

        const secret = new corev1.Secret(
            "credentials",
            {
                metadata: { name: names.credentialsSecretName, namespace: args.namespace, labels: names.commonLabels },
                type: "Opaque",
                stringData: {
                    [names.credentialKeys.databasePassword]: this.databasePassword,
                    [names.credentialKeys.adminPassword]: this.adminPassword,
                    [names.credentialKeys.adminPasswordBase64]: this.adminPassword.apply((password) => Buffer.from(password).toString("base64")),
                    [names.credentialKeys.keystorePassword]: args.keystorePassword ?? names.imageBuiltInPassword,
                    [names.credentialKeys.truststorePassword]: names.imageBuiltInPassword,
                    [names.credentialKeys.embeddedDbPassword]: names.imageBuiltInPassword,
                    ...(this.mysqlRootPassword ? { [names.credentialKeys.mysqlRootPassword]: this.mysqlRootPassword } : {}),
                },
            },
            child,
        );
        this.secretName = secret.metadata.name;

        const digestKey = generated("credentials-digest-key");
        // MySQL's root password last and only when there is one: a stack with an external database
        // keeps the digest it had before the root password was covered.
        this.digest = pulumi
            .all([digestKey, this.databasePassword, this.adminPassword, args.keystorePassword ?? "", ...(this.mysqlRootPassword ? [this.mysqlRootPassword] : [])])
            .apply(([key, ...passwords]) => createHmac("sha256", key).update(JSON.stringify(passwords)).digest("hex").slice(0, 16));

        const subscription = args.subscription;
        if (subscription) {
            const pullSecret = new corev1.Secret(
                "pull-secret",
                {
                    metadata: { name: names.pullSecretName, namespace: args.namespace, labels: names.commonLabels },
                    type: "kubernetes.io/dockerconfigjson",
                    stringData: {
                        ".dockerconfigjson": subscription.password.apply((password) => {
                            const username = subscription.username;
                            const auth = Buffer.from(`${username}:${password}`).toString("base64");
                            return JSON.stringify({ auths: { [names.subscriptionRegistry]: { username, password, auth } } });
                        }),
                    },
                },
                child,
            );
            this.pullSecretName = pullSecret.metadata.name;
        }

        this.registerOutputs({ secretName: this.secretName, pullSecretName: this.pullSecretName, digest: this.digest });
    }
}
