import { after, before, describe, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bigramCircle, createTrainer, type TrainerState } from "@orrery/experiments";
import { encodeSafetensors, f32Tensor, type Config } from "@orrery/protocol";
import {
  CHECKPOINT_FORMAT, CheckpointError, decodeCheckpointFile, encodeCheckpointFile, trainerStateOf,
} from "../src/checkpoints/safetensors-checkpoint.ts";
import { assertCheckpointFits, checkpointProblems, selectGroups } from "../src/checkpoints/checkpoint-fit.ts";

const bitsOf = (a: Float32Array) => [...new Uint32Array(a.buffer, a.byteOffset, a.length)];
const bitwise = (s: TrainerState) => ({
  ...s,
  params: s.params.map((t) => ({ ...t, data: bitsOf(t.data) })),
  optimizer: s.optimizer.map((t) => ({ ...t, data: bitsOf(t.data) })),
});

const config = bigramCircle.resolveConfig({ data: "batch", batch_size: 16, seed: 3 }) as unknown as Config;
let state: TrainerState;
let later: number[];
let bytes: Uint8Array;
let dir: string;

before(async () => {
  const trainer = createTrainer(bigramCircle as never, config as never);
  for (let i = 0; i < 5; i++) trainer.trainStep();
  state = await trainer.saveState();
  later = Array.from({ length: 5 }, () => trainer.trainStep().loss);
  trainer.dispose();
  bytes = encodeCheckpointFile({ experiment: bigramCircle.info.id, config, state, runId: "r-7", name: "before W fix" });
  dir = mkdtempSync(join(tmpdir(), "orrery-safetensors-"));
});
after(() => rmSync(dir, { recursive: true, force: true }));

describe("checkpoint as safetensors", () => {
  test("reads back bit-exact, re-encodes byte-exact, and a trainer loaded from it continues identically", async () => {
    const back = decodeCheckpointFile(bytes);
    assert.deepEqual(back.origin, {
      experiment: "bigram-circle", config, step: 5, data: state.data, settings: state.settings, runId: "r-7", name: "before W fix",
    });
    assert.deepEqual(bitwise(trainerStateOf(back)), bitwise(state));
    assert.deepEqual(
      encodeCheckpointFile({ experiment: "bigram-circle", config, state: trainerStateOf(back), runId: "r-7", name: "before W fix" }),
      bytes,
    );
    const resumed = createTrainer(bigramCircle as never, config as never);
    await resumed.loadState(trainerStateOf(back));
    assert.deepEqual(Array.from({ length: 5 }, () => resumed.trainStep().loss), later);
    resumed.dispose();
  });

  test("a PyTorch user sees plain group names, the optimizer beside them, Orrery's metadata as strings", (t) => {
    const path = join(dir, "plain.safetensors");
    writeFileSync(path, bytes);
    const py = python(t, READER, path);
    if (py === null) return;
    const read = JSON.parse(py) as { metadata: Record<string, string>; tensors: Record<string, { dtype: string; shape: number[]; bits: number[] }> };
    assert.deepEqual(read.metadata, {
      format: "pt",
      "orrery.format": CHECKPOINT_FORMAT,
      "orrery.experiment": "bigram-circle",
      "orrery.config": JSON.stringify(Object.fromEntries(Object.entries(config).sort())),
      "orrery.step": "5",
      "orrery.data": JSON.stringify(state.data),
      "orrery.settings": JSON.stringify(state.settings),
      "orrery.runId": "r-7",
      "orrery.name": "before W fix",
    });
    const expected = [
      ...state.params.map((t) => [t.name, t] as const),
      ...state.optimizer.map((t) => [`optimizer/${t.name}`, t] as const),
    ];
    assert.deepEqual(Object.keys(read.tensors).sort(), expected.map(([n]) => n).sort());
    assert.ok(["E", "W1", "W2"].every((g) => g in read.tensors));
    for (const [name, t] of expected) {
      assert.deepEqual(read.tensors[name], { dtype: "F32", shape: t.shape, bits: bitsOf(t.data) }, name);
    }
  });

  test("the safetensors library itself loads it, where installed", (t) => {
    const path = join(dir, "library.safetensors");
    writeFileSync(path, bytes);
    const py = python(
      t,
      `import sys, json\ntry:\n    from safetensors.numpy import load_file\nexcept ImportError:\n    print("SKIP"); sys.exit(0)\n` +
        `from safetensors import safe_open\nd = load_file(sys.argv[1])\nwith safe_open(sys.argv[1], "np") as f: m = f.metadata()\n` +
        `print(json.dumps({"W1": d["W1"].tolist(), "shape": list(d["E"].shape), "step": m["orrery.step"]}))`,
      path,
    );
    if (py === null) return;
    if (py.trim() === "SKIP") return t.skip("python3 has no safetensors module (pip install safetensors)");
    const read = JSON.parse(py) as { W1: number[][]; shape: number[]; step: string };
    const w1 = state.params.find((p) => p.name === "W1")!;
    assert.deepEqual(read.W1.flat(), [...w1.data]);
    assert.deepEqual(read.shape, state.params.find((p) => p.name === "E")!.shape);
    assert.equal(read.step, "5");
  });
});

describe("refusals say which", () => {
  const refuses = (fn: () => unknown, message: RegExp) =>
    assert.throws(fn, (e: unknown) => e instanceof CheckpointError && message.test(e.message));
  const run = { experiment: "bigram-circle", shapes: { E: [29, 2], W1: [2, 2], W2: [2, 2] } };

  test("corrupt and truncated files", () => {
    refuses(() => decodeCheckpointFile(bytes.subarray(0, bytes.length - 10)), /not a readable safetensors file: truncated file: the tensors need \d+ bytes after the header, the file has \d+/);
    refuses(() => decodeCheckpointFile(bytes.subarray(0, 100)), /not a readable safetensors file: header length \d+ runs past the end/);
    const corrupt = bytes.slice();
    corrupt[8] = "[".charCodeAt(0);
    refuses(() => decodeCheckpointFile(corrupt), /not a readable safetensors file: header is not valid JSON/);
    const ints = encodeSafetensors({ tensors: [{ name: "W1", dtype: "I32", shape: [1], bytes: new Uint8Array(4) }] });
    refuses(() => decodeCheckpointFile(ints), /tensor "W1" has dtype I32; parameters and optimizer state must be floating point/);
  });

  test("another format version and broken Orrery metadata", () => {
    const withMeta = (metadata: Record<string, string>) => encodeSafetensors({ tensors: [f32Tensor("W1", [1], new Float32Array(1))], metadata });
    const good = { "orrery.format": CHECKPOINT_FORMAT, "orrery.experiment": "x", "orrery.config": "{}", "orrery.step": "3", "orrery.data": "null" };
    assert.equal(decodeCheckpointFile(withMeta(good)).origin?.step, 3);
    refuses(() => decodeCheckpointFile(withMeta({ ...good, "orrery.format": "orrery.checkpoint/9" })), /checkpoint format "orrery.checkpoint\/9" is not one this Orrery reads \(orrery.checkpoint\/1\)/);
    refuses(() => decodeCheckpointFile(withMeta({ ...good, "orrery.step": "-1" })), /metadata "orrery.step" is "-1", not a step/);
    refuses(() => decodeCheckpointFile(withMeta({ ...good, "orrery.config": "{" })), /metadata "orrery.config" is not valid JSON/);
    refuses(() => decodeCheckpointFile(withMeta({ ...good, "orrery.config": '{"a":[1]}' })), /metadata "orrery.config" is not a config/);
    refuses(() => decodeCheckpointFile(withMeta({ ...good, "orrery.data": '"x"' })), /metadata "orrery.data" is neither null nor a list of numbers/);
    refuses(() => decodeCheckpointFile(withMeta({ ...good, "orrery.settings": '{"frozen":"W1"}' })), /metadata "orrery.settings" is not \{frozen/);
    const { "orrery.experiment": _, ...noExperiment } = good;
    refuses(() => decodeCheckpointFile(withMeta(noExperiment)), /metadata lacks "orrery.experiment"/);
  });

  test("another experiment, wrong shapes, missing and extra groups", () => {
    const c = decodeCheckpointFile(bytes);
    assert.deepEqual(checkpointProblems(c, run), []);
    assert.deepEqual(checkpointProblems(c, { ...run, experiment: "node2vec" }), ["file is of experiment bigram-circle, run is node2vec"]);
    assert.deepEqual(checkpointProblems(c, { ...run, shapes: { ...run.shapes, W1: [3, 2] } }), [
      "group W1: file has shape [2,2], run has [3,2]",
      "optimizer state W1/1:1/m: file has shape [2,2], run's W1 has [3,2]",
      "optimizer state W1/2:1/v: file has shape [2,2], run's W1 has [3,2]",
    ]);
    assert.deepEqual(checkpointProblems(c, { ...run, shapes: { ...run.shapes, W3: [2] } }), ["missing group W3: the file has E, W1, W2"]);
    const { W2: _, ...noW2 } = run.shapes;
    assert.deepEqual(checkpointProblems(c, { ...run, shapes: noW2 }), ["file has group W2, which the run does not"]);
    refuses(() => assertCheckpointFits(c, { experiment: "node2vec", shapes: { ...run.shapes, E: [7, 2] } }),
      /^file is of experiment bigram-circle, run is node2vec; group E: file has shape \[29,2\], run has \[7,2\]; optimizer state E\/1:0\/m/);
  });

  test("selected groups: only they must fit, and only they are taken", () => {
    const c = decodeCheckpointFile(bytes);
    const other = { ...run, shapes: { E: [7, 2], W1: [2, 2], W2: [2, 2] } };
    assert.deepEqual(checkpointProblems(c, other, ["W1", "W2"]), []);
    assert.deepEqual(checkpointProblems(c, other, ["E"]), [
      "group E: file has shape [29,2], run has [7,2]",
      "optimizer state E/1:0/m: file has shape [29,2], run's E has [7,2]",
      "optimizer state E/2:0/v: file has shape [29,2], run's E has [7,2]",
    ]);
    assert.deepEqual(checkpointProblems(c, other, ["W9"]), ["unknown group W9: the run has E, W1, W2"]);
    assert.deepEqual(checkpointProblems(c, other, []), ["no groups selected"]);
    const picked = selectGroups(c, ["W1"]);
    assert.deepEqual(picked.params.map((t) => t.name), ["W1"]);
    assert.deepEqual(picked.optimizer.map((t) => t.name), ["W1/0:iter", "W1/1:1/m", "W1/2:1/v", "W1/accBeta1", "W1/accBeta2"]);
  });

  test("weights trained elsewhere: plain tensors (F64 from numpy) read as parameters only", () => {
    const f64 = (name: string, shape: number[], xs: number[]) => ({ name, dtype: "F64" as const, shape, bytes: new Uint8Array(Float64Array.from(xs).buffer) });
    const foreign = decodeCheckpointFile(encodeSafetensors({ tensors: [f64("W1", [2, 2], [-1, 0, 0, -1]), f64("W2", [2, 2], [-1, 0, 0, -1])] }));
    assert.equal(foreign.origin, null);
    assert.deepEqual(foreign.params.find((t) => t.name === "W1")!.data, Float32Array.from([-1, 0, 0, -1]));
    assert.deepEqual(checkpointProblems(foreign, run, ["W1", "W2"]), []);
    assert.deepEqual(checkpointProblems(foreign, run), ["missing group E: the file has W1, W2"]);
    refuses(() => trainerStateOf(foreign), /the file holds weights only/);
  });
});

/** An independent reader, from the format's description only: struct, json and numpy. */
const READER = `
import sys, json, struct
import numpy as np
raw = open(sys.argv[1], "rb").read()
(n,) = struct.unpack("<Q", raw[:8])
assert n % 8 == 0, "header padded to 8"
header = json.loads(raw[8:8 + n].decode("utf-8"))
buf = raw[8 + n:]
meta = header.pop("__metadata__", {})
sizes = {"F32": 4}
out, covered = {}, 0
for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"]):
    b, e = info["data_offsets"]
    assert b == covered, "contiguous"
    covered = e
    a = np.frombuffer(buf[b:e], dtype="<f4").reshape(info["shape"])
    assert a.size * sizes[info["dtype"]] == e - b
    out[name] = {"dtype": info["dtype"], "shape": list(a.shape), "bits": a.reshape(-1).view("<u4").tolist()}
assert covered == len(buf), "covers the buffer"
print(json.dumps({"metadata": meta, "tensors": out}))
`;

/** stdout of a Python snippet, or null with the test marked skipped when python3 or numpy is missing. */
function python(t: TestContext, code: string, path: string): string | null {
  const r = spawnSync("python3", ["-c", code, path], { encoding: "utf8" });
  if (r.error || /No module named 'numpy'/.test(r.stderr)) {
    t.skip(r.error ? "python3 is not installed" : "python3 has no numpy");
    return null;
  }
  assert.equal(r.status, 0, r.stderr);
  return r.stdout;
}
