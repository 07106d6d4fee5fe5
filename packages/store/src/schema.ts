import type Database from "better-sqlite3";
import { createMetricBlocks } from "./blocks.ts";

/**
 * migrations[i] brings the schema from user_version i to i + 1: SQL, or a function for one that must also compute
 * (it runs inside the migration's transaction). Append only; never edit a shipped entry.
 */
export const migrations: readonly (string | ((db: Database.Database) => void))[] = [
  `
  CREATE TABLE runs (
    run_id      TEXT PRIMARY KEY,
    experiment  TEXT NOT NULL,
    config      TEXT NOT NULL, -- JSON
    state       TEXT NOT NULL,
    reason      TEXT,
    step        INTEGER NOT NULL,
    total_steps INTEGER NOT NULL,
    last_seq    INTEGER NOT NULL,
    backend     TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL
  );

  -- One row per (point, metric name). value is NULL for non-finite values.
  CREATE TABLE metrics (
    run_id TEXT NOT NULL,
    seq    INTEGER NOT NULL,
    step   INTEGER NOT NULL,
    name   TEXT NOT NULL,
    value  REAL
  );
  -- value is included so that downsampling reads only the index.
  CREATE INDEX metrics_by_name ON metrics (run_id, name, step, value);
  CREATE INDEX metrics_by_seq ON metrics (run_id, seq);
  -- Tiny: lets downsampling find the non-finite points without scanning the series.
  CREATE INDEX metrics_null ON metrics (run_id, name, step) WHERE value IS NULL;

  CREATE TABLE states (
    run_id TEXT NOT NULL,
    seq    INTEGER NOT NULL,
    step   INTEGER NOT NULL,
    state  TEXT NOT NULL,
    reason TEXT
  );
  CREATE INDEX states_by_seq ON states (run_id, seq);

  CREATE TABLE snapshots (
    run_id TEXT NOT NULL,
    seq    INTEGER NOT NULL,
    step   INTEGER NOT NULL,
    bytes  BLOB NOT NULL
  );
  CREATE INDEX snapshots_by_seq ON snapshots (run_id, seq);
  CREATE INDEX snapshots_by_step ON snapshots (run_id, step, seq);
  `,
  // 1 → 2: per-run chart reference lines (JSON object: metric → {value, label}).
  `ALTER TABLE runs ADD COLUMN refs TEXT NOT NULL DEFAULT '{}';`,
  // 2 → 3: the latest resumable checkpoint of each run (a daemon killed mid-run continues from it).
  `
  CREATE TABLE checkpoints (
    run_id TEXT PRIMARY KEY,
    seq    INTEGER NOT NULL,
    step   INTEGER NOT NULL,
    meta   TEXT NOT NULL, -- JSON
    bytes  BLOB NOT NULL
  );
  `,
  // 3 → 4: the intervention log (freeze, set, hyper…), part of the run's seq-ordered event stream.
  `
  CREATE TABLE interventions (
    run_id TEXT NOT NULL,
    seq    INTEGER NOT NULL,
    step   INTEGER NOT NULL,
    record TEXT NOT NULL -- JSON: InterventionRecord
  );
  CREATE INDEX interventions_by_seq ON interventions (run_id, seq);
  `,
  // 4 → 5: a forked run's origin (JSON {runId, name, step}: the checkpoint it started from).
  `ALTER TABLE runs ADD COLUMN parent TEXT;`,
  // 5 → 6: share links, their tokens kept only as SHA-256 hashes.
  `
  CREATE TABLE links (
    link_id    TEXT PRIMARY KEY,
    hash       TEXT NOT NULL UNIQUE,
    role       TEXT NOT NULL,
    run_ids    TEXT, -- JSON array; NULL: the whole daemon
    label      TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER,
    revoked_at INTEGER
  );
  `,
  // 6 → 7: comments pinned to steps of a run, part of its seq-ordered event stream.
  `
  CREATE TABLE annotations (
    run_id TEXT NOT NULL,
    seq    INTEGER NOT NULL,
    step   INTEGER NOT NULL,
    record TEXT NOT NULL -- JSON: Annotation
  );
  CREATE INDEX annotations_by_seq ON annotations (run_id, seq);
  `,
  // 7 → 8: a run imported from a report (JSON {runId, exportedAt, importedAt}); such a run is read-only.
  `ALTER TABLE runs ADD COLUMN imported TEXT;`,
  // 8 → 9: per-metric min/max summary blocks (metric_blocks, see blocks.ts), filled from the stored metrics.
  createMetricBlocks,
];

export function migrate(db: Database.Database): void {
  db.transaction(() => {
    const version = db.pragma("user_version", { simple: true }) as number;
    if (version > migrations.length) {
      throw new Error(`store schema version ${version} is newer than this build knows (${migrations.length})`);
    }
    for (let v = version; v < migrations.length; v++) {
      const step = migrations[v]!;
      if (typeof step === "string") db.exec(step);
      else step(db);
    }
    db.pragma(`user_version = ${migrations.length}`);
  }).immediate();
}
