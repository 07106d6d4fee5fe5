import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { saveCheckpointFile } from "./checkpoint-files.ts";
import { CheckpointError, decodeCheckpointFile, type CheckpointContents, type CheckpointToWrite } from "./safetensors-checkpoint.ts";
import { writeFileAtomic } from "./atomic-write.ts";

/** Where uploaded files live among the runs' folders. */
export const UPLOADS = "uploads";
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

export interface CheckpointEntry {
  runId: string;
  name: string;
  step: number | null;
  bytes: number;
}

/**
 * Named checkpoints as .safetensors files, `<dir>/<runId>/<name>.safetensors` (uploads under `uploads/`).
 * Names are never overwritten, so an inject in a run's log always refers to the same weights on replay.
 */
export class CheckpointLibrary {
  constructor(private readonly dir: string) {}

  path(runId: string, name: string): string {
    if (!NAME.test(runId)) throw new CheckpointError([`"${runId}" is not a run id`]);
    if (!NAME.test(name)) throw new CheckpointError([`checkpoint name "${name}": use 1–64 letters, digits, ".", "_" or "-"`]);
    return join(this.dir, runId, `${name}.safetensors`);
  }

  async save(runId: string, name: string, c: CheckpointToWrite): Promise<CheckpointEntry> {
    const file = this.claim(runId, name);
    await saveCheckpointFile(file, { ...c, runId, name });
    return { runId, name, step: c.state.step, bytes: statSync(file).size };
  }

  /** Stores an uploaded file after checking that it decodes (a corrupt or truncated one is refused, naming why). */
  async upload(name: string, bytes: Uint8Array): Promise<CheckpointEntry> {
    const contents = decodeCheckpointFile(bytes);
    const file = this.claim(UPLOADS, name);
    await writeFileAtomic(file, bytes);
    return { runId: UPLOADS, name, step: contents.origin?.step ?? null, bytes: bytes.length };
  }

  load(runId: string, name: string): CheckpointContents {
    const file = this.path(runId, name);
    if (!existsSync(file)) throw new CheckpointError([`no checkpoint "${name}" of ${runId === UPLOADS ? "the uploads" : `run ${runId}`}`]);
    return decodeCheckpointFile(readFileSync(file));
  }

  /** Every stored checkpoint (of one run, or all), newest first. */
  list(runId?: string): CheckpointEntry[] {
    if (!existsSync(this.dir)) return [];
    const runs = runId ? [runId] : readdirSync(this.dir);
    const out: (CheckpointEntry & { mtime: number })[] = [];
    for (const r of runs) {
      const folder = join(this.dir, r);
      if (!existsSync(folder)) continue;
      for (const f of readdirSync(folder)) {
        if (!f.endsWith(".safetensors")) continue;
        const file = join(folder, f);
        const { size, mtimeMs } = statSync(file);
        let step: number | null = null;
        try {
          step = decodeCheckpointFile(readFileSync(file)).origin?.step ?? null;
        } catch {
          continue; // not ours to list (a damaged file is refused when used)
        }
        out.push({ runId: r, name: f.slice(0, -".safetensors".length), step, bytes: size, mtime: mtimeMs });
      }
    }
    return out.sort((a, b) => b.mtime - a.mtime).map(({ mtime: _, ...e }) => e);
  }

  private claim(runId: string, name: string): string {
    const file = this.path(runId, name);
    if (existsSync(file)) throw new CheckpointError([`checkpoint "${name}" already exists${runId === UPLOADS ? " among the uploads" : ` for run ${runId}`}; names are kept, pick another`]);
    mkdirSync(join(this.dir, runId), { recursive: true });
    return file;
  }
}
