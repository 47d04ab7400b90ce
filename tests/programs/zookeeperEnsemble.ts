/**
 * The ZooKeeperEnsemble component alone, its arguments from the setting `args`: lets a test vary
 * what index.ts takes from config/names.ts (tests/dependencies.test.ts).
 */
import * as pulumi from "@pulumi/pulumi";
import { ZooKeeperEnsemble, ZooKeeperEnsembleArgs } from "../../components/zookeeperEnsemble";

const ensemble = new ZooKeeperEnsemble("zookeeper", new pulumi.Config().requireObject<ZooKeeperEnsembleArgs>("args"));
export const identity = ensemble.identity;
