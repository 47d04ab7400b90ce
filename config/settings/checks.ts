/**
 * Rules that span several settings. Each lives in the file of the setting it guards (nfs.ts,
 * database.ts, …); here they get what they look at, and run in one fixed order so that a run
 * reports every problem at once, always listed alike.
 */
import * as pulumi from "@pulumi/pulumi";
import { additionalVolumesProblems } from "./additionalVolumes";
import { appSecretsProblems } from "./appSecrets";
import { databaseProblems } from "./database";
import { directoryProblems } from "./directories";
import { httpSourcePortsProblems } from "./httpSourcePorts";
import { imagesProblems } from "./images";
import { exposureWarnings, ingressProblems } from "./ingress";
import { kafkaProblems } from "./kafka";
import { externalCidrsProblems, networkPoliciesWarnings, unusedExternalCidrs } from "./networkPolicies";
import { admissionPolicyProblems, nfsExportProblems, nfsMoveProblems } from "./nfs";
import type { PreviousDeployment } from "./previous";
import { type Problem, removeCommand, settingKey, valueAt } from "./problems";
import type { SecretKey, SettingPath, ValidPart } from "./schema";
import { passwordProblems } from "./secrets";
import { subscriptionProblems } from "./subscription";
import { tlsProblems } from "./tls";
import { zookeeperProblems } from "./zookeeper";

/** What a cross-setting rule sees, and where it reports. */
export interface CrossCheck {
    /** The settings, without the fields that failed their own rule (reported already). */
    settings: ValidPart;
    /** What the stack itself sets, before defaults. */
    given: Record<string, unknown>;
    /** The stack sets this field to something other than its declared default. */
    changed: (...settingPath: SettingPath) => boolean;
    secretValue: (key: SecretKey) => string | undefined;
    secretSet: (key: SecretKey) => boolean;
    /** A setting of the unused one of an in-cluster and an external dependency, which would be silently ignored. */
    unused: (settingPath: SettingPath, why: string) => void;
    /** What the stack's last deploy left: where its volumes were. */
    previous: PreviousDeployment;
    problems: Problem[];
    /**
     * Warns in every preview about a valid setting that leaves the deployment open:
     * `wso2-sp:<setting> <message>. Fix: <command>`, worded as the settings errors are.
     */
    warn: (settingPath: SettingPath, message: string, fix: string) => void;
}

/** Rules that span several settings; each looks only at settings that passed their own rule. */
export function crossChecks(
    settings: ValidPart,
    given: Record<string, unknown>,
    declared: Record<string, unknown>,
    secretValue: (key: SecretKey) => string | undefined,
    previous: PreviousDeployment,
): { problems: Problem[]; warnings: string[] } {
    const problems: Problem[] = [];
    const warnings: string[] = [];
    const check: CrossCheck = {
        settings,
        given,
        changed: (...settingPath) => {
            const value = valueAt(given, settingPath);
            return value !== undefined && JSON.stringify(value) !== JSON.stringify(valueAt(declared, settingPath));
        },
        secretValue,
        secretSet: (key) => secretValue(key) !== undefined,
        unused: (settingPath, why) =>
            problems.push({
                path: settingPath,
                message: `is ignored while ${why}; remove it (or switch ${why.split(" ")[0]} to false)`,
                fix: removeCommand(settingPath),
            }),
        previous,
        problems,
        warn: (settingPath, message, fix) => warnings.push(`${pulumi.getProject()}:${settingKey(settingPath)} ${message}. Fix: ${fix}`),
    };
    const claimExport = nfsExportProblems(check);
    additionalVolumesProblems(check, claimExport);
    nfsMoveProblems(check);
    admissionPolicyProblems(check);
    ingressProblems(check);
    exposureWarnings(check);
    passwordProblems(check);
    databaseProblems(check);
    kafkaProblems(check);
    zookeeperProblems(check);
    subscriptionProblems(check);
    externalCidrsProblems(check);
    tlsProblems(check);
    imagesProblems(check);
    appSecretsProblems(check);
    unusedExternalCidrs(check);
    networkPoliciesWarnings(check);
    httpSourcePortsProblems(check);
    directoryProblems(check);
    return { problems, warnings };
}
