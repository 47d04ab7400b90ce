/** Rules of `confsDir` and `siddhiAppsDir`: directories of the project that must exist. */
import * as fs from "fs";
import * as path from "path";
import { confNodes, givenMinResourceCount, managerDeploymentYaml } from "../confs";
import type { CrossCheck } from "./checks";
import { type Problem, setCommand, shellWord } from "./problems";
import { projectDir } from "./project";

export function directoryProblems({ settings, problems }: CrossCheck): void {
    if (settings.confsDir !== undefined) {
        const dirProblems = confsDirProblems(settings.confsDir);
        problems.push(...dirProblems);
        if (dirProblems.length === 0) {
            problems.push(...minResourceCountProblems(settings.confsDir, settings.workers));
        }
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

/**
 * The leader manager deploys Siddhi apps once minResourceCount workers have joined, and SP reads it
 * as a Java int (docs/configuration.md): a whole number of at least 1, and no more than the workers.
 */
function minResourceCountProblems(confsDir: string, workers: number | undefined): Problem[] {
    const file = path.resolve(projectDir, confsDir, managerDeploymentYaml);
    const count = fs.existsSync(file) ? givenMinResourceCount(fs.readFileSync(file, "utf8")) : undefined;
    const shownFile = path.relative(projectDir, file);
    if (count === undefined) {
        return [];
    }
    if (typeof count !== "number" || count < 1) {
        return [
            {
                path: ["confsDir"],
                message: `has deployment.config.minResourceCount in ${shownFile} that is not a whole number of at least 1, which SP needs: the workers the leader manager waits for before it deploys Siddhi apps`,
                value: count,
                // perl's in-place edit behaves alike on Linux and macOS (sed -i does not).
                fix: `perl -pi -e 's/^(\\s*minResourceCount:).*/$1 2/' ${shellWord(shownFile)}`,
            },
        ];
    }
    if (workers !== undefined && workers < count) {
        return [
            {
                path: ["workers"],
                message: `must be at least ${count}, the managers' minResourceCount (${shownFile}): with fewer workers the leader never deploys the Siddhi apps, and the workers' disruption budget can never be met`,
                fix: setCommand(["workers"], String(count)),
            },
        ];
    }
    return [];
}

function isDirectory(dir: string): boolean {
    return fs.existsSync(dir) && fs.statSync(dir).isDirectory();
}
