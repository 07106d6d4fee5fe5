import type Database from "better-sqlite3";

/**
 * A run-scoped log of JSON records in the event stream (interventions, annotations): rare, so written at once,
 * never batched. `table` has columns (run_id, seq, step, record).
 */
export function recordLog<T extends { seq: number; step: number }>(db: Database.Database, table: "interventions" | "annotations") {
  const insert = db.prepare<{ run: string; seq: number; step: number; record: string }>(
    `INSERT INTO ${table} (run_id, seq, step, record) VALUES (@run, @seq, @step, @record)`,
  );
  const after = db.prepare<[string, number], { seq: number; record: string }>(
    `SELECT seq, record FROM ${table} WHERE run_id = ? AND seq > ? ORDER BY seq`,
  );
  const deleteAfter = db.prepare<[string, number]>(`DELETE FROM ${table} WHERE run_id = ? AND seq > ?`);
  return {
    append: (runId: string, r: T) => void insert.run({ run: runId, seq: r.seq, step: r.step, record: JSON.stringify(r) }),
    all: (runId: string): T[] => after.all(runId, -1).map((row) => JSON.parse(row.record) as T),
    *after(runId: string, afterSeq: number): Generator<T, void> {
      for (const row of after.iterate(runId, afterSeq)) yield JSON.parse(row.record) as T;
    },
    deleteAfter: (runId: string, seq: number) => void deleteAfter.run(runId, seq),
  };
}
