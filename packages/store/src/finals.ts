import type Database from "better-sqlite3";

/**
 * Builds the reader of a run's final metric values: per metric, the value at its largest stored step
 * (null where it was not finite). One index seek per metric name, whatever the run's length.
 */
export function finalsReader(db: Database.Database): (runId: string) => Record<string, number | null> {
  const finals = db.prepare<{ run: string }, { name: string; value: number | null }>(`
    WITH RECURSIVE n(name) AS (
      SELECT MIN(name) FROM metrics WHERE run_id = @run
      UNION ALL
      SELECT (SELECT MIN(name) FROM metrics WHERE run_id = @run AND name > n.name) FROM n WHERE n.name IS NOT NULL
    )
    SELECT name, (SELECT value FROM metrics WHERE run_id = @run AND name = n.name ORDER BY step DESC LIMIT 1) AS value
    FROM n WHERE name IS NOT NULL`);
  return (run) => Object.fromEntries(finals.all({ run }).map((r) => [r.name, r.value]));
}
