/** Cross-setting rules of `ingress`. */
import type { CrossCheck } from "./checks";
import { examples, firstFree, setCommand, valueAt } from "./problems";

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

/**
 * `exposure.managers` defaults to false since issue 20; it was true. A stack that does not set it
 * and names manager hosts loses the managers' Ingresses with this version, which it may or may not
 * have relied on: the settings cannot tell, so the warning is right either way and says how to
 * silence it.
 */
export function exposureWarnings({ settings, given, warn }: CrossCheck): void {
    const hosts = [settings.ingress?.hosts?.manager1, settings.ingress?.hosts?.manager2].filter((host) => host !== undefined && host !== "");
    if (valueAt(given, ["exposure", "managers"]) !== undefined || hosts.length === 0) {
        return;
    }
    warn(
        ["exposure", "managers"],
        "is not set, and now defaults to false (it was true): the managers' REST API, which deploys Siddhi apps behind Basic auth only, " +
            `is not published: a stack deployed before this version loses the Ingresses of ${hosts.map((host) => `https://${host}`).join(" and ")} on this update. ` +
            "If clients outside the cluster still need them, publish them again, best with exposure.sourceRanges (README, Exposure); " +
            "to keep them in the cluster and silence this warning: pulumi config set --path exposure.managers false",
        "pulumi config set --path exposure.managers true",
    );
}
