import * as path from "path";
import { databaseNames } from "./names";

/** A database SP uses, and what the application user (`database.username`) may do in it. */
export interface AppDatabase {
    /** Database name: letters, digits and `_`. */
    name: string;
    /** MySQL privileges on every table of the database, as GRANT takes them. */
    privileges: readonly string[];
}

/**
 * The databases the in-cluster MySQL creates and grants at every start (an external database must
 * have them too, README): adding a database is one entry here. SP creates its tables itself, so
 * the user holds all privileges, as with the original grant.
 */
export const appDatabases: readonly AppDatabase[] = [
    { name: databaseNames.management, privileges: ["ALL PRIVILEGES"] },
    { name: databaseNames.workerState, privileges: ["ALL PRIVILEGES"] },
];

/** The init container's script that prepares every start of the in-cluster MySQL. */
export const initFileScriptPath = path.resolve(__dirname, "..", "pod-scripts", "mysql", "init-file.sh");
