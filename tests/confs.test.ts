/**
 * confs/ is validated like the settings: every problem of the tree in one error, with short paths,
 * before any resource is registered.
 */
import { strict as assert } from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { registeredBeforeError, runFixture, setPath } from "./harness";
import { copyOfConfs } from "./temporaryFiles";


async function refusedConfs(confs: string): Promise<string> {
    const message = await runFixture("in-cluster", (config) => setPath(config, "confsDir", confs)).then(
        () => assert.fail("the configuration tree was accepted"),
        (thrown: Error) => thrown.message,
    );
    assert.deepEqual(registeredBeforeError().filter((resource) => resource.type.startsWith("kubernetes:")), [], "resources were registered before the error");
    assert.match(message, /^Invalid configuration files; nothing was deployed:/);
    assert.doesNotMatch(message, /\n\s+at |ENOENT|ELOOP|EISDIR/, "the error carries a stack trace or a system error");
    assert.ok(!message.includes(os.tmpdir()), `the error shows the long path:\n${message}`);
    return message;
}

describe("confs/: every file and directory is checked before anything is deployed", () => {
    it("a YAML file that does not parse is named with its line", async () => {
        const confs = copyOfConfs();
        fs.appendFileSync(path.join(confs, "manager/conf/manager/deployment.yaml"), "\nbroken: [unclosed\n");
        const message = await refusedConfs(confs);
        assert.match(message, /confs\/manager\/conf\/manager\/deployment\.yaml: line \d+: /);
    });

    it("a YAML file with a tab indentation is refused as SnakeYAML would", async () => {
        const confs = copyOfConfs();
        fs.writeFileSync(path.join(confs, "worker/conf/worker/extra.yml"), "a:\n\tb: 1\n");
        assert.match(await refusedConfs(confs), /confs\/worker\/conf\/worker\/extra\.yml: line 2: /);
    });

    it("a YAML file whose aliases expand without bound is refused with the reason, not a crash", async () => {
        const confs = copyOfConfs();
        const level = (name: string, item: string) => `${name}: &${name} [${Array(9).fill(item).join(", ")}]`;
        const laughs = [level("a", '"lol"'), level("b", "*a"), level("c", "*b"), level("d", "*c"), level("e", "*d")].join("\n");
        fs.writeFileSync(path.join(confs, "worker/conf/worker/laughs.yaml"), `${laughs}\n`);
        assert.match(await refusedConfs(confs), /confs\/worker\/conf\/worker\/laughs\.yaml: Excessive alias count/);
    });

    it("an empty YAML file is refused", async () => {
        const confs = copyOfConfs();
        fs.writeFileSync(path.join(confs, "dashboard/conf/dashboard/empty.yaml"), "# nothing yet\n");
        assert.match(await refusedConfs(confs), /confs\/dashboard\/conf\/dashboard\/empty\.yaml: is empty/);
    });

    it("a directory outside the node directories is refused, not ignored", async () => {
        const confs = copyOfConfs();
        fs.mkdirSync(path.join(confs, "receiver"));
        fs.writeFileSync(path.join(confs, "README.md"), "notes\n");
        const message = await refusedConfs(confs);
        assert.match(message, /confs\/receiver: only the node directories manager, worker, dashboard belong in confs\//);
        assert.match(message, /confs\/README\.md: only the node directories/);
    });

    it("a node directory that is a file is one clear error", async () => {
        const confs = copyOfConfs();
        fs.rmSync(path.join(confs, "dashboard"), { recursive: true });
        fs.writeFileSync(path.join(confs, "dashboard"), "oops\n");
        assert.match(await refusedConfs(confs), /confs\/dashboard is a file; it must be a directory that mirrors the dashboard's product home/);
    });

    it("a dangling symbolic link is named as such", async () => {
        const confs = copyOfConfs();
        fs.symlinkSync(path.join(confs, "no-such-file"), path.join(confs, "worker/conf/worker/log4j2.xml"));
        assert.match(await refusedConfs(confs), /confs\/worker\/conf\/worker\/log4j2\.xml is a symbolic link to nothing \(dangling\)/);
    });

    it("a symbolic link loop is named as such", async () => {
        const confs = copyOfConfs();
        fs.symlinkSync("b", path.join(confs, "manager/a"));
        fs.symlinkSync("a", path.join(confs, "manager/b"));
        assert.match(await refusedConfs(confs), /confs\/manager\/a is a symbolic link in a loop/);
    });

    it("a link to a directory that contains it is refused instead of followed forever", async () => {
        const confs = copyOfConfs();
        fs.symlinkSync("..", path.join(confs, "manager/conf/again"));
        assert.match(await refusedConfs(confs), /confs\/manager\/conf\/again is a symbolic link in a loop/);
    });

    it("a file name the API server refuses as a ConfigMap key (over 253 characters, trailing space) is refused", async () => {
        const confs = copyOfConfs();
        fs.writeFileSync(path.join(confs, "worker", `${"k".repeat(250)}.txt`), "x\n");
        fs.writeFileSync(path.join(confs, "worker", "notes.txt "), "x\n");
        const message = await refusedConfs(confs);
        assert.match(message, /confs\/worker\/k{250}\.txt: a ConfigMap key may hold only/);
        assert.match(message, /confs\/worker\/notes\.txt : a ConfigMap key may hold only/);
    });

    it("a directory name a mount path cannot carry is refused", async () => {
        const confs = copyOfConfs();
        fs.mkdirSync(path.join(confs, "worker/my lib "));
        fs.writeFileSync(path.join(confs, "worker/my lib /a.txt"), "x\n");
        assert.match(await refusedConfs(confs), /confs\/worker\/my lib \/: a directory of confs\/ becomes a mount path/);
    });

    it("every problem of the tree is listed in the one error", async () => {
        const confs = copyOfConfs();
        fs.writeFileSync(path.join(confs, "worker/conf/worker/empty.yaml"), "");
        fs.mkdirSync(path.join(confs, "gateway"));
        const message = await refusedConfs(confs);
        assert.match(message, /empty\.yaml: is empty/);
        assert.match(message, /confs\/gateway: only the node directories/);
    });
});
