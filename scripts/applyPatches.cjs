// postinstall: applies patches/ with patch-package when it is installed. The patches only make the
// Pulumi SDK cheaper to start (tests/sdkPatch.test.ts, README "Performance"); a deployment behaves
// the same without them. patch-package is a dev dependency, so a production install
// (`npm ci --omit=dev`) has none: there the patches are skipped with a note instead of failing
// the install. Plain CommonJS, as nothing that compiles TypeScript is installed by then.
const { spawnSync } = require("child_process");
const path = require("path");

let manifest;
try {
    manifest = require.resolve("patch-package/package.json", { paths: [process.cwd()] });
} catch {
    process.stdout.write("postinstall: patch-package is not installed (a production install); patches/ not applied, the Pulumi SDK runs unpatched\n");
    process.exit(0);
}
const bin = path.join(path.dirname(manifest), require(manifest).bin);
const result = spawnSync(process.execPath, [bin, "--error-on-fail"], { stdio: "inherit" });
process.exit(result.status ?? 1);
