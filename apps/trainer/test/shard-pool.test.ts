import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { createTrainer, experiments, ShardSchedule, type Trainer } from "@orrery/experiments";
import { selectBackend } from "../src/backend/select-backend.ts";
import { ShardPool } from "../src/shards/shard-pool.ts";

// Data-parallel steps on real worker threads: the same training as one thread, up to float rounding.
const runs = {
  "graph-transformer": experiments["graph-transformer"]!.resolveConfig({ eval_every: 1_000_000 }),
  "induction-heads": experiments["induction-heads"]!.resolveConfig({ eval_every: 1_000_000 }),
};

let backend = "";
before(async () => {
  backend = (await selectBackend("wasm")).name;
});

async function sharded(id: keyof typeof runs): Promise<{ trainer: Trainer; pool: ShardPool }> {
  const trainer = createTrainer(experiments[id]!, runs[id]);
  assert.ok(trainer.problem.shardGradients, `${id}'s default batch can be split`);
  const pool = new ShardPool(id, runs[id], backend, 1);
  assert.ok(await pool.whenReady(), `the shard thread started (${pool.failure})`);
  trainer.useShards(pool, new ShardSchedule(1, 0)); // every step split, whatever the timings
  return { trainer, pool };
}

const pools: ShardPool[] = [];
after(() => pools.forEach((p) => p.dispose()));

for (const id of Object.keys(runs) as (keyof typeof runs)[]) {
  test(`${id}: a step split across two threads trains as one thread does, frozen groups included, and leaks no tensors`, async () => {
    const { trainer, pool } = await sharded(id);
    pools.push(pool);
    const single = createTrainer(experiments[id]!, runs[id]);
    const frozen = Object.keys(single.problem.params)[1]!;
    for (const t of [trainer, single]) t.setFrozen(frozen, true);
    const losses = (t: Trainer) => Array.from({ length: 6 }, () => t.trainStep().loss);
    const a = losses(trainer);
    const tensors = tf.memory().numTensors;
    a.push(...losses(trainer));
    assert.equal(tf.memory().numTensors, tensors, "tensors after more sharded steps");
    const b = [...losses(single), ...losses(single)];
    a.forEach((loss, i) => assert.ok(Math.abs(loss - b[i]!) < 1e-5 * b[i]!, `step ${i + 1}: ${loss} sharded, ${b[i]} on one thread`));
    assert.ok(a[11]! < a[0]!, "it trains");
    const params = (t: Trainer) => Object.fromEntries(Object.entries(t.problem.params).map(([g, v]) => [g, v.dataSync()]));
    const [pa, pb] = [params(trainer), params(single)];
    for (const g of Object.keys(pa)) {
      const gap = Math.max(...Array.from(pa[g]!, (v, i) => Math.abs(v - pb[g]![i]!)));
      assert.ok(gap < 1e-4, `${g} differs by ${gap}`);
    }
    single.dispose();
    trainer.dispose();
  });
}

test("a shard thread's error fails the step with its message, and the thread takes the next job", async () => {
  const { trainer, pool } = await sharded("graph-transformer");
  pools.push(pool);
  const job = { params: { E: new Float32Array(3) }, trained: ["E"], data: [], of: 2 };
  pool.start(job);
  assert.throws(() => pool.finish(), /shard thread: parameter E: 3 values/);
  assert.ok(Number.isFinite(trainer.trainStep().loss), "the next sharded step runs");
  trainer.dispose();
});
