/**
 * The MySql component alone, its arguments from the setting `args`: lets a test give what index.ts
 * passes or will pass (the credentials digest, whether the data was initialised before).
 */
import * as pulumi from "@pulumi/pulumi";
import { MySql, MySqlArgs } from "../../components/mysql";

const mysql = new MySql("mysql", new pulumi.Config().requireObject<MySqlArgs>("args"));
export const claimName = mysql.claimName;
