/**
 * `parse(text)`, kept per text: the tests run the program hundreds of times in one process. Not under
 * mutation testing (`npm run mutate`): Stryker switches the code between the tests of one process, and
 * a value parsed under another mutant would hide what this one does. Callers must not change the value.
 */
export function parsedOnce<T>(cache: Map<string, T>, text: string, parse: (text: string) => T): T {
    // Stryker disable next-line ConditionalExpression,BlockStatement: the switch for Stryker itself; its mutants only decide whether a Stryker run caches, not what the program does.
    if ((globalThis as { __stryker__?: unknown }).__stryker__ !== undefined) {
        return parse(text);
    }
    // Stryker disable next-line all: not run under Stryker (above); every program run of `npm test` reads confs/ and Pulumi.yaml through it.
    if (!cache.has(text)) {
        cache.set(text, deepFreeze(parse(text)));
    }
    return cache.get(text) as T;
}

/** Frozen: a caller that changed a shared parse would change every later run's input. */
function deepFreeze<T>(value: T): T {
    if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
        Object.freeze(value);
        Object.values(value).forEach(deepFreeze);
    }
    return value;
}
