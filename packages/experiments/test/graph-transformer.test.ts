import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import {
  concatSets, edgeSequences, graphTransformer, graphVocabulary, Gpt, pathSequences, pathStar, rootToLeafPaths, Rng, splitLeaves, treeStar,
  ConfigError,
} from "@orrery/experiments";
import { liveParts, timeMajorTargets, type SequenceSet } from "../src/datasets/graph-sequences.ts";
import { gptPartLogits } from "../src/models/transformer/gpt-kernel.ts";
import { crossEntropy } from "../src/models/cross-entropy.ts";
import { timeMajorOneHot } from "../src/models/transformer/sequence-batch.ts";

describe("graph sequences", () => {
  test("root-to-leaf paths of a path-star run root, n1, …, leaf along each arm", () => {
    const paths = rootToLeafPaths(pathStar(3, 4));
    assert.deepEqual(paths, [
      [0, 1, 2, 3],
      [0, 4, 5, 6],
      [0, 7, 8, 9],
    ]);
    assert.equal(rootToLeafPaths(treeStar(2, 2, 3)).length, 4);
  });

  test("path examples: [PATH] leaf [PAUSE]×k root n1 … leaf, target n1 at the root's position (or the whole path)", () => {
    const vocab = graphVocabulary(10);
    const first = pathSequences([[0, 4, 5, 6]], 2, vocab, 9, "first");
    assert.deepEqual([...first.tokens], [vocab.PATH, 6, vocab.PAUSE, vocab.PAUSE, 0, 4, 5, 6, vocab.PAD]);
    assert.deepEqual(first.targets, [{ seq: 0, pos: 4, token: 4 }]);
    const full = pathSequences([[0, 4, 5, 6]], 2, vocab, 9, "full");
    assert.deepEqual(full.targets.map((t) => [t.pos, t.token]), [[3, 0], [4, 4], [5, 5], [6, 6]]);
    const edges = edgeSequences([[2, 3]], vocab, 4);
    assert.deepEqual([...edges.tokens], [vocab.EDGE, 2, 3, vocab.PAD]);
    assert.deepEqual(edges.targets, [{ seq: 0, pos: 1, token: 3 }]);
  });

  test("leaves split by seed: disjoint, complete, reproducible", () => {
    const paths = rootToLeafPaths(pathStar(8, 3));
    const a = splitLeaves(paths, 0.25, new Rng(3));
    const b = splitLeaves(paths, 0.25, new Rng(3));
    assert.deepEqual(a, b);
    assert.equal(a.test.length, 2);
    assert.equal(a.train.length + a.test.length, 8);
    const leaves = (ps: number[][]) => ps.map((p) => p[p.length - 1]);
    assert.equal(new Set([...leaves(a.train), ...leaves(a.test)]).size, 8);
  });

  test("path tasks on a graph without leaves are refused by key", () => {
    assert.throws(() => graphTransformer.resolveConfig({ graph: "cycle" }), (e: unknown) => e instanceof ConfigError && e.key === "task");
    assert.doesNotThrow(() => graphTransformer.resolveConfig({ graph: "cycle", task: "edges" }));
  });
});

describe("GPT", () => {
  before(async () => {
    await tf.setBackend("cpu");
  });

  const dims = { V: 7, T: 5, d: 8, heads: 2, layers: 2, mlp: true, tied: true };
  const tokens = Int32Array.from([0, 1, 2, 3, 4, 5, 6, 0, 1, 2]); // two sequences of T = 5

  test("is causal: changing a later token leaves earlier positions' logits unchanged", () => {
    const model = new Gpt(dims, new Rng(1), 0.3);
    const logitsOf = (t: Int32Array) => tf.tidy(() => model.forward(timeMajorOneHot(t, 2, dims.T, dims.V), 2).logits.arraySync());
    const changed = tokens.slice();
    changed[3] = 6; // sequence 0, position 3
    const [a, b] = [logitsOf(tokens), logitsOf(changed)];
    for (let t = 0; t < dims.T; t++) {
      const row = t * 2; // sequence 0 at position t (time-major)
      if (t < 3) assert.deepEqual(a[row], b[row], `position ${t}`);
      else assert.notDeepEqual(a[row], b[row], `position ${t}`);
    }
    model.dispose();
  });

  test("hand-written gradients agree with central differences in every parameter group", () => {
    const model = new Gpt({ ...dims, tied: false }, new Rng(2), 0.3);
    const targets = tf.tensor2d(Float32Array.from({ length: dims.T * 2 * dims.V }, (_, i) => (i % dims.V === (i * 7) % 5 ? 1 : 0)), [dims.T * 2, dims.V]);
    const inputs = timeMajorOneHot(tokens, 2, dims.T, dims.V);
    const loss = () => crossEntropy(model.forward(inputs, 2).logits, targets, 10);
    const groups = model.groups();
    const { grads } = tf.variableGrads(loss, Object.values(groups));
    const lossValue = () => tf.tidy(() => loss().dataSync()[0]!);
    const rng = new Rng(5);
    for (const [name, v] of Object.entries(groups)) {
      const analytic = grads[v.name]!.dataSync();
      for (let trial = 0; trial < 3; trial++) {
        const i = rng.int(v.size);
        const original = v.dataSync().slice();
        const at = (delta: number) => {
          const x = original.slice();
          x[i]! += delta;
          v.assign(tf.tensor(x, v.shape));
          return lossValue();
        };
        const h = 1e-2;
        const numeric = (at(h) - at(-h)) / (2 * h);
        v.assign(tf.tensor(original, v.shape));
        assert.ok(Math.abs(numeric - analytic[i]!) < 2e-3 + 0.05 * Math.abs(numeric), `${name}[${i}]: numeric ${numeric}, analytic ${analytic[i]}`);
      }
    }
    tf.dispose([grads, targets, inputs]);
    model.dispose();
  });

  test("a batch cut to its live parts has the loss and gradients of the whole padded batch (edges, first and full path targets, uneven paths)", () => {
    const g = treeStar(3, 2, 3); // root-to-leaf paths of two lengths
    const paths = rootToLeafPaths(g);
    const vocab = graphVocabulary(g.n);
    const T = 2 + 2 + Math.max(...paths.map((p) => p.length));
    const model = new Gpt({ V: vocab.size, T, d: 8, heads: 2, layers: 2, mlp: true, tied: true }, new Rng(4), 0.3);
    const params = Object.values(model.groups());
    const edges = edgeSequences(g.edges.slice(0, 5), vocab, T);
    const lossAndGrads = (loss: () => tf.Scalar) => {
      const { value, grads } = tf.variableGrads(loss, params);
      const out = { loss: value.dataSync()[0]!, grads: params.map((v) => grads[v.name]!.dataSync()) };
      tf.dispose([value, grads]);
      return out;
    };
    for (const target of ["first", "full"] as const) {
      const set: SequenceSet = concatSets(edges, pathSequences(paths, 2, vocab, T, target));
      const parts = liveParts(set);
      assert.equal(parts.reduce((s, p) => s + p.set.n, 0), set.n);
      assert.equal(parts.reduce((s, p) => s + p.set.targets.length, 0), set.targets.length);
      const edgePart = parts.find((p) => p.set.T === 2)!;
      assert.deepEqual([edgePart.from, edgePart.set.n], [1, 5], "edge sequences need positions 0 and 1, logits at 1");
      const full = lossAndGrads(() => {
        const inputs = timeMajorOneHot(set.tokens, set.n, T, vocab.size);
        const targets = tf.tensor2d(timeMajorTargets(set, vocab.size), [T * set.n, vocab.size]);
        return crossEntropy(model.forward(inputs, set.n).logits, targets, set.targets.length);
      });
      const cut = lossAndGrads(() =>
        tf.addN(parts.map(({ set: p, from }) => {
          const inputs = timeMajorOneHot(p.tokens, p.n, p.T, vocab.size);
          const targets = tf.tensor2d(timeMajorTargets(p, vocab.size, from), [(p.T - from) * p.n, vocab.size]);
          return crossEntropy(model.forward(inputs, p.n, { length: p.T, logitsFrom: from }).logits, targets, set.targets.length);
        })) as tf.Scalar,
      );
      assert.ok(Math.abs(cut.loss - full.loss) < 1e-5 * full.loss, `${target}: loss ${cut.loss} vs ${full.loss}`);
      const scale = Math.max(...full.grads.flatMap((g) => Array.from(g, Math.abs)));
      full.grads.forEach((g, k) => {
        const gap = Math.max(...Array.from(g, (v, i) => Math.abs(v - cut.grads[k]![i]!)));
        assert.ok(gap < 1e-5 * scale, `${target}: group ${k} differs by ${gap} (largest gradient ${scale})`);
      });
    }
    model.dispose();
  });
});

describe("GPT fused step (wasm SIMD)", () => {
  before(async () => {
    await import("@tensorflow/tfjs-backend-wasm");
    assert.ok(await tf.setBackend("wasm"));
  });
  after(async () => {
    await tf.setBackend("cpu");
  });

  const configs: Record<string, string | number | boolean>[] = [
    { star_degree: 5, path_length: 3, d_model: 8, heads: 2 },
    { star_degree: 4, path_length: 4, d_model: 16, heads: 1, mlp: false, path_target: "full" },
    { graph: "tree_star", star_degree: 3, path_length: 3, d_model: 8, layers: 1, task: "edges" },
    { star_degree: 4, path_length: 3, d_model: 12, heads: 3, layers: 3, init: "non_geometric", pauses: 0 },
  ];
  for (const config of configs) {
    test(`the kernel's loss and gradients are autodiff's, every group: ${JSON.stringify(config)}`, () => {
      const problem = graphTransformer.create(graphTransformer.resolveConfig({ ...config, eval_every: 1000 }));
      const groups = Object.keys(problem.params);
      const data = problem.dataState!();
      const direct = problem.gradients!(groups)!;
      assert.ok(direct, "the fused step runs on wasm");
      problem.restoreDataState!(data);
      const auto = tf.variableGrads(() => problem.loss(), groups.map((g) => problem.params[g]!));
      const [a, b] = [direct.loss.dataSync()[0]!, auto.value.dataSync()[0]!];
      assert.ok(Math.abs(a - b) < 1e-5 * b, `loss ${a} vs autodiff ${b}`);
      const scale = Math.max(...groups.flatMap((g) => Array.from(auto.grads[problem.params[g]!.name]!.dataSync(), Math.abs)));
      for (const g of groups) {
        const [x, y] = [direct.grads[g]!.dataSync(), auto.grads[problem.params[g]!.name]!.dataSync()];
        const gap = Math.max(...Array.from(x, (v, i) => Math.abs(v - y[i]!)));
        assert.ok(gap < 2e-5 * scale, `${g}: differs by ${gap} (largest gradient ${scale})`);
      }
      tf.dispose([direct.loss, auto.value, ...Object.values(direct.grads), ...Object.values(auto.grads)]);
      problem.dispose();
    });
  }

  test("the kernel's forward pass gives the tfjs forward's logits (evaluation runs on it)", () => {
    const dims = { V: 13, T: 6, d: 8, heads: 2, layers: 2, mlp: true, tied: true };
    const model = new Gpt(dims, new Rng(8), 0.5);
    const rng = new Rng(9);
    const [n, length, from] = [5, 4, 2];
    const tokens = Int32Array.from({ length: n * length }, () => rng.int(dims.V));
    const timeMajor = Float32Array.from({ length: n * length }, (_, r) => tokens[(r % n) * length + Math.floor(r / n)]!);
    const [a, b] = tf.tidy(() => [
      gptPartLogits(model, { n, length, from, tokens: tf.tensor1d(timeMajor) }).dataSync(),
      model.forward(timeMajorOneHot(tokens, n, length, dims.V), n, { length, logitsFrom: from }).logits.dataSync(),
    ]);
    assert.equal(a.length, (length - from) * n * dims.V);
    const gap = Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i]!)));
    assert.ok(gap < 1e-5, `logits differ by ${gap}`);
    model.dispose();
  });
});
