/** Temporary files for tests, each removed after the suite that made it. */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { projectDir } from "./harness";

/**
 * A temporary directory holding `files` (path relative to it → content), removed after the suite.
 * World-readable, so scripts run as another user (uid 802, as in the SP images) can enter it.
 */
export function directoryWith(files: Record<string, string | Buffer> = {}): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "wso2sp-"));
    fs.chmodSync(dir, 0o755);
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    for (const [name, content] of Object.entries(files)) {
        fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
        fs.writeFileSync(path.join(dir, name), content);
    }
    return dir;
}

/**
 * A copy of the project's confs/ in a temporary directory removed after the suite, named confs/
 * like the project's own, as errors show paths from that name on.
 */
export function copyOfConfs(): string {
    const dir = path.join(directoryWith(), "confs");
    fs.cpSync(path.join(projectDir, "confs"), dir, { recursive: true });
    return dir;
}

/** Writes a script the test runs, creating its directory. */
export function writeExecutable(file: string, text: string): void {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text, { mode: 0o755 });
}
