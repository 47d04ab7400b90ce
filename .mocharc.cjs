// Mocha's settings. The test files run in two workers, which mocha hands files in list order: the
// longest run first (longest-processing-time first), so that both workers finish about together;
// every other test file follows in name order. Naming test files on the command line
// (`npx mocha tests/x.test.ts`) runs only those. `npm test` sets a 64 MB young generation through
// NODE_OPTIONS (V8's 16 MB cost many more scavenges across hundreds of program runs); as a mocha
// node-option it made mocha start a second Node process before it could start the workers.
const fs = require("fs");
const path = require("path");

const longestFirst = ["siddhiApps", "trust", "userStacks", "dependencies", "program", "settings", "hardening", "nfsMoves", "schema", "render", "startup", "exposure", "networkPolicy"];
const rank = (file) => {
    const index = longestFirst.indexOf(path.basename(file, ".test.ts"));
    return index === -1 ? longestFirst.length : index;
};
const testFiles = fs
    .readdirSync(path.join(__dirname, "tests"), { recursive: true })
    .filter((file) => file.endsWith(".test.ts"))
    .map((file) => path.posix.join("tests", file.split(path.sep).join("/")))
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
const namedFiles = process.argv.slice(2).some((argument) => argument.endsWith(".test.ts"));

module.exports = {
    // everyTestAsserts: a test that passes without an assertion fails (tests/everyTestAsserts.ts).
    require: ["ts-node/register", "tests/everyTestAsserts.ts"],
    extension: ["ts"],
    ...(namedFiles ? {} : { spec: testFiles }),
    timeout: 60000,
    "fail-zero": true,
    parallel: true,
    jobs: 2,
};
