/** Rules of the secret settings (their values are never shown). */
import { passwordProblem, subscriptionPasswordProblem } from "../passwords";
import type { CrossCheck } from "./checks";

/** Each password must reach SP (or the registry) intact (config/passwords.ts). */
export function passwordProblems({ secretValue, problems }: CrossCheck): void {
    for (const key of ["databasePassword", "mysqlRootPassword", "adminPassword", "keystorePassword"] as const) {
        const value = secretValue(key);
        const problem = value === undefined ? undefined : passwordProblem(value);
        if (problem !== undefined) {
            problems.push({ path: [key], message: problem });
        }
    }
    const subscriptionPassword = secretValue("subscriptionPassword");
    const subscriptionProblem = subscriptionPassword === undefined ? undefined : subscriptionPasswordProblem(subscriptionPassword);
    if (subscriptionProblem !== undefined) {
        problems.push({ path: ["subscriptionPassword"], message: subscriptionProblem });
    }
}
