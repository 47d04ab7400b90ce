import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { projectDir } from "./harness";

/**
 * A copy of the project's confs/ in a temporary directory removed after the suite, named confs/
 * like the project's own, as errors show paths from that name on.
 */
export function copyOfConfs(): string {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), "wso2sp-"));
    const dir = path.join(parent, "confs");
    fs.cpSync(path.join(projectDir, "confs"), dir, { recursive: true });
    after(() => fs.rmSync(parent, { recursive: true, force: true }));
    return dir;
}
