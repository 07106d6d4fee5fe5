import Database from "better-sqlite3";
const db = new Database("/tmp/prof/runs.db");
const time = (label: string, sql: string, p: any) => {
  const st = db.prepare(sql);
  console.log(label, db.prepare("EXPLAIN QUERY PLAN " + sql).all(p).map((r: any) => r.detail).join(" | "));
  let rows: any[] = []; const t = performance.now(); for (let k = 0; k < 3; k++) rows = st.all(p); console.log("  ", ((performance.now() - t)/3).toFixed(0), "ms", rows.length, JSON.stringify(rows.slice(650, 656)));
};
const p = { run: "big", name: "loss", lo: 0, span: 1e6, buckets: 1000 };
const cte = `WITH RECURSIVE b(i, s0, s1) AS (
  SELECT 0, @lo, @lo + CAST((@span + @buckets - 1) / @buckets AS INTEGER)
  UNION ALL SELECT i + 1, s1, @lo + CAST(((i + 2) * @span + @buckets - 1) / @buckets AS INTEGER) FROM b WHERE i + 1 < @buckets)`;
time("cte-join", `${cte} SELECT i, MIN(m.value) AS value, m.step FROM b JOIN metrics m ON m.run_id = @run AND m.name = @name AND m.step >= b.s0 AND m.step < b.s1 AND m.value IS NOT NULL GROUP BY i`, p);
time("null-indexed", `SELECT NULL, MIN(step) FROM metrics INDEXED BY metrics_null WHERE run_id=@run AND name=@name AND value IS NULL GROUP BY CAST((step - @lo) * @buckets / @span AS INTEGER)`, p);
time("rawscan", `SELECT step, value FROM metrics WHERE run_id=@run AND name=@name ORDER BY step`, p);
