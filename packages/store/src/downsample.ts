import type Database from "better-sqlite3";
import type { Series } from "@orrery/protocol";

interface PointRow {
  step: number;
  value: number | null;
}

/** Points of one series in bucket `b`, where buckets split [@lo, @lo + @span) into @buckets equal parts. */
const bucketed = (valueFilter: string) => `
  SELECT CAST((step - @lo) * @buckets / @span AS INTEGER) AS b, step, value
  FROM metrics WHERE run_id = @run AND name = @name AND ${valueFilter}`;

/**
 * Builds the reader of downsampled metric series, with its statements prepared once.
 * A series with more than maxPoints points keeps, per bucket, its min and max point (so single-step
 * spikes survive) and the first null point (so a divergence to NaN/inf shows).
 */
export function seriesReader(db: Database.Database): (runId: string, maxPoints: number) => Record<string, Series> {
  // Loose index scan: one index seek per distinct name instead of reading every row of the run.
  const namesOf = db.prepare<{ run: string }, { name: string }>(`
    WITH RECURSIVE n(name) AS (
      SELECT MIN(name) FROM metrics WHERE run_id = @run
      UNION ALL
      SELECT (SELECT MIN(name) FROM metrics WHERE run_id = @run AND name > n.name) FROM n WHERE n.name IS NOT NULL
    )
    SELECT name FROM n WHERE name IS NOT NULL`);
  // Separate scalar subqueries so that each MIN/MAX is a single index seek.
  const range = db.prepare<{ run: string; name: string }, { lo: number; hi: number }>(`
    SELECT (SELECT MIN(step) FROM metrics WHERE run_id = @run AND name = @name) AS lo,
           (SELECT MAX(step) FROM metrics WHERE run_id = @run AND name = @name) AS hi`);
  const countUpTo = db.prepare<{ run: string; name: string; cap: number }, { n: number }>(`
    SELECT COUNT(*) AS n FROM (SELECT 1 FROM metrics WHERE run_id = @run AND name = @name LIMIT @cap)`);
  const all = db.prepare<{ run: string; name: string }, PointRow>(`
    SELECT step, value FROM metrics WHERE run_id = @run AND name = @name ORDER BY step`);
  // SQLite's bare-column rule: with a single MIN()/MAX() aggregate, `step` comes from the row holding it.
  // UNION (not UNION ALL) merges a bucket's min and max when they are the same row.
  const buckets = db.prepare<{ run: string; name: string; lo: number; span: number; buckets: number }, PointRow>(`
    SELECT MIN(value) AS value, step FROM (${bucketed("value IS NOT NULL")}) GROUP BY b
    UNION
    SELECT MAX(value), step FROM (${bucketed("value IS NOT NULL")}) GROUP BY b
    UNION
    SELECT NULL, MIN(step) FROM (${bucketed("value IS NULL")}) GROUP BY b
    ORDER BY step`);

  return (run, maxPoints) => {
    const series: Record<string, Series> = {};
    const names = namesOf.all({ run }).map((r) => r.name);
    // Buckets span the whole run's step range so that every series of the run shares their edges.
    let lo = Infinity;
    let hi = -Infinity;
    for (const name of names) {
      const r = range.get({ run, name })!;
      lo = Math.min(lo, r.lo);
      hi = Math.max(hi, r.hi);
    }
    const bucketCount = Math.max(1, Math.floor(maxPoints / 2));
    for (const name of names) {
      const small = countUpTo.get({ run, name, cap: maxPoints + 1 })!.n <= maxPoints;
      const rows = small ? all.all({ run, name }) : buckets.all({ run, name, lo, span: hi - lo + 1, buckets: bucketCount });
      series[name] = { step: rows.map((r) => r.step), value: rows.map((r) => r.value) };
    }
    return series;
  };
}
