/** The benchmark's baseline: a program that registers one Kubernetes object, under the same runtime as index.ts. */
import * as corev1 from "@pulumi/kubernetes/core/v1";

export const namespace = new corev1.Namespace("namespace", { metadata: { name: "bench" } }).metadata.name;
