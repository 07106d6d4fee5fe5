import { RunStore } from "./src/index.ts";
import Database from "better-sqlite3";
const file = "/tmp/prof/runs.db";
import fs from "node:fs";
if (!fs.existsSync(file)) {
  const store = RunStore.open(file);
  for (let start = 0; start < 1e6; start += 10_000) {
    const points = [];
    for (let step = start; step < start + 10_000; step++) points.push({ seq: step + 1, step, values: { loss: step === 654321 ? 1e3 : 1 + 0.01 * Math.sin(step) } });
    store.appendMetrics("big", points);
  }
  store.close();
}
const db = new Database(file);
const time = (label: string, sql: string, p: any) => {
  const st = db.prepare(sql);
  console.log(label, db.prepare("EXPLAIN QUERY PLAN " + sql).all(p).map((r: any) => r.detail).join(" | "));
  const t = performance.now(); const rows = st.all(p); console.log("  ", (performance.now() - t).toFixed(0), "ms", rows.length);
};
const p = { run: "big", name: "loss", lo: 0, span: 1e6, buckets: 1000 };
time("count", "SELECT COUNT(*) FROM metrics WHERE run_id=@run AND name=@name", p);
time("min", "SELECT MIN(value), step FROM (SELECT CAST((step - @lo) * @buckets / @span AS INTEGER) AS b, step, value FROM metrics WHERE run_id=@run AND name=@name AND value IS NOT NULL) GROUP BY b", p);
time("min-inline", "SELECT MIN(value), step FROM metrics WHERE run_id=@run AND name=@name AND value IS NOT NULL GROUP BY CAST((step - @lo) * @buckets / @span AS INTEGER)", p);
time("min-int", "SELECT MIN(value), step FROM metrics WHERE run_id=@run AND name=@name AND value IS NOT NULL GROUP BY (step - @lo) * @buckets / @span", {...p, buckets: 1000n, span: 1000000n, lo: 0n});
time("null", "SELECT NULL, MIN(step) FROM (SELECT CAST((step - @lo) * @buckets / @span AS INTEGER) AS b, step, value FROM metrics WHERE run_id=@run AND name=@name AND value IS NULL) GROUP BY b", p);
