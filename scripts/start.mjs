// `npm start`: builds the dashboard if needed, starts the trainer daemon and the dashboard, and prints the
// dashboard URL with the daemon address and access token in it. Ctrl-C stops both.
// Flags (or env): --host (ORRERY_HOST) --port (ORRERY_PORT) --data-dir (ORRERY_DATA_DIR) --backend (ORRERY_BACKEND)
//                 --dashboard-port (ORRERY_DASHBOARD_PORT, default 3000)
import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  options: {
    host: { type: "string", default: process.env.ORRERY_HOST ?? "127.0.0.1" },
    port: { type: "string", default: process.env.ORRERY_PORT ?? "8787" },
    "data-dir": { type: "string", default: process.env.ORRERY_DATA_DIR ?? ".orrery" },
    backend: { type: "string", default: process.env.ORRERY_BACKEND ?? "auto" },
    "dashboard-port": { type: "string", default: process.env.ORRERY_DASHBOARD_PORT ?? "3000" },
  },
});
const dataDir = resolve(values["data-dir"]);

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
let dashboardReady = false;
const trainer = run("trainer", process.execPath, [
  "--import", "tsx", "apps/trainer/src/main.ts",
  "--host", values.host, "--port", values.port, "--data-dir", dataDir, "--backend", values.backend,
]);
lines(trainer, (line) => {
  console.log(line);
  const m = line.match(/listening on (ws:\/\/\S+)/);
  if (m) {
    daemonUrl = m[1];
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
