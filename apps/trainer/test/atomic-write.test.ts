import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { TrainerState } from "@orrery/experiments";
import { removeAtomicWriteLeftovers, writeFileAtomic } from "../src/checkpoints/atomic-write.ts";
import { loadCheckpointFile, saveCheckpointFile } from "../src/checkpoints/checkpoint-files.ts";
import type { CheckpointToWrite } from "../src/checkpoints/safetensors-checkpoint.ts";

const checkpoint = (step: number): CheckpointToWrite => {
  const state: TrainerState = {
    step,
    params: [{ name: "W1", shape: [2, 2], data: Float32Array.from([step, 0, 0, step]) }],
    optimizer: [{ name: "W1/0:iter", shape: [], data: Float32Array.from([step]) }],
    data: [step],
  };
  return { experiment: "bigram-circle", config: { p: 4 }, state };
};

let dir: string;
before(() => (dir = mkdtempSync(join(tmpdir(), "orrery-atomic-"))));
after(() => rmSync(dir, { recursive: true, force: true }));

const stepIn = async (path: string) => (await loadCheckpointFile(path)).origin?.step;

describe("atomic checkpoint files", () => {
  test("a write replaces the file whole and leaves nothing beside it", async () => {
    const path = join(dir, "plain.safetensors");
    await saveCheckpointFile(path, checkpoint(1));
    await saveCheckpointFile(path, checkpoint(2));
    assert.equal(await stepIn(path), 2);
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes("plain")), ["plain.safetensors"]);
  });

  for (const step of ["written", "synced"] as const) {
    test(`a failure after the temp file is ${step} leaves the previous checkpoint intact and no temp file`, async () => {
      const path = join(dir, `fail-${step}.safetensors`);
      await saveCheckpointFile(path, checkpoint(1));
      const before = readFileSync(path);
      await assert.rejects(
        saveCheckpointFile(path, checkpoint(2), { after: (s) => { if (s === step) throw new Error("disk gone"); } }),
        /disk gone/,
      );
      assert.deepEqual(readFileSync(path), before);
      assert.equal(await stepIn(path), 1);
      assert.deepEqual(readdirSync(dir).filter((f) => f.includes(`fail-${step}`)), [`fail-${step}.safetensors`]);
    });
  }

  test("a process killed mid-write (SIGKILL before the rename) leaves the previous checkpoint readable", async () => {
    const path = join(dir, "killed.safetensors");
    await saveCheckpointFile(path, checkpoint(1));
    const child = join(dir, "crash-child.mts");
    const module = resolve(fileURLToPath(import.meta.url), "../../src/checkpoints/atomic-write.ts");
    writeFileSync(child, `
      import { writeFileAtomic } from ${JSON.stringify(module)};
      await writeFileAtomic(process.argv[2]!, new Uint8Array(1 << 20).fill(7), {
        after: (step) => { if (step === "written") process.kill(process.pid, "SIGKILL"); },
      });
      console.log("not killed");
    `);
    const r = spawnSync(process.execPath, ["--import", "tsx", child, path], { encoding: "utf8" });
    assert.equal(r.signal, "SIGKILL", r.stderr);
    assert.equal(await stepIn(path), 1);
    const leftovers = readdirSync(dir).filter((f) => f.startsWith(".killed.safetensors."));
    assert.equal(leftovers.length, 1, "the killed writer's temp file is there, beside the intact target");
    assert.deepEqual(await removeAtomicWriteLeftovers(path), [join(dir, leftovers[0]!)]);
    await saveCheckpointFile(path, checkpoint(3));
    assert.equal(await stepIn(path), 3);
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes("killed")), ["killed.safetensors"]);
  });

  test("a half-written temp file from an earlier crash changes nothing and is cleaned up", async () => {
    const path = join(dir, "half.safetensors");
    await saveCheckpointFile(path, checkpoint(1));
    const whole = readFileSync(path);
    writeFileSync(join(dir, ".half.safetensors.0123456789ab.tmp"), whole.subarray(0, whole.length >> 1));
    writeFileSync(join(dir, ".half.safetensors.not-ours.tmp"), "x");
    assert.equal(await stepIn(path), 1);
    assert.deepEqual(await removeAtomicWriteLeftovers(path), [join(dir, ".half.safetensors.0123456789ab.tmp")]);
    assert.deepEqual(readdirSync(dir).filter((f) => f.includes("half")).sort(), [".half.safetensors.not-ours.tmp", "half.safetensors"]);
  });

  test("writes raw bytes too; a missing directory is an error", async () => {
    await writeFileAtomic(join(dir, "raw.bin"), Uint8Array.from([1, 2, 3]));
    assert.deepEqual([...readFileSync(join(dir, "raw.bin"))], [1, 2, 3]);
    await assert.rejects(writeFileAtomic(join(dir, "missing", "x.bin"), new Uint8Array(1)), { code: "ENOENT" });
  });
});
