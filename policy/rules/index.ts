/**
 * The policy pack's rules, grouped by what they protect: secrets (secrets.ts), who can reach the
 * pods (exposure.ts), what a container may do (privileges.ts), availability and data
 * (availability.ts), and pinned, still-served versions (versions.ts).
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { containerResourcesAndReadiness, disruptionBudgetForReplicatedWorkloads, persistentVolumeRetain } from "./availability";
import { networkPolicyCoverage } from "./exposure";
import { containersHardened, namespaceEnforcesRestricted, podsNotRoot } from "./privileges";
import { noLiteralPassword } from "./secrets";
import { noRemovedApiVersions, noUntaggedOrLatestImage } from "./versions";

/** Rules that need every resource of the stack at once. */
export const stackPolicies: StackValidationPolicy[] = [networkPolicyCoverage, disruptionBudgetForReplicatedWorkloads];

export const policies: ResourceValidationPolicy[] = [
    noUntaggedOrLatestImage,
    containerResourcesAndReadiness,
    persistentVolumeRetain,
    noLiteralPassword,
    noRemovedApiVersions,
    podsNotRoot,
    containersHardened,
    namespaceEnforcesRestricted,
];
