/** Rules of `confsDir` and `siddhiAppsDir`: directories of the project that must exist. */
import * as fs from "fs";
import * as path from "path";
import { confNodes } from "../confs";
import type { CrossCheck } from "./checks";
import { type Problem, setCommand } from "./problems";
import { projectDir } from "./project";

export function directoryProblems({ settings, problems }: CrossCheck): void {
    if (settings.confsDir !== undefined) {
        problems.push(...confsDirProblems(settings.confsDir));
    }
    if (settings.siddhiAppsDir !== undefined && !isDirectory(path.resolve(projectDir, settings.siddhiAppsDir))) {
        problems.push({ path: ["siddhiAppsDir"], message: `names ${settings.siddhiAppsDir}, which is not a directory` });
    }
}

/** A confs directory must exist and hold at least one node directory (manager, worker, dashboard). */
function confsDirProblems(confsDir: string): Problem[] {
    const dir = path.resolve(projectDir, confsDir);
    const fix = setCommand(["confsDir"], "confs");
    if (!isDirectory(dir)) {
        return [{ path: ["confsDir"], message: `names ${path.relative(projectDir, dir) || "."}, which is not a directory`, fix }];
    }
    if (!confNodes.some((node) => fs.existsSync(path.join(dir, node)))) {
        return [{ path: ["confsDir"], message: `holds none of the node directories ${confNodes.join(", ")}; SP would start with the image's stock configuration`, fix }];
    }
    return [];
}

function isDirectory(dir: string): boolean {
    return fs.existsSync(dir) && fs.statSync(dir).isDirectory();
}
