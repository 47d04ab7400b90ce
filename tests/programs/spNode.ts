/**
 * The SpNode component alone, its arguments from the setting `args`: lets a test give it inputs no
 * stack setting reaches yet (tests/trust.test.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import { SpNode, SpNodeArgs } from "../../components/spNode";

const node = new SpNode("node", new pulumi.Config().requireObject<SpNodeArgs>("args"));
export const serviceName = node.serviceName;
