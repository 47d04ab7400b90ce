/**
 * Pinning images by digest (issue "Trust and exposure", item 6): a tag can be moved to other
 * content, a digest cannot; one `imageTag` serves three SP images, so each needs its own reference.
 */
import { strict as assert } from "assert";
import { pinnedImageProblem, pinnedSpImageProblem, spImage, spImageNames } from "../config/image";
import { sharedFixture, workloads } from "./harness";

const digest = `sha256:${"ab12".repeat(16)}`;

describe("images pinned by digest", () => {
    it("accepts name@sha256:<64 hex>, with or without registry and tag", () => {
        for (const reference of [`wso2/wso2sp-worker@${digest}`, `docker.wso2.com/wso2sp-worker:4.4.0@${digest}`, `registry.example.com:5000/mirror/mysql:5.7@${digest}`]) {
            assert.equal(pinnedImageProblem(reference), undefined, reference);
        }
    });

    it("refuses a tag alone, a short or upper-case digest, another algorithm and a malformed name, each saying why", () => {
        assert.match(pinnedImageProblem("wso2/wso2sp-worker:4.4.0") ?? "", /is not pinned by digest: write it as name@sha256:<64 hex digits>/);
        assert.match(pinnedImageProblem(`wso2/wso2sp-worker@${digest.slice(0, -1)}`) ?? "", /has a digest that is not sha256: followed by 64 lower-case hex digits/);
        assert.match(pinnedImageProblem(`wso2/wso2sp-worker@${digest.toUpperCase()}`) ?? "", /has a digest that is not sha256:/);
        assert.match(pinnedImageProblem(`wso2/wso2sp-worker@sha512:${"ab".repeat(64)}`) ?? "", /has a digest that is not sha256:/);
        assert.match(pinnedImageProblem(`WSO2/Worker@${digest}`) ?? "", /is not an image reference the kubelet can pull/);
    });

    it("an SP pin must be of the repository its nodes run", () => {
        assert.equal(pinnedSpImageProblem("wso2sp-manager", `docker.wso2.com/wso2sp-manager@${digest}`), undefined);
        assert.match(pinnedSpImageProblem("wso2sp-manager", `wso2/wso2sp-worker@${digest}`) ?? "", /must be an image of the repository …\/wso2sp-manager/);
    });

    it("each SP image runs its own pin where given and registry/name:tag otherwise; every node's image is one of the three", async () => {
        const image = spImage("wso2", "4.4.0", { "wso2sp-worker": `wso2/wso2sp-worker@${digest}` });
        assert.equal(image("wso2sp-worker"), `wso2/wso2sp-worker@${digest}`);
        assert.equal(image("wso2sp-manager"), "wso2/wso2sp-manager:4.4.0");
        const run = await sharedFixture("in-cluster");
        const spImages = workloads(run)
            .filter((deployment) => deployment.metadata.name.startsWith("wso2sp-"))
            .map((deployment) => /\/([^/:@]+)[:@][^/]*$/.exec(deployment.spec.template.spec.containers[0].image)?.[1]);
        assert.ok(spImages.length >= 5);
        assert.ok(spImages.every((name) => (spImageNames as readonly (string | undefined)[]).includes(name)), JSON.stringify(spImages));
    });
});
