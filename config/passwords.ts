/**
 * What a password must be to reach SP intact (docs/configuration.md, docs/security.md).
 *
 * SP reads `${DATABASE_PASSWORD}`, `${ADMIN_PASSWORD}` … from `conf/<profile>/deployment.yaml`
 * through carbon-config 2.1.x (wso2/carbon-config, ConfigurationUtils.getDeploymentConfigMap and
 * substituteVariables, called from provider/ConfigProviderImpl.getConfigurationObject): it parses the
 * file, re-dumps each top-level section with SnakeYAML (`dumpAsMap`, block style: the quotes of
 * `'${DATABASE_PASSWORD}'` are gone, the placeholder is a plain scalar), pastes the environment value
 * in as text with `Matcher.appendReplacement` (a `$` there is a group reference) and parses the result
 * again as YAML 1.1. A value survives that only when, written bare after `password: `, it reads back
 * as the same string. The rule below is a character-level sufficient condition for that, checked
 * against an emulation of the pipeline in tests/passwords.test.ts.
 */

/** Shorter passwords are refused outright. */
export const passwordMinLength = 12;

/** Punctuation that stays literal inside a plain YAML 1.1 block scalar (no `#`, `:`, quotes, `$`, `\`, `,[]{}`). */
export const passwordPunctuation = "-_.+=^~!%*@&()/;<>?|";

const allowed = new RegExp(`^[A-Za-z0-9${passwordPunctuation.replace(/[-\]\\^]/g, "\\$&")}]*$`);

/**
 * YAML 1.1 numbers a string of the allowed characters can still spell: ints (also 0x…, 0b…, octal,
 * with `_`) and floats (dots, an exponent with or without a dot, as SnakeYAML's resolver reads them).
 * SnakeYAML would hand SP a number instead of the text. Deliberately a little wider than YAML 1.1.
 */
const yaml11Number = /^[-+]?(0b[01_]+|0x[0-9a-fA-F_]+|[0-9_.]+([eE][-+]?[0-9]+)?)$/;

/**
 * Why `password` would not reach SP (or is too weak to accept); undefined when it is fine. The
 * message never repeats the password or a part of it.
 */
export function passwordProblem(password: string): string | undefined {
    if (password.length === 0) {
        return "is empty";
    }
    if (password.length < passwordMinLength) {
        return `has ${password.length} characters; it needs at least ${passwordMinLength}`;
    }
    if (!allowed.test(password)) {
        return (
            "holds a character SP's configuration reader changes or cuts off (a space, # : ' \" $ \\ , [ ] { } or a non-ASCII one); " +
            `use letters, digits and ${passwordPunctuation}`
        );
    }
    if (!/^[A-Za-z0-9]/.test(password)) {
        return "starts with punctuation, which SP's YAML reader takes for syntax; start it with a letter or a digit";
    }
    if (yaml11Number.test(password)) {
        return "reads as a number in SP's YAML (like 1234567890123, 0x1f2e3d4c5b6a or 1234.5e+10); add a letter such as g–z";
    }
    return undefined;
}

/**
 * Why a WSO2 subscription password cannot go into the registry credentials; undefined when fine.
 * It only reaches docker.wso2.com (base64 in the pull Secret), so WSO2's own rules apply otherwise.
 */
export function subscriptionPasswordProblem(password: string): string | undefined {
    if (password.length === 0) {
        return "is empty";
    }
    // A line break or control character would not survive `docker login`'s credential format.
    if (/\p{Cc}/u.test(password)) {
        return "holds a control character or line break";
    }
    return undefined;
}
