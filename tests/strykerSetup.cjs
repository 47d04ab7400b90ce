// Loaded under `npm run mutate` only (stryker.config.mjs `mochaOptions.require`), after ts-node.
const fs = require("fs");
const path = require("path");
const Mocha = require("mocha");

// Mocha's bdd interface, with each suite's before and after hooks run around every test. Stryker
// credits a test with the code that ran during it (its beforeEach hooks included) and runs only
// those tests against a mutant; a program run made once in a suite's `before` would count for no
// test, so what only such runs reach would never be tested. Costs a program run per test.
const bdd = Mocha.interfaces.bdd;
Mocha.interfaces.bdd = function bddWithHooksPerTest(suite) {
    bdd(suite);
    suite.on(Mocha.Suite.constants.EVENT_FILE_PRE_REQUIRE, (context) => {
        context.before = context.beforeEach;
        context.after = context.afterEach;
    });
};

// Stryker's sandbox is a mkdtemp directory (mode 700): the tests that run pod-scripts/ as uid 802
// or 999 (setpriv) need to enter it, as they enter the project outside Stryker.
fs.chmodSync(path.join(__dirname, ".."), 0o755);

// Stryker links the project's node_modules into the sandbox only if it is a directory; in a worktree
// whose node_modules is a symlink, tests that load a package by its path under the project
// (tests/sdkPatch.test.ts) would find none. The sandbox is <project>/.stryker-tmp/sandbox-*.
const sandboxModules = path.join(__dirname, "..", "node_modules");
if (!fs.existsSync(sandboxModules)) {
    try {
        fs.symlinkSync(fs.realpathSync(path.join(__dirname, "..", "..", "..", "node_modules")), sandboxModules, "dir");
    } catch (error) {
        if (error.code !== "EEXIST") throw error; // The other test process linked it first.
    }
}

// The program's modules, loaded before any test: their module-level values are then Stryker's
// static mutants (ignoreStatic), not mutants credited to whichever test loaded them first, which
// runtime switching cannot reach (false survivors). index.ts runs the program and policy/index.ts
// the policy pack, so they are left out.
const projectDir = path.join(__dirname, "..");
for (const dir of ["config", "kube", "components", path.join("policy", "rules")]) {
    const files = fs.readdirSync(path.join(projectDir, dir), { recursive: true }).map(String);
    for (const file of files.filter((name) => name.endsWith(".ts")).sort()) {
        require(path.join(projectDir, dir, file));
    }
}
