import { PolicyPack } from "@pulumi/policy";
import { policies } from "./rules";

new PolicyPack("wso2-sp", { policies });
