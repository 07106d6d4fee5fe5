import { readFile } from "node:fs/promises";
import { writeFileAtomic, type AtomicWriteOptions } from "./atomic-write.ts";
import {
  decodeCheckpointFile, encodeCheckpointFile, type CheckpointContents, type CheckpointToWrite,
} from "./safetensors-checkpoint.ts";

/** Writes a checkpoint as a .safetensors file, atomically: a crash leaves the previous file whole. */
export async function saveCheckpointFile(path: string, c: CheckpointToWrite, options?: AtomicWriteOptions): Promise<void> {
  await writeFileAtomic(path, encodeCheckpointFile(c), options);
}

export async function loadCheckpointFile(path: string): Promise<CheckpointContents> {
  return decodeCheckpointFile(await readFile(path));
}
