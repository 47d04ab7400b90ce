import { strict as assert } from "assert";
import { registeredBeforeError, runFixture, setPath, StackConfig } from "./harness";

/** Runs dev with a bad change; returns the error after checking nothing was registered before it. */
async function rejectedDev(change: (config: StackConfig) => void): Promise<string> {
    const error = await runFixture("in-cluster", change).then(
        () => assert.fail("the program accepted the bad setting"),
        (thrown: Error) => thrown,
    );
    const kubernetesObjects = registeredBeforeError().filter((resource) => !resource.type.startsWith("pulumi:"));
    assert.deepEqual(kubernetesObjects.map((resource) => resource.name), [], "resources were registered before the error");
    return error.message;
}

/** The one line of the error that speaks of `setting`. */
function lineFor(message: string, setting: string): string {
    const line = message.split("\n").find((text) => text.includes(`wso2-sp:${setting} `));
    assert.ok(line, `the error does not name wso2-sp:${setting}:\n${message}`);
    return line;
}

describe("bad stack settings are refused before anything is deployed", () => {
    it("a missing nfs.server names the setting and the command that sets it", async () => {
        const line = lineFor(await rejectedDev((config) => setPath(config, "nfs.server", undefined)), "nfs.server");
        assert.match(line, /not set/);
        assert.match(line, /pulumi config set --path nfs\.server 10\.0\.0\.9/);
    });

    it("a placeholder left in nfs.server is shown with the value and refused as neither address nor host name", async () => {
        const line = lineFor(await rejectedDev((config) => setPath(config, "nfs.server", "<NFS-Server-IP>")), "nfs.server");
        assert.match(line, /"<NFS-Server-IP>"/);
        assert.match(line, /IPv4 address, an IPv6 address or a DNS name/);
    });

    it("a relative nfs.siddhiFilesPath is refused as not absolute", async () => {
        const line = lineFor(await rejectedDev((config) => setPath(config, "nfs.siddhiFilesPath", "exports/siddhi")), "nfs.siddhiFilesPath");
        assert.match(line, /absolute path/);
        assert.match(line, /"exports\/siddhi"/);
        assert.match(line, /pulumi config set --path nfs\.siddhiFilesPath \//);
    });

    for (const workers of ["two", 0, 1, 1.5]) {
        it(`workers = ${JSON.stringify(workers)} is refused: the managers need two workers to deploy Siddhi apps`, async () => {
            const line = lineFor(await rejectedDev((config) => setPath(config, "workers", workers)), "workers");
            assert.match(line, new RegExp(JSON.stringify(workers).replace(".", "\\.")));
            assert.match(line, /integer of at least 2/);
            assert.match(line, /pulumi config set workers/);
        });
    }

    it("an unknown node in additionalVolumes names the entry and the allowed nodes", async () => {
        const line = lineFor(
            await rejectedDev((config) => setPath(config, "additionalVolumes[0].nodes", ["manager", "gateway"])),
            "additionalVolumes[0].nodes[1]",
        );
        assert.match(line, /"gateway"/);
        assert.match(line, /manager, worker, receiver, dashboard/);
        assert.match(line, /pulumi config set --path 'additionalVolumes\[0\]\.nodes\[0\]' manager/);
    });

    it("two additionalVolumes with one name are refused", async () => {
        const message = await rejectedDev((config) =>
            setPath(config, "additionalVolumes[1]", { name: "sp-extensions", path: "/exports/other", nodes: ["worker"] }),
        );
        assert.match(lineFor(message, "additionalVolumes[1].name"), /unique/);
    });

    it("a relative mountPath in additionalVolumes is refused", async () => {
        const line = lineFor(await rejectedDev((config) => setPath(config, "additionalVolumes[0].mountPath", "lib")), "additionalVolumes[0].mountPath");
        assert.match(line, /absolute path/);
        assert.match(line, /pulumi config rm --path 'additionalVolumes\[0\]\.mountPath'/);
    });

    it("two additionalVolumes mounted at one path of the same node are refused", async () => {
        const message = await rejectedDev((config) => {
            setPath(config, "additionalVolumes[0].mountPath", "/opt/extras");
            setPath(config, "additionalVolumes[1]", { name: "sp-more-extras", path: "/exports/more", mountPath: "/opt/extras", nodes: ["manager"] });
        });
        assert.match(lineFor(message, "additionalVolumes[1].mountPath"), /another volume is mounted on manager/);
    });

    it("SP never connects to the database as root", async () => {
        const line = lineFor(await rejectedDev((config) => setPath(config, "database.username", "root")), "database.username");
        assert.match(line, /must not be root/);
        assert.match(line, /pulumi config set --path database\.username wso2carbon/);
    });

    for (const [host, why] of [
        ["SP-Manager.example.com", "upper case"],
        ["sp.example.com.", "a trailing dot"],
        ["10.0.0.5", "an IP address"],
    ]) {
        it(`an ingress host with ${why} is refused before the API server would refuse the Ingress`, async () => {
            const line = lineFor(await rejectedDev((config) => setPath(config, "ingress.hosts.manager1", host)), "ingress.hosts.manager1");
            assert.match(line, /lower-case DNS name/);
        });
    }

    it("two ingresses with one host are refused", async () => {
        const line = lineFor(await rejectedDev((config) => setPath(config, "ingress.hosts.dashboard", "wso2sp-manager-1")), "ingress.hosts.dashboard");
        assert.match(line, /host of another ingress/);
    });

    for (const mountPath of [
        "/home/wso2carbon",
        "/home/wso2carbon/wso2sp-4.4.0",
        "/home/wso2carbon/wso2-config-volume/conf/manager",
        // The image's own overlay tree, which nothing copies any more: the entry must drop its mountPath.
        "/home/wso2carbon/wso2-artifact-volume",
    ]) {
        it(`an additional volume mounted at ${mountPath} is refused: it would hide the product or the confs/ mounts`, async () => {
            const line = lineFor(await rejectedDev((config) => setPath(config, "additionalVolumes[0].mountPath", mountPath)), "additionalVolumes[0].mountPath");
            assert.match(line, /would hide the product home or the program's own mounts/);
        });
    }

    it("an additional volume mounted over the managers' Siddhi files is refused", async () => {
        const message = await rejectedDev((config) =>
            setPath(config, "additionalVolumes[0].mountPath", "/home/wso2carbon/wso2sp-4.4.0/deployment/siddhi-files"),
        );
        assert.match(lineFor(message, "additionalVolumes[0].mountPath"), /another volume is mounted on manager/);
    });

    it("a mount path with .. segments is refused", async () => {
        const line = lineFor(await rejectedDev((config) => setPath(config, "additionalVolumes[0].mountPath", "/opt/../etc")), "additionalVolumes[0].mountPath");
        assert.match(line, /plain absolute path/);
    });

    it("the MySQL data and the Siddhi files on one export are refused", async () => {
        const line = lineFor(await rejectedDev((config) => setPath(config, "nfs.mysqlDataPath", "/exports/wso2sp/siddhi-files")), "nfs.mysqlDataPath");
        assert.match(line, /export of another volume/);
    });

    it("a password with $ is refused without being shown", async () => {
        const error = await runFixture("in-cluster", undefined, { adminPassword: "pa$$word" }).then(
            () => assert.fail("the program accepted the password"),
            (thrown: Error) => thrown,
        );
        const line = lineFor(error.message, "adminPassword");
        assert.match(line, /must not contain \$/);
        assert.ok(!error.message.includes("pa$$word"), "the error shows the password");
    });

    it("an IPv6 database host is refused: the JDBC URL would need brackets", async () => {
        const line = lineFor(
            await rejectedDev((config) => {
                setPath(config, "database.inCluster", false);
                setPath(config, "database.host", "fd00::10");
            }),
            "database.host",
        );
        assert.match(line, /DNS name or an IPv4 address/);
    });

    it("a missing confs directory is refused with the directory it looked for", async () => {
        const line = lineFor(await rejectedDev((config) => setPath(config, "confsDir", "no-such-confs")), "confsDir");
        assert.match(line, /no-such-confs, which is not a directory/);
    });

    it("a misspelt setting is refused instead of being ignored", async () => {
        const line = lineFor(await rejectedDev((config) => setPath(config, "worker", 3)), "worker");
        assert.match(line, /not a setting of this project/);
        assert.match(line, /pulumi config rm worker/);
    });

    it("a misspelt field of an object setting is named with the command that removes it", async () => {
        const line = lineFor(await rejectedDev((config) => setPath(config, "nfs.sever", "10.0.0.9")), "nfs.sever");
        assert.match(line, /not a setting of this project/);
        assert.match(line, /pulumi config rm --path nfs\.sever/);
    });

    it("every bad setting is listed in the one error", async () => {
        const message = await rejectedDev((config) => {
            setPath(config, "nfs.server", "not a host");
            setPath(config, "workers", 0);
        });
        lineFor(message, "nfs.server");
        lineFor(message, "workers");
    });
});
