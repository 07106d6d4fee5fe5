import Database from "better-sqlite3";
const db = new Database("/tmp/prof/runs.db");
const time = (label: string, sql: string, p: any) => {
  try {
  const st = db.prepare(sql);
  console.log(label, db.prepare("EXPLAIN QUERY PLAN " + sql).all(p).map((r: any) => r.detail).join(" | "));
  let rows: any[] = []; const t = performance.now(); for (let k = 0; k < 3; k++) rows = st.all(p); console.log("  ", ((performance.now() - t)/3).toFixed(0), "ms", rows.length, JSON.stringify(rows.slice(653, 656)));
  } catch (e) { console.log(label, String(e)); }
};
const p = { run: "big", name: "loss", lo: 0, span: 1e6, buckets: 1000 };
time("series", `SELECT value FROM generate_series(0, 3)`, {});
const cte = `WITH RECURSIVE b(i, s0, s1) AS (
  SELECT 0, @lo, @lo + CAST((@span + @buckets - 1) / @buckets AS INTEGER)
  UNION ALL SELECT i + 1, s1, @lo + CAST(((i + 2) * @span + @buckets - 1) / @buckets AS INTEGER) FROM b WHERE i + 1 < @buckets ORDER BY 1)`;
time("cte-join-ordered", `${cte} SELECT i, MIN(m.value) AS value, m.step FROM b JOIN metrics m ON m.run_id = @run AND m.name = @name AND m.step >= b.s0 AND m.step < b.s1 AND m.value IS NOT NULL GROUP BY i`, p);
time("sub-ordered", `SELECT MIN(value) AS value, step FROM (SELECT CAST((step - @lo) * @buckets / @span AS INTEGER) AS b, step, value FROM metrics WHERE run_id=@run AND name=@name AND value IS NOT NULL ORDER BY b) GROUP BY b`, p);
time("corr", `${cte} SELECT i, (SELECT step FROM metrics WHERE run_id=@run AND name=@name AND step >= s0 AND step < s1 AND value IS NOT NULL ORDER BY value, step LIMIT 1) AS lo_step, (SELECT step FROM metrics WHERE run_id=@run AND name=@name AND step >= s0 AND step < s1 AND value IS NOT NULL ORDER BY value DESC, step LIMIT 1) AS hi_step FROM b`, p);
time("corr-bare", `${cte} SELECT i, (SELECT step FROM (SELECT MIN(value), step FROM metrics WHERE run_id=@run AND name=@name AND step >= s0 AND step < s1 AND value IS NOT NULL)) AS lo_step, (SELECT step FROM (SELECT MAX(value), step FROM metrics WHERE run_id=@run AND name=@name AND step >= s0 AND step < s1 AND value IS NOT NULL)) AS hi_step FROM b`, p);
time("corr-bare-1", `${cte} SELECT i, (SELECT step FROM (SELECT MIN(value), step FROM metrics WHERE run_id=@run AND name=@name AND step >= s0 AND step < s1 AND value IS NOT NULL)) AS lo_step FROM b`, p);
time("agg-only", `SELECT MIN(value), MAX(value) FROM metrics WHERE run_id=@run AND name=@name AND value IS NOT NULL GROUP BY CAST((step - @lo) * @buckets / @span AS INTEGER)`, p);
