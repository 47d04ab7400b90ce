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
 * What the dashboard's components do in their databases: create their tables when missing, then
 * read and write rows; no ALTER, DROP or index of their own (docs/dashboard.md).
 */
const dashboardPrivileges = ["SELECT", "INSERT", "UPDATE", "DELETE", "CREATE"] as const;

/**
 * The databases the in-cluster MySQL creates and grants at every start (an external database must
 * have them too, README): adding a database is one entry here. SP creates its tables itself, so
 * the managers' and workers' user holds all privileges there, as with the original grant; the
 * dashboard's components need less.
 */
export const appDatabases: readonly AppDatabase[] = [
    { name: databaseNames.management, privileges: ["ALL PRIVILEGES"] },
    { name: databaseNames.workerState, privileges: ["ALL PRIVILEGES"] },
    // WORKERS_DETAILS is created with a foreign key to WORKERS_CONFIGURATION, and a foreign key
    // takes REFERENCES on its parent table (docs/dashboard.md).
    { name: databaseNames.statusDashboard, privileges: [...dashboardPrivileges, "REFERENCES"] },
    { name: databaseNames.businessRules, privileges: dashboardPrivileges },
    { name: databaseNames.permissions, privileges: dashboardPrivileges },
    { name: databaseNames.portal, privileges: dashboardPrivileges },
];

/** The init container's script that prepares every start of the in-cluster MySQL. */
export const initFileScriptPath = path.resolve(__dirname, "..", "pod-scripts", "mysql", "init-file.sh");
