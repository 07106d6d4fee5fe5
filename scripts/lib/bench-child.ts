import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { cpus } from "node:os";
import { createInterface } from "node:readline";

/**
 * A client process (scripts/lib/bench-clients.ts: light, no tfjs) speaking one JSON line per stdin line; `start`
 * resolves once it prints {ready}. Niced and kept to the last core where `nice` and `taskset` exist, so that it
 * takes what the daemon leaves (as clients on other machines would).
 */
export function benchChild(args: string[]) {
  let command = ["/usr/bin/nice", "-n", "10", process.execPath, "--import", "tsx", "scripts/lib/bench-clients.ts", ...args];
  if (!existsSync(command[0]!)) command = command.slice(3);
  if (existsSync("/usr/bin/taskset") && cpus().length > 1) command = ["/usr/bin/taskset", "-c", String(cpus().length - 1), ...command];
  const child = spawn(command[0]!, command.slice(1), { stdio: ["pipe", "pipe", "inherit"] });
  const lines: string[] = [];
  let wake = () => {};
  createInterface({ input: child.stdout! }).on("line", (line) => (lines.push(line), wake()));
  const next = async () => {
    while (!lines.length) await new Promise<void>((r) => (wake = r));
    return JSON.parse(lines.shift()!) as Record<string, number>;
  };
  return {
    start: next,
    stats: () => (child.stdin!.write("stats\n"), next()),
    pause: () => void child.kill("SIGSTOP"),
    resume: () => void child.kill("SIGCONT"),
    stop: () => new Promise<void>((r) => (child.once("exit", () => r()), child.kill("SIGCONT"), child.kill("SIGTERM"))),
  };
}
