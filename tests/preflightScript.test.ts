/**
 * pod-scripts/jobs/preflight.sh run for real on local directories, as uid 802 (the SP user), the way
 * a preflight Job runs it on a mounted NFS export: what it accepts, and the one message it gives
 * for each fault (README, Troubleshooting).
 */
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import * as fs from "fs";
import * as path from "path";
import { projectDir } from "./harness";
import { directoryWith } from "./temporaryFiles";

const script = path.join(projectDir, "pod-scripts", "jobs", "preflight.sh");
const execFileAsync = promisify(execFile);
const spUser = 802;
const exportName = "nfs.example:/exports/wso2sp/siddhi-files";

interface Result {
    code: number;
    stdout: string;
    terminationLog: string;
    seconds: number;
}

/** Runs the script as uid/gid `user` with no supplementary groups, its termination log in `logDir`. */
async function preflightAs(user: number, logDir: string, ...args: string[]): Promise<Result> {
    const terminationLog = path.join(logDir, `termination-log-${Math.random().toString(36).slice(2)}`);
    fs.writeFileSync(terminationLog, "");
    fs.chownSync(terminationLog, user, user);
    const started = process.hrtime.bigint();
    const argv = ["setpriv", `--reuid=${user}`, `--regid=${user}`, "--clear-groups", "sh", script, ...args];
    const { code, stdout } = await execFileAsync(argv[0], argv.slice(1), { env: { PATH: process.env.PATH, TERMINATION_LOG: terminationLog }, timeout: 10_000 }).then(
        ({ stdout: out }) => ({ code: 0, stdout: out }),
        (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
    );
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    return { code, stdout, terminationLog: fs.readFileSync(terminationLog, "utf8"), seconds };
}

const preflight = (logDir: string, ...args: string[]) => preflightAs(spUser, logDir, ...args);

/** A directory as an export would look when mounted: owner and mode given. */
function exportDir(parent: string, name: string, owner: number, mode: number): string {
    const dir = path.join(parent, name);
    fs.mkdirSync(dir);
    fs.chownSync(dir, owner, owner);
    fs.chmodSync(dir, mode);
    return dir;
}

/** One fault is reported as one message: on stdout and, the same, in the termination log. */
function assertOneMessage(result: Result): string {
    assert.equal(result.code, 1, result.stdout);
    const message = result.stdout.trimEnd();
    assert.equal(message.split("\n").length, 1, message);
    assert.equal(result.terminationLog, message);
    assert.ok(Buffer.byteLength(message) <= 4096);
    assert.ok(result.seconds < 2, `took ${result.seconds} s`);
    return message;
}

describe("preflight script (uid 802 on local directories)", function () {
    let root: string;
    before(function () {
        if (process.getuid?.() !== 0) {
            this.skip(); // Setting owners and running as 802 needs root, as in the dev container.
        }
        root = directoryWith();
    });

    it("accepts an export owned by 802:802 with mode 700: creates and removes a probe file within 2 s, leaving nothing behind", async () => {
        const dir = exportDir(root, "right", spUser, 0o700);
        const result = await preflight(root, "volume", "siddhi-files", exportName, dir, "write", "802:802", "700");
        assert.equal(result.code, 0, result.stdout);
        assert.match(result.stdout, /siddhi-files.*owner 802:802, mode 700; usable by uid 802 gid 802 for write/);
        assert.equal(result.terminationLog, "");
        assert.deepEqual(fs.readdirSync(dir), []);
        assert.ok(result.seconds < 2, `took ${result.seconds} s`);
    });

    it("refuses an export of the wrong owner, naming volume, server:path, what it found and the chown and chmod to run on the server", async () => {
        const dir = exportDir(root, "root-owned", 0, 0o755);
        const message = assertOneMessage(await preflight(root, "volume", "siddhi-files", exportName, dir, "write", "802:802", "700"));
        assert.match(message, /volume siddhi-files \(NFS nfs\.example:\/exports\/wso2sp\/siddhi-files/);
        assert.match(message, /found: owner 0:0, mode 755/);
        assert.match(message, /cannot create a file in it \(Permission denied\)/);
        assert.match(message, /run on the NFS server nfs\.example: sudo chown 802:802 \/exports\/wso2sp\/siddhi-files && sudo chmod 700 \/exports\/wso2sp\/siddhi-files\./);
    });

    it("refuses a usable export with a mode other than README's 700, asking only for the chmod", async () => {
        const dir = exportDir(root, "open", spUser, 0o777);
        const message = assertOneMessage(await preflight(root, "volume", "siddhi-files", exportName, dir, "write", "802:802", "700"));
        assert.match(message, /found: owner 802:802, mode 777\): mode is 777, not 700\. Fix: run on the NFS server nfs\.example: sudo chmod 700 \/exports\/wso2sp\/siddhi-files\.$/);
    });

    it("names an IPv6 NFS server whole in the commands to run on it", async () => {
        const dir = exportDir(root, "ipv6", 0, 0o700);
        const message = assertOneMessage(await preflight(root, "volume", "extensions", "fd00::5:/exports/extensions", dir, "read", "802:802", "700"));
        assert.match(message, /volume extensions \(NFS fd00::5:\/exports\/extensions, /);
        assert.match(message, /run on the NFS server fd00::5: sudo chown 802:802 \/exports\/extensions\.$/);
    });

    it("checks the MySQL data directory for its own owner (999) when run as 999", async () => {
        const dir = exportDir(root, "mysql", spUser, 0o700);
        const message = assertOneMessage(await preflightAs(999, root, "volume", "mysql-data", "nfs.example:/exports/mysql", dir, "write", "999:999", "700"));
        assert.match(message, /uid 999 gid 999 cannot create a file in it \(Permission denied\); owner is 802:802, not 999:999.*sudo chown 999:999 \/exports\/mysql\./);
    });

    it("on an export the server squashes to another user, asks for the anonuid README's exports use rather than dropping all_squash", async () => {
        // Owner and mode right, yet the user the server sees (here 803, as an anonuid of another owner would make it) cannot write.
        const dir = exportDir(root, "squashed", spUser, 0o700);
        const message = assertOneMessage(await preflightAs(803, root, "volume", "siddhi-files", exportName, dir, "write", "802:802", "700"));
        assert.match(message, /owner and mode are right, so the server maps the user to another/);
        assert.match(message, /all_squash,anonuid=802,anongid=802 for \/exports\/wso2sp\/siddhi-files in \/etc\/exports on nfs\.example/);
        assert.doesNotMatch(message, /drop all_squash/);
    });

    describe("on a read-only mount", () => {
        let readOnly: string;
        before(function () {
            readOnly = exportDir(root, "read-only", spUser, 0o700);
            fs.writeFileSync(path.join(readOnly, "lib.jar"), "");
            try {
                execFileSync("mount", ["--bind", "-o", "ro", readOnly, readOnly], { stdio: "pipe" });
            } catch (error) {
                // A container without CAP_SYS_ADMIN cannot bind-mount.
                console.log(`      skipped: mount --bind -o ro is not permitted here (${String(error).split("\n")[0]})`);
                this.skip();
            }
        });
        after(() => {
            if (readOnly && fs.readFileSync("/proc/mounts", "utf8").includes(` ${readOnly} `)) {
                execFileSync("umount", [readOnly]);
            }
        });

        it("refuses it for a volume that must be writable, telling to export it read-write", async () => {
            const message = assertOneMessage(await preflight(root, "volume", "libs", "10.0.0.5:/exports/libs", readOnly, "write", "802:802", "700"));
            assert.match(message, /found: owner 802:802, mode 700, mounted read-only\): uid 802 gid 802 cannot create a file in it \(Read-only file system\)/);
            assert.match(message, /export \/exports\/libs read-write \(rw, not ro, in \/etc\/exports on 10\.0\.0\.5; then sudo exportfs -ra\)\.$/);
        });

        it("accepts it for an overlay volume, which is only read", async () => {
            const result = await preflight(root, "volume", "libs", "10.0.0.5:/exports/libs", readOnly, "read", "802:802", "700");
            assert.equal(result.code, 0, result.stdout);
            assert.match(result.stdout, /mounted read-only; usable by uid 802 gid 802 for read/);
        });
    });

    it("refuses an overlay volume 802 cannot list", async () => {
        const dir = exportDir(root, "unreadable", 0, 0o700);
        const message = assertOneMessage(await preflight(root, "volume", "libs", "10.0.0.5:/exports/libs", dir, "read", "802:802", "700"));
        assert.match(message, /cannot list it \(Permission denied\); owner is 0:0, not 802:802\. Fix: run on the NFS server 10\.0\.0\.5: sudo chown 802:802 \/exports\/libs\.$/);
    });

    it("names the keys a TLS Secret lacks and the command that creates it with all of them", async () => {
        const dir = directoryWith({ "keystore.jks": "store" });
        const message = assertOneMessage(await preflight(root, "secret", "wso2sp-keystores", dir, "keystore.jks", "truststore.jks"));
        assert.match(message, /Secret wso2sp-keystores lacks truststore\.jks \(it holds only keystore\.jks\)/);
        assert.match(message, /kubectl create secret generic wso2sp-keystores --from-file=keystore\.jks --from-file=truststore\.jks\.$/);
    });

    it("tells a missing Secret (mounted optional, so empty) from one with keys", async () => {
        const message = assertOneMessage(await preflight(root, "secret", "wso2sp-keystores", directoryWith(), "keystore.jks"));
        assert.match(message, /lacks keystore\.jks \(it does not exist in this namespace or is empty\)/);
    });

    it("accepts a Secret with every key", async () => {
        const dir = directoryWith({ "keystore.jks": "a", "truststore.jks": "b" });
        const result = await preflight(root, "secret", "wso2sp-keystores", dir, "keystore.jks", "truststore.jks");
        assert.equal(result.code, 0, result.stdout);
    });

    it("keeps its message within 4 KB however long the names are", async () => {
        const dir = exportDir(root, "long", 0, 0o755);
        const longPath = `/exports/${"x".repeat(3000)}`;
        const message = assertOneMessage(await preflight(root, "volume", "siddhi-files", `nfs.example:${longPath}`, dir, "write", "802:802", "700"));
        assert.equal(Buffer.byteLength(message), 4096);
    });
});
