/**
 * Decrypts the `secure:` values of a stack that uses Pulumi's passphrase secrets provider, so the
 * offline renderer checks secret settings on their real values as `pulumi preview` does.
 *
 * The format is Pulumi's (pkg/secrets/passphrase and pkg/resource/config/crypt.go): the stack file's
 * `encryptionsalt: v1:<base64 salt>:v1:<nonce>:<ciphertext>` holds the salt and "pulumi" encrypted
 * (to check the passphrase); the key is PBKDF2-SHA256 of the passphrase, 1,000,000 iterations, 32
 * bytes; each value is `v1:<base64 nonce>:<base64 AES-256-GCM ciphertext and tag>`.
 */
import { createCipheriv, createDecipheriv, pbkdf2Sync, randomBytes } from "crypto";
import * as fs from "fs";
import { StackFile, StackFileError } from "../tests/harness";

/** The passphrase as Pulumi takes it: PULUMI_CONFIG_PASSPHRASE, else the file PULUMI_CONFIG_PASSPHRASE_FILE names. */
export function configPassphrase(environment: NodeJS.ProcessEnv = process.env): string | undefined {
    if (environment.PULUMI_CONFIG_PASSPHRASE !== undefined) {
        return environment.PULUMI_CONFIG_PASSPHRASE;
    }
    const file = environment.PULUMI_CONFIG_PASSPHRASE_FILE;
    return file ? fs.readFileSync(file, "utf8").replace(/\r?\n$/, "") : undefined;
}

const derivedKeys = new Map<string, Buffer>();

/** Pulumi's passphrase key: PBKDF2-SHA256 with a million rounds (half a second), once per passphrase and salt. */
export function keyFromPassphrase(passphrase: string, salt: Buffer): Buffer {
    const id = `${salt.toString("base64")}\0${passphrase}`;
    let key = derivedKeys.get(id);
    if (key === undefined) {
        key = pbkdf2Sync(passphrase, salt, 1_000_000, 32, "sha256");
        derivedKeys.set(id, key);
    }
    return key;
}

export function decryptValue(key: Buffer, ciphertext: string): string | undefined {
    const [version, nonce, sealed] = ciphertext.split(":");
    if (version !== "v1" || !nonce || !sealed) {
        return undefined;
    }
    try {
        const bytes = Buffer.from(sealed, "base64");
        const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(nonce, "base64"));
        decipher.setAuthTag(bytes.subarray(bytes.length - 16));
        return Buffer.concat([decipher.update(bytes.subarray(0, bytes.length - 16)), decipher.final()]).toString("utf8");
    } catch {
        return undefined;
    }
}

/** What `pulumi config set --secret` writes; the tests use it to make passphrase stacks. */
export function encryptValue(key: Buffer, plaintext: string): string {
    const nonce = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", key, nonce);
    const sealed = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
    return `v1:${nonce.toString("base64")}:${sealed.toString("base64")}`;
}

/**
 * The stack's secret settings in the clear. Throws a StackFileError for a wrong passphrase or a
 * value that was not encrypted for this stack (such as the placeholders of the example stacks).
 */
export function decryptStackSecrets(stack: string, file: StackFile, passphrase: string): Record<string, string> {
    const [version, salt, ...check] = (file.encryptionSalt ?? "").split(":");
    if (version !== "v1" || !salt) {
        throw new StackFileError(`Pulumi.${stack}.yaml has no passphrase salt (encryptionsalt:); its secrets belong to another secrets provider`);
    }
    const key = keyFromPassphrase(passphrase, Buffer.from(salt, "base64"));
    if (decryptValue(key, check.join(":")) !== "pulumi") {
        throw new StackFileError(`incorrect passphrase for stack ${stack}: set PULUMI_CONFIG_PASSPHRASE to the one the stack was created with`);
    }
    const values: Record<string, string> = {};
    for (const [name, ciphertext] of Object.entries(file.ciphertexts)) {
        const value = decryptValue(key, ciphertext);
        if (value === undefined) {
            throw new StackFileError(
                `Pulumi.${stack}.yaml: ${name} holds no value encrypted for this stack. Fix: pulumi config set --secret ${name} --stack ${stack}`,
            );
        }
        values[name] = value;
    }
    return values;
}
