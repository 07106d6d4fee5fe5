import type Database from "better-sqlite3";
import type { Series } from "@orrery/protocol";
import { BLOCK_SIZES } from "./blocks.ts";

interface PointRow {
  step: number;
  value: number | null;
}

/** Buckets are read from the largest summary blocks (see blocks.ts) of which each spans at least this many. */
const MIN_BLOCKS_PER_BUCKET = 4;

/** Rows of one series whose step falls in the current bucket [s0, s1) of the `bucket` CTE below. */
const IN_BUCKET = "run_id = @run AND name = @name AND step >= bucket.s0 AND step < bucket.s1";

/**
 * Builds the reader of downsampled metric series, with its statements prepared once.
 * A series with more than maxPoints points keeps, per bucket, its min and max point (so single-step
 * spikes survive) and the first null point (so a divergence to NaN/inf shows). Wide buckets are read from the
 * summary blocks, with their edges moved to block edges; buckets too narrow for the smallest blocks, from the rows.
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
  // Per bucket, the rows holding the min and the max value (SQLite's bare-column rule: with a single
  // MIN()/MAX() aggregate, `rowid` comes from the row holding it) and the first null row.
  // Not `GROUP BY bucket`: grouping on a computed bucket index makes SQLite sort every row of the series
  // (~430 ms per aggregate for 1M rows); one index range scan per bucket needs no sort.
  // Each bucket's s0 is the previous one's s1, so the buckets tile [lo, lo + span) exactly.
  const buckets = db.prepare<{ run: string; name: string; lo: number; span: number; buckets: number }, PointRow>(`
    WITH RECURSIVE bucket(i, s0, s1) AS (
      SELECT 0, @lo, @lo + @span / @buckets
      UNION ALL
      SELECT i + 1, s1, @lo + (i + 2) * @span / @buckets FROM bucket WHERE i + 1 < @buckets
    )
    SELECT step, value FROM metrics WHERE rowid IN (
      SELECT (SELECT rowid FROM (SELECT MIN(value), rowid FROM metrics WHERE ${IN_BUCKET} AND value IS NOT NULL)) FROM bucket
      UNION ALL
      SELECT (SELECT rowid FROM (SELECT MAX(value), rowid FROM metrics WHERE ${IN_BUCKET} AND value IS NOT NULL)) FROM bucket
      UNION ALL
      SELECT (SELECT rowid FROM metrics INDEXED BY metrics_null WHERE ${IN_BUCKET} AND value IS NULL ORDER BY step LIMIT 1)
      FROM bucket
    )
    ORDER BY step, rowid`);

  // Per level: the same buckets, each moved to the whole blocks [b0, b1) of S steps (an edge s moves down to the
  // start of the block holding ceil(s), its first step; the last bucket ends past the run's last step), so it spans
  // MIN_BLOCKS_PER_BUCKET to 8 × that many blocks, whatever its width. Its min: the earliest step holding the lowest
  // of its blocks' minima (a bare column, as above), and the lowest value at that step (an index seek: that is the
  // row); the same for its max. Its first null, from metrics_null. Exact per bucket, as from the rows: only the
  // edges move, by less than a block (compared with the rows' buckets, at most S - 1 steps).
  const blockBuckets = BLOCK_SIZES.map((S, level) => {
    const inBlocks = `run_id = @run AND name = @name AND level = ${level} AND block >= b0 AND block < b1`;
    const atStep = "run_id = @run AND name = @name AND step = c.step";
    return db.prepare<{ run: string; name: string; lo: number; span: number; buckets: number }, PointRow>(`
      WITH RECURSIVE bucket(i, s0, s1) AS (
        SELECT 0, @lo, @lo + @span / @buckets
        UNION ALL
        SELECT i + 1, s1, @lo + (i + 2) * @span / @buckets FROM bucket WHERE i + 1 < @buckets
      ),
      edge AS (
        SELECT i, CAST(s0 AS INTEGER) + (s0 > CAST(s0 AS INTEGER)) AS s0, CAST(s1 AS INTEGER) + (s1 > CAST(s1 AS INTEGER)) AS s1
        FROM bucket
      ),
      part AS (
        SELECT i, s0 / ${S} AS b0, CASE WHEN i + 1 < @buckets THEN s1 / ${S} ELSE (s1 + ${S - 1}) / ${S} END AS b1 FROM edge
      ),
      pick AS MATERIALIZED (
        SELECT
          (SELECT min_step FROM (SELECT MIN(min_value), min_step FROM metric_blocks WHERE ${inBlocks})) AS lo_step,
          (SELECT max_step FROM (SELECT MAX(max_value), max_step FROM metric_blocks WHERE ${inBlocks})) AS hi_step,
          (SELECT step FROM metrics INDEXED BY metrics_null
            WHERE run_id = @run AND name = @name AND step >= b0 * ${S} AND step < b1 * ${S} AND value IS NULL ORDER BY step LIMIT 1) AS null_step
        FROM part
      )
      SELECT step, value FROM (
        SELECT c.step, (SELECT MIN(value) FROM metrics WHERE ${atStep}) AS value FROM (SELECT lo_step AS step FROM pick) c WHERE c.step IS NOT NULL
        UNION
        SELECT c.step, (SELECT MAX(value) FROM metrics WHERE ${atStep}) FROM (SELECT hi_step AS step FROM pick) c WHERE c.step IS NOT NULL
        UNION
        SELECT null_step, NULL FROM pick WHERE null_step IS NOT NULL
      )
      ORDER BY step, value`);
  });

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
    const span = hi - lo + 1;
    let level = BLOCK_SIZES.length - 1;
    while (level >= 0 && span / bucketCount < MIN_BLOCKS_PER_BUCKET * BLOCK_SIZES[level]!) level--;
    for (const name of names) {
      const small = countUpTo.get({ run, name, cap: maxPoints + 1 })!.n <= maxPoints;
      const params = { run, name, lo, span, buckets: bucketCount };
      const rows = small ? all.all({ run, name }) : level >= 0 ? blockBuckets[level]!.all(params) : buckets.all(params);
      series[name] = { step: rows.map((r) => r.step), value: rows.map((r) => r.value) };
    }
    return series;
  };
}
