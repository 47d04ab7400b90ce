/**
 * Memory quantities and the JVM heap derived from them. The stock `carbon.sh` of every SP profile
 * starts the JVM with `-Xms256m -Xmx1024m` and then `$JAVA_OPTS` (product-sp v4.4.0,
 * modules/distribution/carbon-home/runtime/<profile>/carbon.sh), and the later flag wins: the heap
 * follows the container's memory only through JAVA_OPTS (docs/startup.md).
 */

const binarySuffixes: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const decimalSuffixes: Record<string, number> = { m: 1e-3, "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

/** A Kubernetes quantity (`4Gi`, `1500M`, `2e9`) in bytes; undefined when it is no quantity. */
export function quantityBytes(quantity: string): number | undefined {
    const match = /^(\d+(?:\.\d+)?|\.\d+)(?:([KMGTPE]i|[mkMGTPE])?|[eE]([-+]?\d+))$/.exec(quantity);
    if (!match) {
        return undefined;
    }
    const [, number, suffix = "", exponent] = match;
    const factor = exponent !== undefined ? 10 ** Number(exponent) : (binarySuffixes[suffix] ?? decimalSuffixes[suffix]);
    return Number(number) * factor;
}

/** Share of the container's memory given to the Java heap; the rest is metaspace, threads, buffers. */
export const heapShare = 0.75;

/** The smallest memory an SP container may have: its heap is then 768 MiB. */
export const spMinimumMemory = "1Gi";

const mebibyte = 2 ** 20;

/** Heap size in MiB for an SP container with `memory` (request = limit). */
export function heapMebibytes(memory: string): number {
    const bytes = quantityBytes(memory);
    if (bytes === undefined) {
        throw new Error(`not a memory quantity: ${memory}`);
    }
    return Math.floor((bytes * heapShare) / mebibyte);
}

/**
 * JAVA_OPTS for an SP container: a fixed heap sized to the container (no resizing pauses, no
 * surprise from the stock 1 GiB), and a JVM that exits on OutOfMemoryError so Kubernetes restarts it
 * instead of leaving a half-working server.
 */
export function spJavaOptions(memory: string): string {
    const heap = heapMebibytes(memory);
    return `-Xms${heap}m -Xmx${heap}m -XX:+ExitOnOutOfMemoryError`;
}
