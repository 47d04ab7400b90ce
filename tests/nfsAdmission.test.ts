/**
 * The optional admission rule against inline NFS volumes (issue "Trust and exposure", item 5):
 * NFS AUTH_SYS trusts whatever uid a client claims, so a pod elsewhere that names an export inline
 * could read and write the stack's code and data.
 */
import { strict as assert } from "assert";
import * as path from "path";
import { objectsOfKind, ProgramRun, projectDir, runProgram } from "./harness";
import { schemaProblems } from "./kubernetesSchema";

const program = path.join(projectDir, "tests/programs/inlineNfsAdmission");

describe("admission rule against inline NFS volumes", () => {
    let run: ProgramRun;
    before(async () => {
        run = await runProgram({ args: { stackNamespace: "wso2-prod", exemptNamespaces: ["nfs-tools"] } }, { programFile: program });
    });

    it("is a ValidatingAdmissionPolicy with its binding that the Kubernetes schema accepts", () => {
        const objects = [...objectsOfKind(run, "ValidatingAdmissionPolicy"), ...objectsOfKind(run, "ValidatingAdmissionPolicyBinding")];
        assert.equal(objects.length, 2);
        assert.deepEqual(schemaProblems(objects), []);
    });

    it("denies pod creations and updates whose volumes include an inline nfs volume", () => {
        const [policy] = objectsOfKind(run, "ValidatingAdmissionPolicy");
        assert.deepEqual(policy.spec.matchConstraints.resourceRules, [{ apiGroups: [""], apiVersions: ["v1"], operations: ["CREATE", "UPDATE"], resources: ["pods"] }]);
        assert.equal(policy.spec.failurePolicy, "Fail");
        assert.deepEqual(
            policy.spec.validations.map((validation: any) => validation.expression),
            ["!has(object.spec.volumes) || object.spec.volumes.all(volume, !has(volume.nfs))"],
        );
        const [binding] = objectsOfKind(run, "ValidatingAdmissionPolicyBinding");
        assert.equal(binding.spec.policyName, policy.metadata.name);
        assert.deepEqual(binding.spec.validationActions, ["Deny"]);
    });

    it("applies in every namespace but the exempt ones, and is named after the stack's namespace so two stacks never share it", async () => {
        const [binding] = objectsOfKind(run, "ValidatingAdmissionPolicyBinding");
        assert.deepEqual(binding.spec.matchResources.namespaceSelector.matchExpressions, [{ key: "kubernetes.io/metadata.name", operator: "NotIn", values: ["nfs-tools"] }]);
        const everywhere = await runProgram({ args: { stackNamespace: "wso2" } }, { programFile: program });
        const [otherBinding] = objectsOfKind(everywhere, "ValidatingAdmissionPolicyBinding");
        assert.equal(otherBinding.spec.matchResources, undefined, "no exemption: every namespace");
        assert.notEqual(otherBinding.metadata.name, binding.metadata.name);
    });
});
