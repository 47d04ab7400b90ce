/** Runs the policy pack's rules (policy/rules/) on plain resources, as `pulumi preview --policy-pack` would. */
import assert from "node:assert/strict";
import { PolicyResource, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import { policies, stackPolicies } from "../policy/rules";

/** Runs one policy against a resource given as a type token and plain inputs; returns the violation messages. */
export async function violations(policyName: string, type: string, props: Record<string, unknown>): Promise<string[]> {
    const policy = policies.find((p) => p.name === policyName);
    assert.ok(policy?.validateResource, `no resource policy named ${policyName}`);
    const unused = (): never => {
        throw new Error("not used by the wso2-sp policies");
    };
    const args: ResourceValidationArgs = {
        type,
        props,
        urn: `urn:pulumi:test::wso2-sp::${type}::under-test`,
        name: "under-test",
        opts: {
            protect: false,
            ignoreChanges: [],
            aliases: [],
            customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
            additionalSecretOutputs: [],
        },
        stackTags: new Map(),
        isType: unused,
        asType: unused,
        getConfig: unused,
        notApplicable: unused,
    };
    const found: string[] = [];
    const validations = Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
    for (const validate of validations) {
        await validate(args, (message) => found.push(message));
    }
    return found;
}

/** Runs one stack policy over resources given as type tokens and plain inputs; returns the violation messages. */
export async function stackViolations(policyName: string, resources: { type: string; props: Record<string, unknown>; name?: string }[]): Promise<string[]> {
    const policy = stackPolicies.find((p) => p.name === policyName);
    assert.ok(policy, `no stack policy named ${policyName}`);
    const unused = (): never => {
        throw new Error("not used by the wso2-sp policies");
    };
    const args: StackValidationArgs = {
        resources: resources.map(({ type, props, name = "under-test" }) => ({
            type,
            props,
            name,
            urn: `urn:pulumi:test::wso2-sp::${type}::${name}`,
            opts: {} as PolicyResource["opts"],
            dependencies: [],
            propertyDependencies: {},
            isType: unused,
            asType: unused,
        })),
        stackTags: new Map(),
        getConfig: unused,
        notApplicable: unused,
    };
    const found: string[] = [];
    await policy.validateStack(args, (message) => found.push(message));
    return found;
}
