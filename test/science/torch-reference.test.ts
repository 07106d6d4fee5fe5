import { before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { Config } from "@orrery/protocol";
import { createTrainer, experiments } from "@orrery/experiments";
import { selectBackend } from "@orrery/trainer";

/**
 * The PyTorch references of `npm run bench -- torch` (scripts/torch/) compute what Orrery computes: started from
 * the same parameters (they port Orrery's Rng) and, in --check mode, fed Orrery's data streams draw for draw,
 * their losses match Orrery's step for step, up to float rounding. Needs Debian's python3-torch; skipped without.
 */
const PYTHON = process.env.BENCH_PYTHON ?? "/usr/bin/python3";
const REFERENCE = fileURLToPath(new URL("../../scripts/torch/bench.py", import.meta.url));
const STEPS = 4;
const torchMissing = spawnSync(PYTHON, ["-c", "import torch"]).status !== 0;

/** Every experiment's defaults, and variants that reach the other branches: sampled data, frozen groups, schedules, options. */
const CASES: Array<[string, Config]> = [
  ...Object.keys(experiments).map((id): [string, Config] => [id, {}]),
  ["bigram-circle", { data: "batch", batch_size: 64, w_mode: "frozen_neg" }],
  ["bigram-linear", { loss: "batch", layer_norm: true, a_mode: "residual", tied: false }],
  ["bigram-linear", { data: "zipf", a_mode: "none", n_embd: 1, loss: "batch", schedule: "warmup-decay", warmup_steps: 2, decay_steps: 2, steps: 4 }],
  ["low-rank-bigram", { data: "batch", lambda: "power", R: 4, N: 3 }],
  ["node2vec", { graph: "irregular", self_edges: true, d: 8 }],
  ["tiny-nn", { graph: "grid", weight_decay: 0.1, schedule: "cosine", steps: 3, d: 16 }],
  ["graph-transformer", { star_degree: 12, path_target: "full", tied: false, heads: 1 }],
  ["graph-transformer", { graph: "tree_star", star_degree: 3, path_length: 3, task: "staged", edge_steps: 2, mlp: false, init: "non_geometric" }],
  ["induction-heads", { layers: 1, distribution: "two-level", batch_size: 8 }],
];

describe("PyTorch references (scripts/torch) against Orrery", { skip: torchMissing && `${PYTHON} cannot import torch` }, () => {
  before(async () => {
    await selectBackend("auto");
  });

  test(`the same losses step for step over ${STEPS} steps, every experiment`, async () => {
    const jobs = CASES.map(([experiment, partial]) => ({ experiment, config: experiments[experiment]!.resolveConfig(partial) }));
    // PyTorch runs in its own process while Orrery trains here.
    const reference = new Promise<string>((resolve, reject) =>
      execFile(PYTHON, [REFERENCE, "--check", String(STEPS), "--jobs", JSON.stringify(jobs)], { env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" } }, (error, stdout, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    const ours = jobs.map(({ experiment, config }) => {
      const trainer = createTrainer(experiments[experiment]!, config);
      const losses = Array.from({ length: STEPS }, () => trainer.trainStep().loss);
      trainer.dispose();
      return losses;
    });
    const theirs = (await reference).trim().split("\n").map((line) => JSON.parse(line) as { losses: number[] });
    assert.equal(theirs.length, jobs.length);
    jobs.forEach(({ experiment }, i) => {
      const label = `${experiment} ${JSON.stringify(CASES[i]![1])}`;
      ours[i]!.forEach((loss, step) => {
        const torch = theirs[i]!.losses[step]!;
        assert.ok(Math.abs(loss - torch) <= 1e-4 * Math.abs(torch), `${label}, step ${step + 1}: Orrery ${loss}, PyTorch ${torch}`);
      });
    });
  });
});
