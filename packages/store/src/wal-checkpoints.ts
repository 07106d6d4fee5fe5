import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import type Database from "better-sqlite3";

/** How often the worker checkpoints: the WAL holds about this long of writes (tens of MB at most when streaming). */
const CHECKPOINT_EVERY_MS = 250;

// CommonJS run by the worker (eval): its own connection to the same file, PASSIVE checkpoints on a timer.
const WORKER = `
const { workerData, parentPort } = require("node:worker_threads");
const Database = require(workerData.driver);
const db = new Database(workerData.file);
db.pragma("synchronous = NORMAL");
db.pragma("busy_timeout = 1000");
const checkpoint = () => {
  try {
    db.pragma("wal_checkpoint(PASSIVE)");
  } catch {
    // busy or closing: the next tick tries again
  }
};
const timer = setInterval(checkpoint, workerData.everyMs);
parentPort.once("message", () => {
  clearInterval(timer);
  db.close();
  const closed = new Int32Array(workerData.closed);
  Atomics.store(closed, 0, 1);
  Atomics.notify(closed, 0);
  parentPort.close();
});
`;

export interface WalCheckpoints {
  /**
   * Closes the worker's connection, waiting for it (a checkpoint under way finishes first): then the writer's
   * close is the last, checkpoints and removes the WAL, and nothing touches the files afterwards.
   */
  stop(): void;
}

/**
 * Moves WAL checkpoints off the writer's thread. SQLite's auto-checkpoint runs inside the commit that takes the WAL
 * past 1000 pages, on the committing connection: here the daemon's event loop, which then copies the WAL into the
 * database file and fsyncs both. Streaming 640 KB snapshots at 60/s, that was ~35 ms of every 100 ms flush (the
 * inserts themselves ~6 ms), stalling the training loop and every socket. So `db` stops auto-checkpointing, and a
 * worker thread with its own connection runs PASSIVE checkpoints, which never block the writer or readers.
 * Durability is unchanged: a commit is in the WAL either way (synchronous = NORMAL), and a process killed before a
 * checkpoint leaves a WAL that the next open replays.
 */
export function walCheckpoints(db: Database.Database, file: string): WalCheckpoints {
  db.pragma("wal_autocheckpoint = 0");
  const driver = createRequire(import.meta.url).resolve("better-sqlite3");
  const closed = new Int32Array(new SharedArrayBuffer(4));
  const workerData = { driver, file, everyMs: CHECKPOINT_EVERY_MS, closed: closed.buffer };
  const worker = new Worker(WORKER, { eval: true, workerData });
  worker.unref(); // never what keeps a process alive
  let failed = false;
  worker.on("error", () => {
    // Without the worker, the writer checkpoints as before (on its own thread): slower, never unbounded.
    failed = true;
    if (db.open) db.pragma("wal_autocheckpoint = 1000");
  });
  return {
    stop: () => {
      if (failed) return;
      worker.postMessage("stop");
      Atomics.wait(closed, 0, 0, 5000);
    },
  };
}
