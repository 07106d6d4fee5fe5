// `npm start`: builds the dashboard if needed, starts the trainer daemon and the dashboard, and prints the
// dashboard URL with the daemon address and access token in it. Ctrl-C stops both.
// --dashboard-port (ORRERY_DASHBOARD_PORT, default 3000) is ours; every other flag goes to the daemon
// (apps/trainer/src/main.ts: --host, --port, --data-dir, --backend), which reports its address and data dir.
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

const { values, tokens } = parseArgs({
  strict: false,
  tokens: true,
  options: { "dashboard-port": { type: "string", default: process.env.ORRERY_DASHBOARD_PORT ?? "3000" } },
});
const daemonArgs = tokens
  .filter((t) => !(t.kind === "option" && t.name === "dashboard-port"))
  .flatMap((t) => (t.kind === "option" ? [t.rawName, ...(t.value === undefined ? [] : [t.value])] : t.kind === "positional" ? [t.value] : []));

const build = spawnSync("npx", ["turbo", "run", "build", "--filter=@orrery/dashboard", "--output-logs=errors-only"], {
  stdio: "inherit",
});
if (build.status !== 0) process.exit(build.status ?? 1);

const children = [];
const run = (name, cmd, args, opts = {}) => {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "inherit"], ...opts });
  children.push(child);
  child.on("exit", (code, signal) => {
    if (!stopping) {
      console.error(`[start] ${name} exited (${signal ?? code}); stopping`);
      stop(code ?? 1);
    }
  });
  return child;
};
const lines = (child, onLine) => createInterface({ input: child.stdout }).on("line", onLine);

let daemonUrl = null;
let dataDir = null;
let dashboardReady = false;
const trainer = run("trainer", process.execPath, ["--import", "tsx", "apps/trainer/src/main.ts", ...daemonArgs]);
lines(trainer, (line) => {
  console.log(line);
  const m = line.match(/listening on (ws:\/\/\S+) \(data: (.+)\)$/);
  if (m) {
    [, daemonUrl, dataDir] = m;
    announce();
  }
});

const dashboard = run("dashboard", resolve("node_modules", ".bin", "next"), ["start", "-p", values["dashboard-port"]], {
  cwd: "apps/dashboard",
  env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
});
lines(dashboard, (line) => {
  console.log(`[dashboard] ${line}`);
  if (/ready|started server|Local:/i.test(line)) {
    dashboardReady = true;
    announce();
  }
});

let announced = false;
function announce() {
  if (announced || !daemonUrl || !dashboardReady) return;
  announced = true;
  const token = process.env.ORRERY_TOKEN ?? readFileSync(join(dataDir, "token"), "utf8").trim();
  const url = `http://localhost:${values["dashboard-port"]}/?daemon=${encodeURIComponent(daemonUrl)}&token=${encodeURIComponent(token)}`;
  console.log(`\n  Orrery is running. Open the lab:\n\n    ${url}\n`);
}

let stopping = false;
function stop(code = 0) {
  stopping = true;
  for (const child of children) child.kill("SIGTERM");
  setTimeout(() => process.exit(code), 1500).unref();
  Promise.all(children.map((c) => new Promise((r) => (c.exitCode !== null ? r() : c.on("exit", r))))).then(() => process.exit(code));
}
process.on("SIGINT", () => stop(0));
process.on("SIGTERM", () => stop(0));
