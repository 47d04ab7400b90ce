import * as path from "path";

/** The project directory: Pulumi.yaml, the default `confs/`; relative directory settings start here. */
export const projectDir = path.resolve(__dirname, "..", "..");
