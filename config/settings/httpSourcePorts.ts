/** Cross-entry rules of `httpSourcePorts`. */
import type { CrossCheck } from "./checks";
import { removeEntryCommand } from "./problems";

/** Two sources on one port share its listener: each port is listed once, as a Service takes it once. */
export function httpSourcePortsProblems({ settings, given, problems }: CrossCheck): void {
    // Stryker disable next-line ArrayDeclaration: one entry cannot repeat another; [] only stands for a list refused by its own rule.
    const ports = settings.httpSourcePorts ?? [];
    ports.forEach((port, index) => {
        if (port !== undefined && ports.indexOf(port) < index) {
            problems.push({ path: ["httpSourcePorts", index], message: `lists port ${port} again (see httpSourcePorts[${ports.indexOf(port)}]); list each once`, fix: removeEntryCommand(["httpSourcePorts"], given.httpSourcePorts as unknown[], index) });
        }
    });
}
