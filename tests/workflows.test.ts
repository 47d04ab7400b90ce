/**
 * The GitHub workflows hand a stack's credentials only to code that may hold them: a pull request
 * runs the branch's own code, so it previews the dev stack alone, and every secret of a
 * `production` job (prod's passphrase, kubeconfigs and backend) appears in `production` jobs
 * only, where GitHub's environment protection (deployment branch main, required reviewers)
 * decides what runs. Every third-party action is pinned by commit, so a moved tag cannot change
 * what runs with those secrets. Each rule is also run on a workflow that breaks it, so it can fail.
 */
import assert from "node:assert/strict";
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { projectDir } from "./harness";

interface YamlFile {
    /** Path from the project directory, for messages. */
    file: string;
    text: string;
    document: Record<string, any>;
}

function readYaml(file: string, text: string = fs.readFileSync(path.join(projectDir, file), "utf8")): YamlFile {
    return { file, text, document: parseYaml(text) as Record<string, any> };
}

const workflowDir = ".github/workflows";
const actionDir = ".github/actions";

const workflows = fs
    .readdirSync(path.join(projectDir, workflowDir))
    .filter((name) => /\.ya?ml$/.test(name))
    .map((name) => readYaml(`${workflowDir}/${name}`));
const localActions = fs
    .readdirSync(path.join(projectDir, actionDir))
    .map((name) => readYaml(`${actionDir}/${name}/action.yml`));

/** Every value of `key` anywhere in a YAML tree. */
function valuesOf(node: unknown, key: string): unknown[] {
    if (Array.isArray(node)) {
        return node.flatMap((item) => valuesOf(item, key));
    }
    if (node && typeof node === "object") {
        return Object.entries(node).flatMap(([name, value]) => [...(name === key ? [value] : []), ...valuesOf(value, key)]);
    }
    return [];
}

/** Every string in a YAML tree, keys included. */
function stringsOf(node: unknown): string[] {
    if (Array.isArray(node)) {
        return node.flatMap(stringsOf);
    }
    if (node && typeof node === "object") {
        return Object.entries(node).flatMap(([name, value]) => [name, ...stringsOf(value)]);
    }
    return typeof node === "string" || typeof node === "number" || typeof node === "boolean" ? [String(node)] : [];
}

/** The secrets a part of a workflow names (`secrets.NAME`, `secrets['NAME']`); GITHUB_TOKEN is the run's own. */
function secretsNamed(node: unknown): Set<string> {
    const names = stringsOf(node).flatMap((text) => [...text.matchAll(/secrets\s*(?:\.\s*([A-Za-z_]\w*)|\[\s*['"]([A-Za-z_]\w*)['"]\s*\])/g)]);
    return new Set(names.map((match) => match[1] ?? match[2]).filter((name) => name.toUpperCase() !== "GITHUB_TOKEN"));
}

function environmentOf(job: Record<string, any>): string | undefined {
    const environment = job.environment;
    return typeof environment === "string" ? environment : environment?.name;
}

interface Job {
    where: string;
    job: Record<string, any>;
    production: boolean;
}

function jobsOf(workflow: YamlFile): Job[] {
    return Object.entries(workflow.document.jobs ?? {}).map(([name, job]) => ({
        where: `${workflow.file} job ${name}`,
        job: job as Record<string, any>,
        production: environmentOf(job as Record<string, any>) === "production",
    }));
}

/** `uses:` that is neither a local action (`./…`) nor pinned by a full commit SHA with its tag in a comment. */
function unpinnedActions(file: YamlFile): string[] {
    const parsed = valuesOf(file.document, "uses").map(String);
    const lines = file.text.split("\n").flatMap((line) => {
        const match = /^\s*(?:-\s*)?uses:\s*(\S+)(.*)$/.exec(line);
        return match ? [{ uses: match[1], rest: match[2] }] : [];
    });
    const problems = parsed
        .filter((uses) => !lines.some((line) => line.uses === uses))
        .map((uses) => `${file.file}: uses ${uses} is not on a line of its own, so its pin comment cannot be checked`);
    for (const { uses, rest } of lines) {
        if (uses.startsWith("./")) {
            continue;
        }
        if (!/^[^@\s]+@[0-9a-f]{40}$/.test(uses)) {
            problems.push(`${file.file}: ${uses} is not pinned by a full commit SHA`);
        } else if (!/^\s+#\s*v\d+(\.\d+)*\s*$/.test(rest)) {
            problems.push(`${file.file}: ${uses} has no "# vX.Y.Z" comment naming the tag it pins`);
        }
    }
    return problems;
}

/** The secrets of the production jobs, and every place outside a production job that names one. */
function productionSecretLeaks(files: YamlFile[]): { productionSecrets: Set<string>; leaks: string[] } {
    const jobs = files.flatMap(jobsOf);
    const productionSecrets = new Set(jobs.filter((job) => job.production).flatMap((job) => [...secretsNamed(job.job)]));
    const outside = [
        ...jobs.filter((job) => !job.production).map((job) => ({ where: job.where, node: job.job })),
        ...files.map((file) => ({ where: `${file.file} outside its jobs`, node: { ...file.document, jobs: undefined } })),
    ];
    const leaks = outside.flatMap(({ where, node }) => {
        const named = [...secretsNamed(node)].filter((name) => productionSecrets.has(name));
        const inherits = valuesOf(node, "secrets").includes("inherit") ? ["secrets: inherit"] : [];
        return [...named, ...inherits].map((name) => `${where} names ${name}`);
    });
    return { productionSecrets, leaks };
}

/** Jobs that name the prod stack (stack-name, `--stack prod`, `-s prod`, a matrix entry). */
function prodStackMentions(workflow: YamlFile): string[] {
    return jobsOf(workflow).flatMap(({ where, job }) =>
        stringsOf(job)
            .filter((text) => text === "prod" || /(?:--stack|-s|stack select)[\s=]+prod\b/.test(text))
            .map((text) => `${where} names the prod stack (${JSON.stringify(text)})`),
    );
}

const triggers = (workflow: YamlFile): string[] => {
    const on = workflow.document.on;
    return typeof on === "string" ? [on] : Array.isArray(on) ? on.map(String) : Object.keys(on ?? {});
};

describe("GitHub workflows (.github/)", () => {
    it("are found: the workflows and the local actions they use", () => {
        assert.ok(workflows.length >= 2 && localActions.length >= 1, `${workflows.length} workflows, ${localActions.length} local actions`);
    });

    it("pin every third-party action by full commit SHA, its tag in a comment", () => {
        const pinned = [...workflows, ...localActions].flatMap((file) => valuesOf(file.document, "uses").map(String)).filter((uses) => !uses.startsWith("./"));
        assert.ok(pinned.length > 0);
        assert.deepEqual([...workflows, ...localActions].flatMap(unpinnedActions), []);
    });

    it("name the production secrets in production jobs only", () => {
        const { productionSecrets, leaks } = productionSecretLeaks([...workflows, ...localActions]);
        assert.ok(productionSecrets.has("PROD_PULUMI_CONFIG_PASSPHRASE") && productionSecrets.has("PROD_KUBECONFIG_VIEW"), [...productionSecrets].join(", "));
        assert.deepEqual(leaks, []);
        // Local actions get what they need as inputs from the job; naming a secret there would hide it from this check.
        assert.deepEqual(localActions.filter((action) => secretsNamed(action.document).size > 0).map((action) => action.file), []);
    });

    it("run every job that names the prod stack in the production environment", () => {
        const prodJobs = workflows.flatMap(jobsOf).filter(({ job }) => valuesOf(job, "stack-name").includes("prod"));
        assert.ok(prodJobs.length >= 2, "the prod preview and the prod update");
        assert.deepEqual(prodJobs.filter((job) => !job.production).map((job) => job.where), []);
    });

    it("preview only the dev stack for a pull request, never prod and never in the production environment", () => {
        const pullRequestWorkflows = workflows.filter((workflow) => triggers(workflow).some((trigger) => trigger.startsWith("pull_request")));
        assert.ok(pullRequestWorkflows.length > 0);
        for (const workflow of pullRequestWorkflows) {
            // pull_request_target would run with the repository's secrets for a fork's pull request.
            assert.deepEqual(triggers(workflow).filter((trigger) => trigger === "pull_request_target"), [], workflow.file);
            assert.deepEqual(prodStackMentions(workflow), []);
            assert.deepEqual(jobsOf(workflow).filter((job) => job.production).map((job) => job.where), []);
            assert.deepEqual(valuesOf(workflow.document, "stack-name"), ["dev"], workflow.file);
        }
    });

    it("audit the production dependencies on every run: npm audit --omit=dev --audit-level=high", () => {
        const commands = (file: YamlFile): string[] => {
            const local = valuesOf(file.document, "uses").map(String).filter((uses) => uses.startsWith("./"));
            const used = localActions.filter((action) => local.includes(`./${path.dirname(action.file)}`));
            return [...valuesOf(file.document, "run").map(String), ...used.flatMap(commands)];
        };
        for (const workflow of workflows) {
            assert.ok(commands(workflow).some((run) => /^npm audit --omit=dev --audit-level=high$/m.test(run)), workflow.file);
        }
    });

    describe("their rules catch a workflow that breaks them", () => {
        const leaky = readYaml(
            "leaky.yml",
            [
                "on: [pull_request]",
                "env:",
                "  KUBECONFIG_DATA: ${{ secrets['PROD_KUBECONFIG_DATA'] }}",
                "jobs:",
                "  preview:",
                "    strategy:",
                "      matrix:",
                "        stack: [dev, prod]",
                "    env:",
                "      PULUMI_CONFIG_PASSPHRASE: ${{ secrets.PROD_PULUMI_CONFIG_PASSPHRASE }}",
                "    steps:",
                "      - uses: actions/checkout@v4",
                "      - uses: actions/setup-node@49933ea5288caeca8642d1e84afbd3f7d6820020",
                "      - uses: pulumi/actions@8582a9e8cc630786854029b4e09281acd6794b58 # v6.6.1",
                "        with:",
                "          stack-name: ${{ matrix.stack }}",
                "      - run: pulumi preview --stack prod",
                "  deploy:",
                "    environment: {name: production}",
                "    steps:",
                "      - run: echo ${{ secrets.PROD_PULUMI_CONFIG_PASSPHRASE }} ${{ secrets.PROD_KUBECONFIG_DATA }}",
                "",
            ].join("\n"),
        );

        it("an action by tag, or by SHA without its tag", () => {
            assert.deepEqual(unpinnedActions(leaky), [
                "leaky.yml: actions/checkout@v4 is not pinned by a full commit SHA",
                'leaky.yml: actions/setup-node@49933ea5288caeca8642d1e84afbd3f7d6820020 has no "# vX.Y.Z" comment naming the tag it pins',
            ]);
        });

        it("a production secret in another job or in the workflow's env", () => {
            assert.deepEqual(productionSecretLeaks([leaky]).leaks.sort(), [
                "leaky.yml job preview names PROD_PULUMI_CONFIG_PASSPHRASE",
                "leaky.yml outside its jobs names PROD_KUBECONFIG_DATA",
            ]);
        });

        it("the prod stack named in a pull request's jobs", () => {
            assert.deepEqual(prodStackMentions(leaky), [
                'leaky.yml job preview names the prod stack ("prod")',
                'leaky.yml job preview names the prod stack ("pulumi preview --stack prod")',
            ]);
        });
    });
});
