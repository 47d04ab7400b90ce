/**
 * The in-cluster MySQL's start, against a real server: the init container's script
 * (pod-scripts/mysql/init-file.sh) writes the start-up SQL from the Secret's passwords and the
 * program's databases and grants (components/mysql.ts, config/mysql.ts), and mysqld runs it with
 * `--init-file`. The server is Debian's mariadb-server (`apt-get install mariadb-server`; .ci/run
 * installs it), started on a data directory initialised earlier with other passwords, as an
 * existing stack's is. Without it the suite is skipped locally and fails in CI.
 */
import assert from "node:assert/strict";
import { ChildProcess, execFile, spawn } from "node:child_process";
import { promisify } from "node:util";
import * as fs from "fs";
import * as path from "path";
import { adminSql } from "../components/mysql";
import { appDatabases, initFileScriptPath } from "../config/mysql";
import { databaseNames } from "../config/names";
import { projectDir } from "./harness";
import { directoryWith, writeExecutable } from "./temporaryFiles";

const run = promisify(execFile);
const username = "wso2carbon";
const oldPasswords = { root: "Old-Root-Password-1", app: "Old-App-Password-1" };
// Quotes, backslashes and a line break: each must reach MySQL as typed.
const newPasswords = { root: "Root'New\\Pass\"word\n2", app: "App'New\\Password-3" };

/** Runs the script as the init container does; resolves with its exit status and output. */
async function runInitFileScript(env: Record<string, string>): Promise<{ status: number; output: string }> {
    try {
        const { stdout, stderr } = await run("bash", [initFileScriptPath], { env: { PATH: process.env.PATH, ...env } });
        return { status: 0, output: stdout + stderr };
    } catch (error) {
        const failed = error as { code: number; stdout: string; stderr: string };
        return { status: failed.code, output: failed.stdout + failed.stderr };
    }
}

function scriptEnv(dir: string, dataDir: string) {
    const adminSqlFile = path.join(dir, "admin.sql");
    fs.writeFileSync(adminSqlFile, adminSql(username, appDatabases));
    return {
        DATA_DIR: dataDir,
        INIT_FILE: path.join(dir, "init.sql"),
        ADMIN_SQL: adminSqlFile,
        APP_USER: username,
        APP_PASSWORD: newPasswords.app,
        ROOT_PASSWORD: newPasswords.root,
    };
}

/** A mariadbd on a data directory, reachable only over a socket in `dir`. */
class LocalServer {
    private process?: ChildProcess;
    readonly socket: string;
    readonly log: string;

    constructor(
        private readonly dir: string,
        private readonly dataDir: string,
    ) {
        this.socket = path.join(dir, "mysqld.sock");
        this.log = path.join(dir, "mysqld.log");
    }

    async start(initFile: string): Promise<void> {
        const args = [
            "--no-defaults",
            "--user=root",
            `--datadir=${this.dataDir}`,
            `--socket=${this.socket}`,
            "--skip-networking",
            `--pid-file=${path.join(this.dir, "mysqld.pid")}`,
            `--log-error=${this.log}`,
            "--innodb-buffer-pool-size=16M",
            `--init-file=${initFile}`,
        ];
        const server = spawn("mariadbd", args, { stdio: "ignore" });
        this.process = server;
        const exited = new Promise<never>((_, reject) => server.once("exit", (code) => reject(new Error(`mariadbd exited (${code}): ${fs.readFileSync(this.log, "utf8")}`))));
        // Up once it answers a ping (access denied counts): the socket exists before the init file has run.
        const started = (async () => {
            while (server.exitCode === null && !(await run("mariadb-admin", ["--no-defaults", `--socket=${this.socket}`, "--connect-timeout=1", "ping"]).then(() => true, () => false))) {
                await new Promise((resolve) => setTimeout(resolve, 50));
            }
        })();
        await Promise.race([started, exited]);
    }

    /** Runs SQL as `user`; rejects when the login or the statement fails. */
    async query(user: string, password: string, sql: string): Promise<string> {
        const { stdout } = await run("mariadb", ["--no-defaults", `--socket=${this.socket}`, `--user=${user}`, `--password=${password}`, "--batch", "--skip-column-names", "-e", sql]);
        return stdout;
    }

    /** Stops the server as the kubelet does (SIGTERM: a clean shutdown), and waits until it has. */
    async stop(): Promise<void> {
        const server = this.process;
        if (server === undefined || server.exitCode !== null) {
            return;
        }
        const exited = new Promise((resolve) => server.once("exit", resolve));
        server.kill("SIGTERM");
        await exited;
    }
}

/** A temporary directory in memory where there is one: InnoDB's syncs make the suite 5× slower on disk. */
function memoryDirectory(): string {
    const memory = "/dev/shm";
    if (!fs.existsSync(memory)) {
        return directoryWith();
    }
    const dir = fs.mkdtempSync(path.join(memory, "wso2sp-mysql-"));
    after(() => fs.rmSync(dir, { recursive: true, force: true }));
    return dir;
}

function haveMariaDb(): boolean {
    const dirs = (process.env.PATH ?? "").split(path.delimiter);
    return ["mariadbd", "mariadb-install-db", "mariadb"].every((tool) => dirs.some((dir) => fs.existsSync(path.join(dir, tool))));
}

describe("MySQL start: an existing data directory gets the Secret's passwords, the databases and grants (mariadb-server)", function () {
    let dir: string;
    let server: LocalServer;
    let scriptOutput: string;

    before(async function () {
        if (!haveMariaDb()) {
            if (process.env.CI) {
                throw new Error("mariadb-server is not installed; CI must install it (see .ci/run)");
            }
            console.warn("    skipped: mariadb-server is not installed (apt-get install -y mariadb-server)");
            this.skip();
        }
        dir = memoryDirectory();
        const dataDir = path.join(dir, "data");
        await run("mariadb-install-db", ["--no-defaults", "--user=root", `--datadir=${dataDir}`, "--auth-root-authentication-method=normal", "--skip-test-db", "--skip-name-resolve"]);
        // As an earlier version left it: the image's root@'%', and the old passwords.
        const oldState = path.join(dir, "old.sql");
        fs.writeFileSync(
            oldState,
            [
                `CREATE USER 'root'@'%' IDENTIFIED BY '${oldPasswords.root}';`,
                `ALTER USER 'root'@'localhost' IDENTIFIED BY '${oldPasswords.root}';`,
                `CREATE USER '${username}'@'%' IDENTIFIED BY '${oldPasswords.app}';`,
                "",
            ].join("\n"),
        );
        server = new LocalServer(dir, dataDir);
        await server.start(oldState);
        await server.stop();

        const env = scriptEnv(dir, dataDir);
        const result = await runInitFileScript(env);
        scriptOutput = result.output;
        assert.equal(result.status, 0, result.output);
        await server.start(env.INIT_FILE);
    });

    after(async () => {
        await server?.stop();
    });

    it("the application user logs in with the Secret's password, and no longer with the old one", async () => {
        assert.equal((await server.query(username, newPasswords.app, "SELECT CURRENT_USER()")).trim(), `${username}@%`);
        await assert.rejects(server.query(username, oldPasswords.app, "SELECT 1"), /Access denied/);
    });

    it("root logs in over the local socket with the Secret's root password, and exists for localhost only", async () => {
        const hosts = await server.query("root", newPasswords.root, "SELECT host FROM mysql.user WHERE user = 'root'");
        assert.deepEqual(hosts.trim().split("\n"), ["localhost"]);
        await assert.rejects(server.query("root", oldPasswords.root, "SELECT 1"), /Access denied/);
    });

    it("every database confs/ points SP at exists, and the application user holds its grants on each", async () => {
        // The databases of the JDBC URLs in confs/, whatever the program's own list says.
        const confFiles = fs.readdirSync(path.join(projectDir, "confs"), { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile());
        const named = new Set(
            confFiles.flatMap((entry) => [...fs.readFileSync(path.join(entry.parentPath, entry.name), "utf8").matchAll(/jdbc:mysql:\/\/[^/'"\s]+\/(\w+)/g)].map((match) => match[1])),
        );
        assert.ok(named.size >= 2, [...named].join(", "));
        const seen = await server.query(username, newPasswords.app, "SHOW DATABASES");
        const grants = await server.query(username, newPasswords.app, "SHOW GRANTS");
        for (const name of named) {
            assert.ok(seen.split("\n").includes(name), `${name}, named in confs/, is not created: ${seen}`);
        }
        for (const { name, privileges } of appDatabases) {
            assert.ok(seen.split("\n").includes(name), `${name} missing: ${seen}`);
            assert.match(grants, new RegExp(`GRANT ${privileges.join(", ")} ON \`${name}\`\\.\\* TO`), grants);
            await server.query(username, newPasswords.app, `CREATE TABLE \`${name}\`.probe (id INT); INSERT INTO \`${name}\`.probe VALUES (1); SELECT id FROM \`${name}\`.probe`);
        }
    });

    it("in the dashboard's databases the application user creates tables, a foreign key in the status dashboard's, and reads and writes rows, as the components do at start (docs/dashboard.md)", async () => {
        const statements = (database: string, foreignKey: boolean) => {
            const table = (name: string) => `\`${database}\`.${name}`;
            return [
                `CREATE TABLE ${table("nodes_probe")} (ID VARCHAR(255) NOT NULL, CONTENT LONGBLOB, PRIMARY KEY (ID))`,
                ...(foreignKey ? [`CREATE TABLE ${table("details_probe")} (ID VARCHAR(255), FOREIGN KEY (ID) REFERENCES ${table("nodes_probe")}(ID))`] : []),
                `INSERT INTO ${table("nodes_probe")} VALUES ('worker-1', 'a')`,
                `UPDATE ${table("nodes_probe")} SET CONTENT = 'b' WHERE ID = 'worker-1'`,
                `SELECT CONTENT FROM ${table("nodes_probe")}`,
                `DELETE FROM ${table("nodes_probe")} WHERE ID = 'worker-1'`,
            ].join("; ");
        };
        // MariaDB does not check REFERENCES for a foreign key, which MySQL's manual says it takes:
        // that grant is asserted on the admin SQL (tests/dependencies.test.ts).
        const dashboardDatabases = [databaseNames.statusDashboard, databaseNames.businessRules, databaseNames.permissions, databaseNames.portal];
        for (const database of dashboardDatabases) {
            assert.ok(appDatabases.some(({ name }) => name === database), `${database} is not created`);
            await server.query(username, newPasswords.app, statements(database, database === databaseNames.statusDashboard));
        }
    });

    it("a restarted mysqld in the same pod runs the same file again and serves as before", async () => {
        await server.stop();
        await server.start(path.join(dir, "init.sql"));
        assert.equal((await server.query(username, newPasswords.app, "SELECT CURRENT_USER()")).trim(), `${username}@%`);
        assert.equal((await server.query("root", newPasswords.root, "SELECT COUNT(*) FROM mysql.user WHERE user = 'root'")).trim(), "1");
    });

    it("no password reaches the script's output or mysqld's log", () => {
        const logs = scriptOutput + fs.readFileSync(server.log, "utf8");
        for (const password of [...Object.values(newPasswords), ...Object.values(oldPasswords)]) {
            assert.ok(!logs.includes(password), "a password is in the logs");
        }
    });
});

describe("MySQL start: an empty data directory", () => {
    it("is refused, naming the export, on a stack whose MySQL was initialised before; no SQL is written", async () => {
        const dir = directoryWith({ "data/.keep": "" });
        const env = { ...scriptEnv(dir, path.join(dir, "data")), INITIALISED_EXPORT: "10.0.0.9:/exports/wso2sp/mysql" };
        const result = await runInitFileScript(env);
        assert.notEqual(result.status, 0);
        assert.match(result.output, /NFS export 10\.0\.0\.9:\/exports\/wso2sp\/mysql, holds no database/);
        assert.ok(!fs.existsSync(env.INIT_FILE));
    });

    it("is initialised by mysqld on a first start, before the SQL for the start is written", async () => {
        const dir = directoryWith();
        // A stand-in mysqld that records how it was called and initialises as the real one does.
        writeExecutable(path.join(dir, "bin/mysqld"), `#!/bin/sh\necho "$@" > "${dir}/mysqld-args"\nmkdir "${dir}/data/mysql"\n`);
        fs.mkdirSync(path.join(dir, "data"));
        const env = { ...scriptEnv(dir, path.join(dir, "data")), PATH: `${path.join(dir, "bin")}${path.delimiter}${process.env.PATH}` };
        const result = await runInitFileScript(env);
        assert.equal(result.status, 0, result.output);
        assert.equal(fs.readFileSync(path.join(dir, "mysqld-args"), "utf8").trim(), `--initialize-insecure --default-time-zone=SYSTEM --datadir=${path.join(dir, "data")}`);
        assert.match(fs.readFileSync(env.INIT_FILE, "utf8"), /ALTER USER 'root'@'localhost' IDENTIFIED BY/);
        assert.equal(fs.statSync(env.INIT_FILE).mode & 0o777, 0o600);
    });
});
