// @ts-check
/**
 * Mutation testing (`npm run mutate`): StrykerJS plants one-line defects (mutants) in the program
 * and counts those the behaviour tests catch. See README, "Mutation testing".
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
import fs from "fs";
import path from "path";

// Tests that compare with the committed manifests (rendered/) do not count: `npm run test:update`
// would bless whatever they catch. `npm test` runs them.
const goldenTests = ["tests/golden.test.ts"];
const behaviourTests = fs
    .readdirSync("tests", { recursive: true })
    .map((file) => path.posix.join("tests", String(file).split(path.sep).join("/")))
    .filter((file) => file.endsWith(".test.ts") && !goldenTests.includes(file))
    .sort();

export default {
    mutate: ["index.ts", "components/**/*.ts", "kube/**/*.ts", "config/**/*.ts", "policy/**/*.ts"],
    testRunner: "mocha",
    mochaOptions: {
        config: ".mocharc.cjs",
        spec: behaviourTests,
        // .mocharc.cjs's, and tests/strykerSetup.cjs: every test runs its suite's before hooks, so it
        // is credited with what they run, and the program's modules load before any test.
        require: ["ts-node/register", "tests/everyTestAsserts.ts", "tests/strykerSetup.cjs"],
    },
    // Which tests run each mutant: only those that ran its code.
    coverageAnalysis: "perTest",
    // Module-level values are built once per process; a mutant of one needs a fresh process per
    // mutant (hours here). Those that matter have behaviour tests of their own (README).
    ignoreStatic: true,
    // Two cores shared with other work: one test process unless `--concurrency 2` is given.
    concurrency: 1,
    // Program runs are slow under instrumentation; a mutant that loops is still caught.
    timeoutMS: 20000,
    incremental: true,
    incrementalFile: "reports/stryker-incremental.json",
    reporters: ["html", "json", "clear-text", "progress"],
    htmlReporter: { fileName: "reports/mutation/mutation.html" },
    jsonReporter: { fileName: "reports/mutation/mutation.json" },
    tempDirName: ".stryker-tmp",
    cleanTempDir: "always",
};
