/**
 * The password rule (config/passwords.ts) against an emulation of the pipeline that carries a
 * password from the pod's environment into SP's configuration (wso2/carbon-config 2.1.x):
 * ConfigurationUtils.getDeploymentConfigMap parses deployment.yaml and re-dumps each top-level
 * section with SnakeYAML's dumpAsMap (block style, quotes dropped); ConfigurationUtils
 * .substituteVariables pastes each `${NAME}` value in as text through Matcher.appendReplacement
 * (after doubling backslashes; a `$` in the value is a group reference and throws); SnakeYAML then
 * parses the section again, as YAML 1.1. The emulation uses the `yaml` package in YAML 1.1 mode for
 * both SnakeYAML steps and runs on the project's real confs/ files.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import fc from "fast-check";
import { parse, stringify } from "yaml";
import { passwordProblem, passwordPunctuation } from "../config/passwords";
import { projectDir, sharedFixture } from "./harness";

const workerConf = fs.readFileSync(path.join(projectDir, "confs/worker/conf/worker/deployment.yaml"), "utf8");
const managerConf = fs.readFileSync(path.join(projectDir, "confs/manager/conf/manager/deployment.yaml"), "utf8");

/** The sections of a deployment.yaml as getDeploymentConfigMap leaves them: key → re-dumped YAML text. */
function dumpedSections(text: string): Record<string, string> {
    const document = parse(text, { version: "1.1" }) as Record<string, unknown>;
    return Object.fromEntries(
        Object.entries(document)
            .filter(([, value]) => value !== null)
            .map(([key, value]) => [key, stringify(value, { version: "1.1", lineWidth: 0 })]),
    );
}

/** Java's Matcher.appendReplacement on substituteVariables' escaped value: `\x` is x, `$` a group reference. */
function appendReplacement(value: string): string {
    const escaped = value.replace(/\\/g, "\\\\");
    let result = "";
    for (let i = 0; i < escaped.length; i++) {
        if (escaped[i] === "\\") {
            result += escaped[++i] ?? "";
        } else if (escaped[i] === "$") {
            throw new Error("IllegalArgumentException: Illegal group reference");
        } else {
            result += escaped[i];
        }
    }
    return result;
}

/** One section after substitution and SnakeYAML's second parse; throws where SP would fail to start. */
function throughCarbonConfig(section: string, environment: Record<string, string>): unknown {
    const substituted = section.replace(/\$\{([^}]*)\}/g, (_, name: string) => appendReplacement(environment[name] ?? "placeholder"));
    return parse(substituted, { version: "1.1", logLevel: "error" });
}

const sections = { worker: dumpedSections(workerConf), manager: dumpedSections(managerConf) };

/** What SP reads as the database password (worker state datasource) and the admin password (manager link). */
function passwordsAsSpReadsThem(password: string): unknown[] {
    const environment = { DATABASE_PASSWORD: password, ADMIN_PASSWORD: password };
    const datasources = throughCarbonConfig(sections.worker["wso2.datasources"], environment) as { dataSources: { name: string; definition: any }[] };
    const state = datasources.dataSources.find((source) => source.name === "SP_WORKER_STATE_DB");
    const deployment = throughCarbonConfig(sections.worker["deployment.config"], environment) as { httpsInterface: { password: unknown } };
    const managerSources = throughCarbonConfig(sections.manager["wso2.datasources"], environment) as { dataSources: { name: string; definition: any }[] };
    const management = managerSources.dataSources.find((source) => source.name === "SP_MGT_DB");
    return [state?.definition.configuration.password, deployment.httpsInterface.password, management?.definition.configuration.password];
}

/** Whether SP gets exactly `password` everywhere it is used. */
function survives(password: string): boolean {
    try {
        return passwordsAsSpReadsThem(password).every((read) => read === password);
    } catch {
        return false;
    }
}

/** The same through the worker's small `deployment.config` section only: fast enough for hundreds of samples. */
function survivesQuick(password: string): boolean {
    try {
        const deployment = throughCarbonConfig(sections.worker["deployment.config"], { ADMIN_PASSWORD: password }) as { httpsInterface: { password: unknown } };
        return deployment.httpsInterface.password === password;
    } catch {
        return false;
    }
}

describe("passwords through SP's configuration pipeline (carbon-config emulation)", () => {
    it("the emulation sees the placeholders as SnakeYAML dumps them: bare, quotes gone", () => {
        assert.match(sections.worker["wso2.datasources"], /^\s+password: \$\{DATABASE_PASSWORD\}$/m);
        assert.match(sections.worker["deployment.config"], /^\s+password: \$\{ADMIN_PASSWORD\}$/m);
        assert.ok(survives("Plain-Password-123"));
    });

    it("reproduces the failures users meet: # cuts, ': ' and a leading @ break parsing, digits become a number, true a boolean, $ throws", () => {
        assert.deepEqual(passwordsAsSpReadsThem("abc #def")[0], "abc");
        assert.throws(() => passwordsAsSpReadsThem("a: b"));
        assert.throws(() => passwordsAsSpReadsThem("@x"));
        assert.equal(passwordsAsSpReadsThem("012345")[0], 5349); // YAML 1.1 octal
        assert.equal(passwordsAsSpReadsThem("123456789012")[0], 123456789012);
        assert.equal(passwordsAsSpReadsThem("true")[0], true);
        assert.throws(() => passwordsAsSpReadsThem("pa$1word"));
    });

    it("every password the rule accepts reaches SP unchanged (random passwords, rule-shaped and arbitrary)", () => {
        const letterOrDigit = fc.constantFrom(..."abcXYZ019".split(""));
        const allowedCharacter = fc.oneof(letterOrDigit, fc.constantFrom(...passwordPunctuation.split("")));
        const ruleShaped = fc
            .tuple(letterOrDigit, fc.string({ unit: allowedCharacter, minLength: 11, maxLength: 23 }))
            .map(([first, rest]) => first + rest);
        const anyText = fc.string({ unit: "binary-ascii", minLength: 0, maxLength: 20 });
        let accepted = 0;
        fc.assert(
            fc.property(fc.oneof(ruleShaped, anyText), (password) => {
                if (passwordProblem(password) === undefined) {
                    accepted++;
                    assert.ok(survivesQuick(password), `accepted ${JSON.stringify(password)}, but SP would read something else`);
                }
            }),
            { numRuns: 400 },
        );
        assert.ok(accepted > 100, `too few accepted samples to mean anything: ${accepted}`);
    });

    const refusedThatBreak: [string, string][] = [
        ["a space before #", "abcdef #ghijkl"],
        ["': '", "abcdef: ghijkl"],
        ["a trailing colon", "abcdefghijkl:"],
        ["a leading @", "@abcdefghijkl"],
        ["a leading quote", "'abcdefghijkl"],
        ["a leading *", "*abcdefghijkl"],
        ["a leading !", "!abcdefghijkl"],
        ["a leading %", "%abcdefghijkl"],
        ["$", "abcdef$1ghijk"],
        ["digits only", "012345678901"],
        ["hexadecimal", "0x1234abcdef99"],
        ["binary", "0b101010101010"],
        ["a float", "123456.789e+10"],
        ["a sign and digits", "+12345678901234"],
        ["underscored digits", "1_234_567_890"],
    ];
    for (const [what, password] of refusedThatBreak) {
        it(`a password with ${what} is refused, and SP would indeed not read it as written`, () => {
            assert.notEqual(passwordProblem(password), undefined);
            assert.equal(survives(password), false);
        });
    }

    it("empty and short passwords are refused though they would pass the pipeline", () => {
        assert.match(passwordProblem("") ?? "", /is empty/);
        assert.match(passwordProblem("Abcdef12345") ?? "", /has 11 characters; it needs at least 12/);
        assert.equal(passwordProblem("Abcdef123456"), undefined);
    });

    it("generated passwords (32 letters and digits, as the program asks random.RandomPassword) satisfy the rule unless spelled 0x… in hexadecimal", async () => {
        const run = await sharedFixture("in-cluster");
        const generators = run.resources.filter((resource) => resource.type === "random:index/randomPassword:RandomPassword");
        assert.ok(generators.length >= 3, "the in-cluster stack generates the admin, database and root passwords");
        for (const { inputs } of generators) {
            assert.equal(inputs.length, 32);
            assert.equal(inputs.special, false);
            assert.notEqual(inputs.upper, false);
            assert.notEqual(inputs.lower, false);
        }
        const alphanumeric = fc.string({ unit: fc.constantFrom(..."ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".split("")), minLength: 32, maxLength: 32 });
        fc.assert(
            fc.property(alphanumeric, (password) => {
                fc.pre(!/^0[xX]/.test(password));
                assert.equal(passwordProblem(password), undefined, password);
                assert.ok(survivesQuick(password));
            }),
            { numRuns: 200 },
        );
    });
});
