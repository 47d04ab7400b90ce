import { PolicyPack } from "@pulumi/policy";
import { policies, stackPolicies } from "./rules";

new PolicyPack("wso2-sp", { policies: [...policies, ...stackPolicies] });
