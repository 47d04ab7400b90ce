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

// The program's modules, loaded before any test: their module-level values are then Stryker's
// static mutants (ignoreStatic), not mutants credited to whichever test loaded them first, which
// runtime switching cannot reach (false survivors). index.ts runs the program, so it is left out.
const projectDir = path.join(__dirname, "..");
for (const dir of ["config", "kube", "components"]) {
    for (const file of fs.readdirSync(path.join(projectDir, dir)).filter((name) => name.endsWith(".ts"))) {
        require(path.join(projectDir, dir, file));
    }
}
require(path.join(projectDir, "policy", "rules.ts"));
