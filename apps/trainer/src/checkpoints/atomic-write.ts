import { randomBytes } from "node:crypto";
import { open, readdir, rename, unlink } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** The steps of an atomic write, in order; tests inject a crash after any of them. */
export type AtomicWriteStep = "written" | "synced" | "renamed";

export interface AtomicWriteOptions {
  /** Called after each step; a throw aborts the write there (the temp file is removed if not yet renamed). */
  after?: (step: AtomicWriteStep, tempPath: string) => void | Promise<void>;
}

/**
 * Replaces `path` with `bytes` so that a crash at any moment leaves either the old file or the new one, whole:
 * write a temp file in the same directory (rename is atomic only within one file system), fsync it, rename it
 * over the target, fsync the directory so the rename itself is durable.
 */
export async function writeFileAtomic(path: string, bytes: Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const dir = dirname(path);
  const temp = join(dir, `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  let renamed = false;
  try {
    const handle = await open(temp, "wx", 0o644);
    try {
      await handle.writeFile(bytes);
      await options.after?.("written", temp);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await options.after?.("synced", temp);
    await rename(temp, path);
    renamed = true;
    await syncDirectory(dir);
    await options.after?.("renamed", temp);
  } catch (e) {
    if (!renamed) await unlink(temp).catch(() => {});
    throw e;
  }
}

async function syncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, "r");
  } catch {
    return; // some platforms (Windows) cannot open a directory; the rename is as durable as they make it
  }
  try {
    await handle.sync();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== "EINVAL" && code !== "EPERM" && code !== "EISDIR") throw e;
  } finally {
    await handle.close();
  }
}

/** Removes the temp files a crashed writer left beside `path` (the target itself was never touched). */
export async function removeAtomicWriteLeftovers(path: string): Promise<string[]> {
  const pattern = new RegExp(`^\\.${escape(basename(path))}\\.[0-9a-f]{12}\\.tmp$`);
  const leftovers = (await readdir(dirname(path))).filter((name) => pattern.test(name)).map((name) => join(dirname(path), name));
  await Promise.all(leftovers.map((p) => unlink(p).catch(() => {})));
  return leftovers;
}

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
