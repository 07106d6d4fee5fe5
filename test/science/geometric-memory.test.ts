import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { ConfigError, createTrainer, graphTransformer, node2vec, tinyNN, type CommonConfig, type Experiment } from "@orrery/experiments";
import { selectBackend } from "@orrery/trainer";

/**
 * Geometric memory on tiny graphs, EXPERIMENTS.md §3B, through the daemon's own path (createTrainer).
 * Returns the metrics of every evaluation, by step.
 */
function train<C extends CommonConfig>(experiment: Experiment<C>, config: Record<string, number | string | boolean>): Map<number, Record<string, number>> {
  const trainer = createTrainer(experiment, experiment.resolveConfig(config));
  const evals = new Map<number, Record<string, number>>();
  const steps = Number(config.steps);
  for (let i = 0; i < steps; i++) {
    const { step, metrics } = trainer.trainStep();
    if ("top5" in metrics) evals.set(step, metrics);
  }
  trainer.dispose();
  return evals;
}

const f = (x: number | undefined) => (x ?? NaN).toFixed(3);

describe("Geometric memory on tiny graphs (§3B)", () => {
  before(async () => {
    await selectBackend("auto");
  });

  test("Node2Vec on the 15-cycle converges onto the two Fiedler vectors (repo: 1.0, 1.0; next pair 0.06 at 3k)", () => {
    const evals = train(node2vec, { graph: "cycle", steps: 5000, eval_every: 1000 });
    const at1k = evals.get(1000)!;
    const last = evals.get(5000)!;
    const next = (m: Record<string, number>) => Math.max(m.proj_v4!, m.proj_v5!);
    console.log(
      `  node2vec: proj v2 ${f(last.proj_v2)} v3 ${f(last.proj_v3)}; next pair ${f(next(at1k))} @1k → ${f(next(last))} @5k; ` +
        `edge cos ${f(last.geo_level)}; loss/node ${f(last.loss)}`,
    );
    assert.ok(last.proj_v2! > 0.97 && last.proj_v3! > 0.97, "both Fiedler projections near 1");
    assert.ok(next(last) < 0.05 && next(last) < next(at1k), "the next eigenpair fades");
    assert.ok(Math.abs(last.geo_level! - 0.96) < 0.02, "edge cosine ≈ 0.96");
    assert.ok(Math.abs(last.loss! - 1.435) < 0.01, "loss per node plateaus at 1.435");
    assert.equal(last.top5, 100);
  });

  test("associative control (frozen E, d 512, lr 0.1): every edge in the top 5 within 2 steps, no geometry", () => {
    const evals = train(tinyNN, { graph: "cycle", d: 512, lr: 0.1, freeze_embedding: true, steps: 2, eval_every: 1 });
    const levels = [...evals.values()].map((m) => m.geo_level!);
    console.log(`  associative: top5 ${[...evals.values()].map((m) => m.top5).join(", ")}; geometric level ${levels.map(f).join(", ")}`);
    assert.equal(evals.get(2)!.top5, 100);
    assert.ok(levels.every((x) => Math.abs(x) < 0.05), "geometric level ≈ 0");
    assert.equal(levels[0], levels[1], "E stays frozen");
  });

  test("TinyNN on the cycle without self-edges stores a zig-zag: negative edge cosine, positive 2-hop cosine", () => {
    for (const seed of [0, 1, 2]) {
      const last = train(tinyNN, { graph: "cycle", d: 128, steps: 500, eval_every: 500, seed }).get(500)!;
      console.log(`  tiny-nn seed ${seed}: edge cos ${f(last.geo_level)}, 2-hop cos ${f(last.two_hop_cos)}, top5 ${last.top5}, margin ${f(last.margin)}`);
      assert.ok(last.geo_level! < -0.05, "edge cosine negative (repo: −0.11 … −0.26)");
      assert.ok(last.two_hop_cos! > 0.3, "2-hop cosine positive (repo: ≈ 0.5)");
      assert.equal(last.top5, 100);
    }
  });

  test(
    "TinyNN with the repo's cosine schedule memorizes the path-star (top-1 at the 53% ceiling)",
    () => {
      const last = train(tinyNN, { graph: "path_star", d: 32, steps: 500, schedule: "cosine", eval_every: 500 }).get(500)!;
      assert.equal(last.top5, 100);
      assert.ok(Math.abs(last.top1! - 53.125) < 1e-9);
    },
  );

  test("TinyGPT (1 layer, 1 head, d 32) memorizes the path-star's edges: top-5 100%, top-1 at the 53% ceiling", () => {
    const tiny = { task: "edges", graph: "path_star", star_degree: 4, path_length: 5, layers: 1, heads: 1, d_model: 32, pauses: 0 };
    const last = train(graphTransformer, { ...tiny, lr: 0.01, weight_decay: 0, steps: 300, eval_every: 300 }).get(300)!;
    console.log(`  tiny-gpt star: top1 ${f(last.top1)}, top5 ${last.top5}, edge cos ${f(last.geo_level)}`);
    assert.equal(last.top5, 100);
    assert.ok(Math.abs(last.top1! - 53.125) < 1e-9);
  });

  test("path-star paths (§3A, small): training leaves' first node learned, leaf embeddings turn toward their own arm's n1", () => {
    const evals = train(graphTransformer, { star_degree: 8, path_length: 4, d_model: 32, lr: 0.003, steps: 300, eval_every: 100 });
    const last = evals.get(300)!;
    console.log(
      `  graph-gpt G(8,4): first-token train ${f(last.first_token_train)}%, held-out ${f(last.first_token_test)}% (chance 12.5%); ` +
        `cos(leaf, own n1) ${f(last.leaf_n1_cos)} vs others ${f(last.leaf_n1_cos_other)}`,
    );
    assert.equal(last.first_token_train, 100);
    assert.ok(last.leaf_n1_cos! > last.leaf_n1_cos_other! + 0.4, "the geometry forms: own arm's n1 much closer than the others'");
    assert.ok(evals.get(1)!.leaf_n1_cos! < 0.2, "and it was not there at the start");
  });

  test("no tensor leaks through steps, evaluations and snapshots", () => {
    for (const [experiment, config] of [
      [node2vec, { eval_every: 1 }],
      [tinyNN, { d: 16, eval_every: 1 }],
      [graphTransformer, { star_degree: 3, path_length: 3, d_model: 8, eval_every: 1 }],
    ] as const) {
      const trainer = createTrainer(experiment as Experiment<any>, (experiment as Experiment<any>).resolveConfig(config));
      trainer.trainStep(); // and a snapshot: both warm caches (the model's tables per batch size and length)
      trainer.problem.snapshot();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 5; i++) trainer.trainStep(), trainer.problem.snapshot();
      assert.equal(tf.memory().numTensors, before, experiment.info.id);
      trainer.dispose();
    }
  });

  test("configs that would build too large a graph are refused by key", () => {
    assert.throws(() => tinyNN.resolveConfig({ graph: "grid", grid_rows: 100, grid_cols: 100 }), (e: unknown) => e instanceof ConfigError && e.key === "grid_rows");
    assert.throws(() => node2vec.resolveConfig({ graph: "path_star", star_degree: 300 }), (e: unknown) => e instanceof ConfigError && e.key === "star_degree");
  });
});
