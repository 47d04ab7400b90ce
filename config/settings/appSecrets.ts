/** Cross-setting rules of `appSecrets`: keys of a Secret as variables of the nodes that run apps. */
import { appSecretEnvProblems } from "../nodes";
import type { CrossCheck } from "./checks";
import { removeCommand, setCommand } from "./problems";

/** A Secret and its variables come together, and no variable takes the name of one the program sets. */
export function appSecretsProblems({ settings, problems }: CrossCheck): void {
    const appSecrets = settings.appSecrets;
    if (appSecrets?.variables === undefined) {
        return;
    }
    const variables = Object.fromEntries(Object.entries(appSecrets.variables).filter((entry): entry is [string, string] => entry[1] !== undefined));
    const count = Object.keys(variables).length;
    if (appSecrets.secretName === "" && count > 0) {
        problems.push({ path: ["appSecrets", "secretName"], message: "is required when appSecrets.variables maps variables: the Secret that holds their keys" });
    }
    if (appSecrets.secretName !== undefined && appSecrets.secretName !== "" && count === 0) {
        problems.push({
            path: ["appSecrets", "variables"],
            message: "maps no variable, so no key of appSecrets.secretName reaches the nodes; map one, such as SP_DATA_PASSWORD to the key password",
            fix: setCommand(["appSecrets", "variables", "SP_DATA_PASSWORD"], "password"),
        });
    }
    for (const { variable, message } of appSecretEnvProblems(variables)) {
        problems.push({ path: ["appSecrets", "variables", variable], message, fix: removeCommand(["appSecrets", "variables", variable]) });
    }
}
