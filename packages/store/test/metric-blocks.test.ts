// The min/max summary blocks (metric_blocks, schema v9) that downsampling reads: kept equal to what the stored rows
// give however the rows were written (many flushes, out of order, imports, rewinds, an upgraded v8 store), and the
// downsampled series read from them keep each bucket's exact min, max and first null.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { after, test } from "node:test";
import assert from "node:assert/strict";
import Database from "better-sqlite3";
import type { MetricPoint, Series } from "@orrery/protocol";
import { RunStore } from "../src/index.ts";
import { BLOCK_SIZES } from "../src/blocks.ts";
import { migrations } from "../src/schema.ts";

const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), "orrery-blocks-"));
after(() => fs.rmSync(tempDir, { recursive: true, force: true }));
let files = 0;
const tempFile = () => path.join(tempDir, `blocks${++files}.db`);

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Row {
  run: string;
  name: string;
  step: number;
  value: number | null;
}

/** The stored rows, through a second connection (it sees what was committed). */
function storedRows(file: string): Row[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare<[], Row>(`SELECT run_id AS run, name, step, value FROM metrics ORDER BY run_id, name, step, rowid`).all();
  } finally {
    db.close();
  }
}

/** Every block as stored, and as the rows give it (min and max finite value, earliest step holding each). */
function blocksOf(file: string): { stored: string[]; expected: string[] } {
  const db = new Database(file, { readonly: true });
  try {
    const stored = db
      .prepare<[], Record<string, unknown>>(`SELECT * FROM metric_blocks ORDER BY run_id, name, level, block`)
      .all()
      .map((b) => `${b.run_id}/${b.name} L${b.level} #${b.block}: min ${b.min_value}@${b.min_step} max ${b.max_value}@${b.max_step}`);
    const acc = new Map<string, { run: string; name: string; level: number; block: number; lo: Row; hi: Row }>();
    for (const r of storedRows(file)) {
      if (r.value === null) continue;
      BLOCK_SIZES.forEach((size, level) => {
        const block = Math.floor(r.step / size);
        const key = `${r.run}\0${r.name}\0${level}\0${block}`;
        const b = acc.get(key);
        if (!b) acc.set(key, { run: r.run, name: r.name, level, block, lo: r, hi: r });
        else {
          if (r.value! < b.lo.value! || (r.value === b.lo.value && r.step < b.lo.step)) b.lo = r;
          if (r.value! > b.hi.value! || (r.value === b.hi.value && r.step < b.hi.step)) b.hi = r;
        }
      });
    }
    const expected = [...acc.values()]
      .sort((a, b) => (a.run < b.run ? -1 : a.run > b.run ? 1 : a.name < b.name ? -1 : a.name > b.name ? 1 : a.level - b.level || a.block - b.block))
      .map((b) => `${b.run}/${b.name} L${b.level} #${b.block}: min ${b.lo.value}@${b.lo.step} max ${b.hi.value}@${b.hi.step}`);
    return { stored, expected };
  } finally {
    db.close();
  }
}

function assertBlocksMatchRows(file: string, what: string): void {
  const { stored, expected } = blocksOf(file);
  assert.ok(expected.length > 0, `${what}: some blocks`);
  assert.deepEqual(stored, expected, `${what}: metric_blocks is what the rows give`);
}

/** Per bucket [edges[i], edges[i + 1]): the exact min and max finite point and the first null point, as a series. */
function bucketed(rows: Row[], edges: number[]): Series {
  const points = new Map<string, Row>();
  let k = 0;
  for (let i = 0; i + 1 < edges.length; i++) {
    let lo: Row | undefined;
    let hi: Row | undefined;
    let firstNull: Row | undefined;
    for (; k < rows.length && rows[k]!.step < edges[i + 1]!; k++) {
      const r = rows[k]!;
      if (r.step < edges[i]!) continue;
      if (r.value === null) firstNull ??= r;
      else {
        if (!lo || r.value < lo.value!) lo = r;
        if (!hi || r.value > hi.value!) hi = r;
      }
    }
    for (const p of [lo, hi, firstNull]) if (p) points.set(`${p.step}:${p.value}`, p);
  }
  const sorted = [...points.values()].sort((a, b) => a.step - b.step || (a.value ?? -Infinity) - (b.value ?? -Infinity));
  return { step: sorted.map((p) => p.step), value: sorted.map((p) => p.value) };
}

/** The bucket edges the store uses for a series read from blocks of `size` steps: each moved down to a block edge. */
function blockEdges(lo: number, hi: number, buckets: number, size: number): number[] {
  const span = hi - lo + 1;
  return Array.from({ length: buckets + 1 }, (_, i) =>
    i === buckets ? Math.ceil((lo + span) / size) * size : Math.floor(Math.ceil(lo + (i * span) / buckets) / size) * size,
  );
}

/** A noisy decaying loss with single-step spikes and dips, a divergence to NaN and back, in points of `seq`. */
function lossPoints(steps: number, seed: number, from = 1): { points: MetricPoint[]; outliers: Map<number, number> } {
  const random = rng(seed);
  const outliers = new Map<number, number>();
  const points: MetricPoint[] = [];
  for (let step = from; step < from + steps; step++) {
    let loss: number | null = 2 * Math.exp(-step / 20_000) + 0.05 * random();
    // Further apart than any bucket checked below is wide, so that each is its bucket's max or min.
    if (step % 7919 === 0) outliers.set(step, (loss = (step / 7919) % 2 ? 50 + random() : -1 - random()));
    else if (step % 10_007 < 3) loss = NaN;
    points.push({ seq: step, step, values: step % 3 === 0 ? { loss, acc: Math.round(random() * 4) } : { loss } });
  }
  return { points, outliers };
}

test("blocks written over many flushes, several runs and out-of-order rows match the rows", () => {
  const file = tempFile();
  const store = RunStore.open(file);
  const { points } = lossPoints(60_000, 1);
  // Flushes of every size (1 to 997 points), interleaved with a second run.
  const random = rng(2);
  for (let i = 0; i < points.length; ) {
    const n = 1 + Math.floor(random() * 997);
    store.appendMetrics("a", points.slice(i, i + n));
    store.appendMetrics("b", points.slice(i, i + n).map((p) => ({ ...p, values: { loss: (p.values.loss ?? 0) * 2 } })));
    if (random() < 0.5) store.flush();
    i += n;
  }
  // Late points landing in blocks already written, some beating their minimum or maximum, a duplicate step, and ties.
  store.appendMetrics("a", [
    { seq: 70_001, step: 100, values: { loss: -5 } },
    { seq: 70_002, step: 33, values: { loss: 99 } },
    { seq: 70_003, step: 40_000, values: { loss: 0.5 } },
    { seq: 70_004, step: 40_000, values: { loss: 0.25 } },
    { seq: 70_005, step: 8_200, values: { acc: 4 } },
  ]);
  store.close();
  assertBlocksMatchRows(file, "after many flushes");
});

test("series read from blocks keep each bucket's exact min, max and first null, on every level", () => {
  const file = tempFile();
  const store = RunStore.open(file);
  const steps = 300_000;
  const { points, outliers } = lossPoints(steps, 3);
  for (let i = 0; i < points.length; i += 500) store.appendMetrics("r", points.slice(i, i + 500));
  store.flush();
  const rows = storedRows(file).filter((r) => r.name === "loss");
  // Bucket widths from 60 steps (read from the rows) to 60,000 (from the largest blocks): every level is read.
  const levels = new Set<number>();
  for (const maxPoints of [10_000, 4000, 1000, 100, 10]) {
    const loss = store.metricSeries("r", maxPoints).loss!;
    const buckets = maxPoints / 2;
    // The store's rule: the largest blocks of which a bucket spans at least 4; none: the rows.
    let level = BLOCK_SIZES.length - 1;
    while (level >= 0 && steps / buckets < 4 * BLOCK_SIZES[level]!) level--;
    levels.add(level);
    if (level >= 0) assert.deepEqual(loss, bucketed(rows, blockEdges(1, steps, buckets, BLOCK_SIZES[level]!)), `maxPoints ${maxPoints}`);
    assert.ok(loss.step.length <= maxPoints + buckets, `maxPoints ${maxPoints}: ${loss.step.length} points`);
    assert.deepEqual(loss.step, [...loss.step].sort((a, b) => a - b), "step order");
    if (maxPoints >= 1000) {
      for (const [step, value] of outliers) assert.equal(loss.value[loss.step.indexOf(step)], value, `maxPoints ${maxPoints}: outlier at ${step}`);
    }
    if (maxPoints >= 1000) {
      for (let nan = 10_007; nan < steps; nan += 10_007) assert.equal(loss.value[loss.step.indexOf(nan)], null, `maxPoints ${maxPoints}: the NaN at ${nan}`);
    }
  }
  assert.deepEqual([...levels].sort((a, b) => a - b), [-1, ...BLOCK_SIZES.keys()], "every level and the rows");
  store.close();
});

test("rewinding to a checkpoint recomputes the blocks past it; the resumed run's new values replace the old", () => {
  const file = tempFile();
  const store = RunStore.open(file);
  store.createRun({ runId: "r", experiment: "bigram", config: {}, totalSteps: 50_000, backend: "cpu", createdAt: 1 });
  const { points } = lossPoints(50_000, 4);
  store.appendMetrics("r", points.slice(0, 30_000));
  store.saveCheckpoint("r", { seq: 30_000, step: 30_000, meta: "{}", bytes: new Uint8Array([1]) });
  // Past the checkpoint: a spike, in a block that also holds rows before it (30,000 is not a block edge).
  store.appendMetrics("r", points.slice(30_000).map((p) => (p.step === 30_005 ? { ...p, values: { loss: 1e6 } } : p)));
  store.flush();
  assert.ok(store.metricSeries("r", 1000).loss!.value.includes(1e6));
  store.rewindTo("r", 30_000, 30_000);
  store.flush();
  assertBlocksMatchRows(file, "after the rewind");
  assert.ok(!store.metricSeries("r", 1000).loss!.value.includes(1e6), "the forgotten spike is gone");
  assert.ok(Math.max(...store.metricSeries("r", 1000).loss!.step) <= 30_000);
  // The resumed run recomputes those steps, differently.
  store.appendMetrics("r", points.slice(30_000).map((p) => ({ ...p, values: { loss: (p.values.loss ?? 0) + 1 } })));
  store.close();
  assertBlocksMatchRows(file, "after resuming");
});

test("an imported run gets its blocks", () => {
  const file = tempFile();
  const store = RunStore.open(file);
  const { points } = lossPoints(5_000, 5);
  store.importRun(
    {
      runId: "imp", experiment: "bigram", config: {}, totalSteps: 5_000, backend: "cpu", createdAt: 1, state: "finished",
      reason: null, step: 5_000, lastSeq: 5_000, imported: { runId: "orig", exportedAt: 1, importedAt: 2 },
    },
    points.map((point) => ({ kind: "metrics", point })),
  );
  store.close();
  assertBlocksMatchRows(file, "after importRun");
});

test("a v8 store is migrated: its blocks are built from its rows and its series read as from a store written now", () => {
  const file = tempFile();
  const { points } = lossPoints(120_000, 6);
  const old = new Database(file);
  for (const m of migrations.slice(0, 8)) {
    assert.equal(typeof m, "string");
    old.exec(m as string);
  }
  old.pragma("user_version = 8");
  const insert = old.prepare(`INSERT INTO metrics (run_id, seq, step, name, value) VALUES (?, ?, ?, ?, ?)`);
  old.transaction(() => {
    for (const run of ["x", "y"]) {
      for (const p of points) for (const [name, v] of Object.entries(p.values)) insert.run(run, p.seq, p.step, name, v !== null && Number.isFinite(v) ? v : null);
    }
  })();
  old.close();

  const migrated = RunStore.open(file);
  const fresh = RunStore.open(":memory:");
  fresh.appendMetrics("x", points);
  for (const maxPoints of [100, 1000, 2000, 10_000]) {
    assert.deepEqual(migrated.metricSeries("x", maxPoints), fresh.metricSeries("x", maxPoints), `maxPoints ${maxPoints}`);
    assert.deepEqual(migrated.metricSeries("y", maxPoints), fresh.metricSeries("x", maxPoints), `maxPoints ${maxPoints}`);
  }
  migrated.close();
  fresh.close();
  const db = new Database(file, { readonly: true });
  assert.equal(db.pragma("user_version", { simple: true }), migrations.length);
  db.close();
  assertBlocksMatchRows(file, "after the migration");
});
