/** Cross-setting rules of a WSO2 subscription: its user name and password come together. */
import type { CrossCheck } from "./checks";

export function subscriptionProblems({ settings, secretSet, problems }: CrossCheck): void {
    if (settings.subscriptionUsername !== undefined && settings.subscriptionUsername !== "" && !secretSet("subscriptionPassword")) {
        problems.push({ path: ["subscriptionPassword"], message: "is required when subscriptionUsername is set" });
    }
    if (settings.subscriptionUsername === "" && secretSet("subscriptionPassword")) {
        problems.push({ path: ["subscriptionUsername"], message: "is required when subscriptionPassword is set" });
    }
}
