// `npm run screenshot -- <experiment> [--set key=value]... [--seconds N]`: starts a daemon and the built
// dashboard, runs the experiment in headless Chromium for a while and saves test-results/<experiment>.png.
// A dev helper for looking at what a researcher sees (build the dashboard first: npm run build).
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { startDaemon } from "@orrery/trainer";

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { set: { type: "string", multiple: true, default: [] }, seconds: { type: "string", default: "8" } },
});
const experiment = positionals[0] ?? "bigram-circle";
const port = await new Promise<number>((res) => {
  const srv = createServer().listen(0, "127.0.0.1", () => {
    const p = (srv.address() as { port: number }).port;
    srv.close(() => res(p));
  });
});
const dataDir = mkdtempSync(join(tmpdir(), "orrery-shot-"));
const daemon = await startDaemon({ port: 0, dataDir, token: "shot" });
const next = spawn(resolve("node_modules/.bin/next"), ["start", "-p", String(port), "-H", "127.0.0.1"], {
  cwd: "apps/dashboard",
  env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  stdio: ["ignore", "pipe", "inherit"],
});
await new Promise<void>((res) => next.stdout!.on("data", (d: Buffer) => /ready/i.test(d.toString()) && res()));
const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1500, height: 2600 } });
  await page.goto(`http://127.0.0.1:${port}/?daemon=${encodeURIComponent(daemon.url)}&token=shot`);
  await page.getByTestId("experiment-select").selectOption(experiment);
  for (const pair of values.set) {
    const [key, value] = pair.split("=") as [string, string];
    const field = page.getByTestId(`field-${key}`);
    if ((await field.evaluate((el) => el.tagName)) === "SELECT") await field.selectOption(value);
    else await field.fill(value);
  }
  await page.getByTestId("btn-start").click();
  await page.waitForTimeout(Number(values.seconds) * 1000);
  mkdirSync("test-results", { recursive: true });
  await page.screenshot({ path: `test-results/${experiment}.png`, fullPage: true });
  console.log(`saved test-results/${experiment}.png`);
} finally {
  await browser.close();
  next.kill("SIGTERM");
  await daemon.close();
  rmSync(dataDir, { recursive: true, force: true });
}
