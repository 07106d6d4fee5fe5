import type Database from "better-sqlite3";

/**
 * Block sizes (in steps) of the `metric_blocks` summary, one per level: per (run, metric, level, block of
 * BLOCK_SIZES[level] steps), the minimum and the maximum finite value and the earliest step holding each, kept up to
 * date as metrics are written. Downsampling a long series reads a handful of blocks per bucket, of the level that
 * fits its width, instead of every row (see downsample.ts). Changing these needs a migration that rebuilds the table.
 */
export const BLOCK_SIZES = [16, 128, 1024, 8192] as const;

export interface MetricCell {
  run: string;
  name: string;
  step: number;
  value: number | null;
}

interface BlockRow {
  run: string;
  name: string;
  level: number;
  block: number;
  minValue: number;
  minStep: number;
  maxValue: number;
  maxStep: number;
}

/** Ties go to the earliest step, as SQLite's MIN()/MAX() bare columns do over the metrics index. */
function fold(b: BlockRow, value: number, step: number): void {
  if (value < b.minValue || (value === b.minValue && step < b.minStep)) {
    b.minValue = value;
    b.minStep = step;
  }
  if (value > b.maxValue || (value === b.maxValue && step < b.maxStep)) {
    b.maxValue = value;
    b.maxStep = step;
  }
}

/**
 * The writer of `metric_blocks`: `add` folds metric rows (any order, any runs and names) into the blocks they
 * fall in, merging with what is stored; `rebuild` recomputes a series' blocks from a step on (after a rewind).
 * Call both inside the transaction that writes or deletes the rows.
 */
export function blockWriter(db: Database.Database) {
  // Merging is idempotent: folding a row in twice changes no min or max.
  const upsert = db.prepare<BlockRow>(`
    INSERT INTO metric_blocks (run_id, name, level, block, min_value, min_step, max_value, max_step)
    VALUES (@run, @name, @level, @block, @minValue, @minStep, @maxValue, @maxStep)
    ON CONFLICT (run_id, name, level, block) DO UPDATE SET
      min_step = CASE WHEN excluded.min_value < min_value OR (excluded.min_value = min_value AND excluded.min_step < min_step)
                      THEN excluded.min_step ELSE min_step END,
      min_value = MIN(min_value, excluded.min_value),
      max_step = CASE WHEN excluded.max_value > max_value OR (excluded.max_value = max_value AND excluded.max_step < max_step)
                      THEN excluded.max_step ELSE max_step END,
      max_value = MAX(max_value, excluded.max_value)`);
  const deleteFrom = db.prepare<[string, string, number, number]>(
    `DELETE FROM metric_blocks WHERE run_id = ? AND name = ? AND level = ? AND block >= ?`,
  );
  // Paged: better-sqlite3 allows no write while a statement is being iterated.
  const rowsFrom = db.prepare<[string, string, number, number], MetricCell>(`
    SELECT run_id AS run, name, step, value FROM metrics
    WHERE run_id = ? AND name = ? AND step >= ? AND value IS NOT NULL ORDER BY step LIMIT ?`);

  function add(cells: Iterable<MetricCell>): void {
    // The blocks being filled per (run, name), one per level: rows come in step order per series almost always,
    // so a series holds one open block per level; out-of-order rows just make more partial blocks, merged on write.
    const open = new Map<string, Map<string, BlockRow[]>>();
    for (const { run, name, step, value } of cells) {
      if (value === null) continue; // nulls are found through the metrics_null index
      let byName = open.get(run);
      if (!byName) open.set(run, (byName = new Map()));
      let blocks = byName.get(name);
      if (!blocks) byName.set(name, (blocks = []));
      for (let level = 0; level < BLOCK_SIZES.length; level++) {
        const block = Math.floor(step / BLOCK_SIZES[level]!);
        const b = blocks[level];
        if (b?.block === block) fold(b, value, step);
        else {
          if (b) upsert.run(b);
          blocks[level] = { run, name, level, block, minValue: value, minStep: step, maxValue: value, maxStep: step };
        }
      }
    }
    for (const byName of open.values()) for (const blocks of byName.values()) for (const b of blocks) upsert.run(b);
  }

  /** Recomputes the series' blocks, at every level, from the ones holding fromStep on, from its stored rows. */
  function rebuild(run: string, name: string, fromStep: number): void {
    const top = BLOCK_SIZES[BLOCK_SIZES.length - 1]!;
    for (let level = 0; level < BLOCK_SIZES.length; level++) deleteFrom.run(run, name, level, Math.floor(fromStep / BLOCK_SIZES[level]!));
    const page = 1 << 16;
    for (let from = Math.floor(fromStep / top) * top; ;) {
      const rows = rowsFrom.all(run, name, from, page);
      add(rows);
      if (rows.length < page) return;
      // The next page starts at this one's last step again (refolding its rows is harmless).
      const first = rows[0]!.step;
      const last = rows[rows.length - 1]!.step;
      from = last === first ? last + 1 : last;
    }
  }

  return { add, rebuild };
}

/** Migration 8 → 9: the summary table, filled from the stored metrics. */
export function createMetricBlocks(db: Database.Database): void {
  db.exec(`
    -- Per (run, metric, level, block of BLOCK_SIZES[level] steps): the min and max finite value and the earliest
    -- step holding each (see blocks.ts).
    CREATE TABLE metric_blocks (
      run_id    TEXT NOT NULL,
      name      TEXT NOT NULL,
      level     INTEGER NOT NULL,
      block     INTEGER NOT NULL, -- step / BLOCK_SIZES[level]
      min_value REAL NOT NULL,
      min_step  INTEGER NOT NULL,
      max_value REAL NOT NULL,
      max_step  INTEGER NOT NULL,
      PRIMARY KEY (run_id, name, level, block)
    ) WITHOUT ROWID;
  `);
  const series = db.prepare<[], { run: string; name: string }>(`SELECT DISTINCT run_id AS run, name FROM metrics`).all();
  const writer = blockWriter(db);
  for (const { run, name } of series) writer.rebuild(run, name, 0);
}
