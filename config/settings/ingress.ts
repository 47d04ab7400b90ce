/** Cross-setting rules of `ingress`. */
import type { CrossCheck } from "./checks";
import { examples, firstFree, setCommand } from "./problems";

/** Each published node needs a host of its own. */
export function ingressProblems({ settings, problems }: CrossCheck): void {
    const hosts = Object.entries(settings.ingress?.hosts ?? {}).filter(([, value]) => value !== undefined && value !== "");
    hosts.forEach(([node, value], index) => {
        if (hosts.findIndex(([, other]) => other === value) < index) {
            problems.push({
                path: ["ingress", "hosts", node],
                message: "is the host of another ingress; each needs its own",
                fix: setCommand(
                    ["ingress", "hosts", node],
                    firstFree(examples[`ingress.hosts.${node}`], (candidate) => hosts.some(([, other]) => other === candidate), { beforeDot: true }),
                ),
            });
        }
    });
}
