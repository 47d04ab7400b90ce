/**
 * `npm run render` behaves like `pulumi preview` on a stack file: the same refusals, errors without
 * stack traces, secrets checked on their real values where they can be decrypted, and output where
 * the user asks for it, never over the golden manifests unless asked.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { main, readRendered } from "../scripts/render";
import { encryptValue, keyFromPassphrase } from "../scripts/stackSecrets";
import { freshStackFile, projectDir, readStackConfig, StackFileError } from "./harness";
import { directoryWith } from "./temporaryFiles";

/** Runs the command line, capturing what it prints. */
async function render(args: string[], dir: string): Promise<{ code: number; stdout: string; stderr: string }> {
    const out: string[] = [];
    const err: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    const error = console.error;
    process.stdout.write = ((chunk: string) => out.push(String(chunk)) > 0);
    console.error = (...parts: unknown[]) => err.push(parts.join(" "));
    try {
        const code = await main(args, dir);
        return { code, stdout: out.join(""), stderr: err.join("\n") };
    } finally {
        process.stdout.write = write;
        console.error = error;
    }
}

const devStack = fs.readFileSync(path.join(projectDir, "Pulumi.dev.yaml"), "utf8");

describe("npm run render: the offline preview", () => {
    it("prints every object to standard output, leaves rendered/ alone, passes other namespaces' settings and says when it cannot check secrets", async () => {
        const before = readRendered("dev");
        // kubernetes:context is the provider's, not the project's; the secret is not decryptable here.
        const stack = `${devStack.trimEnd()}\n  kubernetes:context: my-cluster\n  wso2-sp:adminPassword:\n    secure: v1:placeholder:not-decryptable\n`;
        const passphrase = process.env.PULUMI_CONFIG_PASSPHRASE;
        delete process.env.PULUMI_CONFIG_PASSPHRASE;
        try {
            const { code, stdout, stderr } = await render(["dev"], directoryWith({ "Pulumi.dev.yaml": stack }));
            assert.equal(code, 0, stderr);
            const documents = parseAllDocuments(stdout).map((document) => document.toJS());
            assert.equal(documents.length, before.size);
            assert.ok(documents.every((object) => typeof object.kind === "string" && typeof object.metadata?.name === "string"));
            assert.match(stderr, /secret settings of dev were not decrypted/);
            // The warnings pulumi preview would show, such as the product's default keystore.
            assert.match(stderr, /^warning: wso2-sp:tls\.secretName is empty: every SP listener serves the product's default keystore/m);
            assert.deepEqual(readRendered("dev"), before);
        } finally {
            if (passphrase !== undefined) {
                process.env.PULUMI_CONFIG_PASSPHRASE = passphrase;
            }
        }
    });

    it("writes one file per object to the directory given with --out", async () => {
        const out = path.join(directoryWith({}), "manifests");
        const { code } = await render(["dev", "--out", out], directoryWith({ "Pulumi.dev.yaml": devStack }));
        assert.equal(code, 0);
        assert.deepEqual(fs.readdirSync(out).sort(), [...readRendered("dev").keys()]);
    });

    it("reports a stack file's YAML error with file and line, without a stack trace", async () => {
        const { code, stderr } = await render(["broken"], directoryWith({ "Pulumi.broken.yaml": "config:\n  wso2-sp:workers: 2\n  wso2-sp:nfs: {server: [\n" }));
        assert.equal(code, 1);
        assert.match(stderr, /Pulumi\.broken\.yaml:\d+: /);
        assert.doesNotMatch(stderr, /\n\s+at /);
    });

    it("refuses a key without the project prefix, as Pulumi does", () => {
        const dir = directoryWith({ "Pulumi.bare.yaml": "config:\n  wso2-sp:workers: 2\n  nfs:\n    server: 10.0.0.9\n" });
        assert.throws(
            () => readStackConfig("bare", dir),
            (error: Error) =>
                error instanceof StackFileError && /Pulumi\.bare\.yaml:3: configuration key "nfs" has no namespace; Pulumi refuses it\. Write it as wso2-sp:nfs/.test(error.message),
        );
    });

    it("shows bad settings like pulumi preview: the message alone", async () => {
        const { code, stderr } = await render(["dev"], directoryWith({ "Pulumi.dev.yaml": devStack.replace("workers: 2", "workers: 1") }));
        assert.equal(code, 1);
        assert.match(stderr, /^Invalid stack settings; nothing was deployed:\n {2}- wso2-sp:workers /);
        assert.doesNotMatch(stderr, /\n\s+at /);
    });

    it("checks a user's fresh stack (pulumi stack init: no settings yet) with the settings error alone, exit 1", async () => {
        const { code, stdout, stderr } = await render(["mysp"], directoryWith({ "Pulumi.dev.yaml": devStack, "Pulumi.mysp.yaml": freshStackFile }));
        assert.equal(code, 1);
        assert.equal(stdout, "");
        assert.match(stderr, /^Invalid stack settings; nothing was deployed:\n {2}- wso2-sp:nfs must be set: .* Fix: pulumi config set --path nfs\.server /);
        assert.doesNotMatch(stderr, /\n\s+at /);
    });

    it("renders a user's complete stack like an example one, and keeps it out of the golden manifests", async () => {
        const dir = directoryWith({ "Pulumi.mysp.yaml": devStack });
        const rendered = await render(["mysp"], dir);
        assert.equal(rendered.code, 0, rendered.stderr);
        assert.equal(parseAllDocuments(rendered.stdout).length, readRendered("dev").size);

        const golden = await render(["mysp", "--golden"], dir);
        assert.equal(golden.code, 2);
        assert.match(golden.stderr, /^render: --golden writes the committed manifests of the example stacks \(dev, prod\) only; write mysp's elsewhere with --out <dir>/);
        assert.equal(fs.existsSync(path.join(projectDir, "rendered", "mysp")), false);
    });

    it("reports a setting that is no secret but stored encrypted (a field set with --path --secret) as such, never its placeholder", async () => {
        const stack = `${devStack.trimEnd()}\n  wso2-sp:imageRegistry:\n    secure: v1:placeholder:not-decryptable\n`.replace(
            /^( {4}server: ).*$/m,
            "$1\n      secure: v1:placeholder:not-decryptable",
        );
        const passphrase = process.env.PULUMI_CONFIG_PASSPHRASE;
        delete process.env.PULUMI_CONFIG_PASSPHRASE;
        const { code, stdout, stderr } = await render(["dev"], directoryWith({ "Pulumi.dev.yaml": stack })).finally(() => {
            if (passphrase !== undefined) {
                process.env.PULUMI_CONFIG_PASSPHRASE = passphrase;
            }
        });
        assert.equal(code, 1);
        assert.equal(stdout, "");
        assert.match(stderr, /wso2-sp:imageRegistry is stored encrypted \(--secret\) but is no secret: .* \(value not shown\)\. Fix: pulumi config set imageRegistry$/m);
        assert.match(stderr, /wso2-sp:nfs is stored encrypted .* \(value not shown\)\. Fix: pulumi config set --path nfs\.server && /m);
        assert.doesNotMatch(stderr, /REDACTED/);
    });

    it("checks secret settings on their real values when PULUMI_CONFIG_PASSPHRASE decrypts them", async () => {
        const salt = Buffer.from("0123456789abcdef");
        const key = keyFromPassphrase("correct horse", salt);
        const stack = [
            `encryptionsalt: v1:${salt.toString("base64")}:${encryptValue(key, "pulumi")}`,
            devStack.trimEnd(),
            `  wso2-sp:adminPassword:\n    secure: ${encryptValue(key, "short")}`,
            "",
        ].join("\n");
        const dir = directoryWith({ "Pulumi.secret.yaml": stack });
        const passphrase = process.env.PULUMI_CONFIG_PASSPHRASE;
        process.env.PULUMI_CONFIG_PASSPHRASE = "correct horse";
        try {
            const { code, stderr } = await render(["secret"], dir);
            assert.equal(code, 1);
            assert.match(stderr, /wso2-sp:adminPassword has 5 characters; it needs at least 12 \(value not shown\)/);
        } finally {
            if (passphrase === undefined) {
                delete process.env.PULUMI_CONFIG_PASSPHRASE;
            } else {
                process.env.PULUMI_CONFIG_PASSPHRASE = passphrase;
            }
        }
    });
});
