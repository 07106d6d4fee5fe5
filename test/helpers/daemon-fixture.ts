import { after, before } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startDaemon, type Daemon } from "@orrery/trainer";
import { experiments } from "@orrery/experiments";
import type { RunSummary, ServerMessage } from "@orrery/protocol";
import { DaemonClient } from "./daemon-client.ts";

/**
 * A real daemon on port 0 with a fresh data directory and one connected client, for the test file that calls
 * this at its top level (started in `before`, closed and deleted in `after`).
 */
export function daemonFixture(name: string): { daemon: () => Daemon; client: () => DaemonClient } {
  const token = `${name}-token`;
  let daemon: Daemon | undefined;
  let client: DaemonClient | undefined;
  let dataDir: string | undefined;
  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), `orrery-${name}-`));
    daemon = await startDaemon({ port: 0, dataDir, token, experiments });
    ({ client } = await DaemonClient.connect(daemon.url, token));
  });
  after(async () => {
    await client?.close();
    await daemon?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });
  return { daemon: () => daemon!, client: () => client! };
}

/** The run an `ack` carries (fails the test for anything else). */
export function runOf(m: ServerMessage): RunSummary {
  assert.ok(m.type === "ack" && m.run, `expected an ack with a run, got ${JSON.stringify(m)}`);
  return m.run;
}
