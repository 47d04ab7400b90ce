/**
 * The InlineNfsAdmission component alone, its arguments from the setting `args`: the stack creates
 * it only when a setting asks for it (tests/nfsAdmission.test.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import { InlineNfsAdmission, InlineNfsAdmissionArgs } from "../../components/nfsAdmission";

const admission = new InlineNfsAdmission("inline-nfs", new pulumi.Config().requireObject<InlineNfsAdmissionArgs>("args"));
export const policyName = admission.policyName;
