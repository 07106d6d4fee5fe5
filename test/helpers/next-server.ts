import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/*
 * The built dashboard (apps/dashboard/.next) served by `next start` on loopback, for browser tests and benches.
 * Build first: `npx turbo run build --filter=@orrery/dashboard`.
 */
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A port free on 127.0.0.1 right now (for servers, like `next start`, that cannot take port 0). */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once("error", rej);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => res(port));
    });
  });
}

/** `next start` in its own process group (so stopping it reaches anything it spawns); resolves once it serves. */
export async function startNext(port: number): Promise<ChildProcess> {
  let log = "";
  const child = spawn(join(ROOT, "node_modules/.bin/next"), ["start", "-p", String(port), "-H", "127.0.0.1"], {
    cwd: join(ROOT, "apps/dashboard"),
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1", NODE_ENV: "production" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  child.stdout?.on("data", (b: Buffer) => (log += b.toString()));
  child.stderr?.on("data", (b: Buffer) => (log += b.toString()));
  let failed: Error | null = null;
  child.once("error", (e) => (failed = e));
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (failed) throw failed;
    if (child.exitCode !== null) throw new Error(`next start exited with ${child.exitCode}:\n${log}`);
    const ok = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(2000) }).then((r) => r.ok, () => false);
    if (ok) return child;
    if (Date.now() > deadline) throw new Error(`next start did not serve the dashboard within 30 s:\n${log}`);
    await sleep(200);
  }
}

/** Stops a process group started detached: SIGTERM, SIGKILL after 5 s; resolves on exit (or after 8 s). */
export async function stopGroup(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const kill = (sig: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, sig);
    } catch {
      /* already gone */
    }
  };
  kill("SIGTERM");
  const timer = setTimeout(() => kill("SIGKILL"), 5000);
  await Promise.race([exited, sleep(8000)]);
  clearTimeout(timer);
}
