/**
 * A mocha root hook (.mocharc.cjs `require`): a test that passes without calling any function of
 * node:assert asserted nothing, so it could not fail; it fails instead, naming itself. Loaded
 * before the test files, it hands every `require("assert")`, `"assert/strict"` (and the `node:`
 * forms) a counting stand-in for the module.
 */
import Module = require("module");

let assertionsInTest = 0;

/** The functions of node:assert that check something (not AssertionError, CallTracker, strict). */
const assertionNames = new Set([
    "ok",
    "equal",
    "notEqual",
    "deepEqual",
    "notDeepEqual",
    "strictEqual",
    "notStrictEqual",
    "deepStrictEqual",
    "notDeepStrictEqual",
    "partialDeepStrictEqual",
    "throws",
    "doesNotThrow",
    "rejects",
    "doesNotReject",
    "match",
    "doesNotMatch",
    "ifError",
    "fail",
]);

type AssertModule = ((...args: unknown[]) => unknown) & Record<string | symbol, unknown>;

const counting = new Map<AssertModule, AssertModule>();

/** The module as a function that counts its calls and those of its assertion functions. */
function countingModule(original: AssertModule): AssertModule {
    let proxy = counting.get(original);
    if (proxy === undefined) {
        const wrapped = new Map<string | symbol, unknown>();
        proxy = new Proxy(original, {
            apply(target, thisArgument, args) {
                assertionsInTest++;
                return Reflect.apply(target, thisArgument, args);
            },
            get(target, key) {
                const value = Reflect.get(target, key);
                if (key === "strict" && typeof value === "function") {
                    return countingModule(value as AssertModule);
                }
                if (typeof key !== "string" || !assertionNames.has(key) || typeof value !== "function") {
                    return value;
                }
                if (!wrapped.has(key)) {
                    wrapped.set(key, (...args: unknown[]) => {
                        assertionsInTest++;
                        return Reflect.apply(value, target, args);
                    });
                }
                return wrapped.get(key);
            },
        });
        counting.set(original, proxy);
    }
    return proxy;
}

const assertModules = new Set(["assert", "node:assert", "assert/strict", "node:assert/strict"]);
const moduleLoader = Module as unknown as { _load: (this: unknown, request: string, ...rest: unknown[]) => unknown };
const load = moduleLoader._load;
moduleLoader._load = function (request: string, ...rest: unknown[]) {
    const loaded = load.call(this, request, ...rest);
    return assertModules.has(request) ? countingModule(loaded as AssertModule) : loaded;
};

export const mochaHooks = {
    beforeEach(): void {
        assertionsInTest = 0;
    },
    afterEach(this: Mocha.Context): void {
        const test = this.currentTest;
        if (test?.state === "passed" && assertionsInTest === 0) {
            throw new Error(`"${test.fullTitle()}" passed without asserting anything (node:assert): a test that cannot fail specifies nothing`);
        }
    },
};
