/** The benchmark's baseline: a program that registers one Kubernetes object, under the same runtime as index.ts. */
import * as k8s from "@pulumi/kubernetes";

export const namespace = new k8s.core.v1.Namespace("namespace", { metadata: { name: "bench" } }).metadata.name;
