/**
 * The stack settings, read and validated in one place. By concern: leaf rules (rules.ts), the
 * schema (schema.ts), loading and secrets (load.ts), the wording of problems (problems.ts), and each
 * cross-setting rule in the file of the setting it guards (nfs.ts, database.ts, …; run by checks.ts).
 */
export { loadSettings } from "./load";
export { placeVolumes, type VolumePlacement } from "./nfs";
export { readPreviousDeployment } from "./previous";
export { projectDir } from "./project";
export type { NodeKind, Settings } from "./schema";
