import {
  PROTOCOL_VERSION, SafetensorsError, type BackendInfo, type ClientMessage, type ErrorCode, type ExperimentInfo,
} from "@orrery/protocol";
import { ConfigError, InputError, InterventionError } from "@orrery/experiments";
import { NotFoundError, type RunManager } from "../runs/run-manager.ts";
import { RunStateError } from "../runs/run.ts";
import { CheckpointError } from "../checkpoints/safetensors-checkpoint.ts";
import { BadRequestError, UnknownTensorError } from "../runs/spectra.ts";
import type { AccessControl } from "./access.ts";
import type { Connection } from "./connection.ts";
import { announcePresence } from "./presence.ts";

export interface DispatchContext {
  manager: RunManager;
  access: AccessControl;
  /** Set by the server: closes the open connections of a revoked link. */
  closeLink?: (linkId: string) => void;
  backend: BackendInfo;
  experiments: ExperimentInfo[];
  serverVersion: string;
}

/**
 * Handles one parsed client message; every failure, at once or (for the requests answered later, e.g. a
 * measurement or a fork) when its promise rejects, becomes an error reply naming the request.
 */
export function dispatch(ctx: DispatchContext, conn: Connection, msg: ClientMessage): void {
  const id = "id" in msg ? msg.id : null;
  const fail = (e: unknown) => conn.send({ type: "error", id, code: errorCode(e), message: (e as Error).message });
  try {
    handle(ctx, conn, msg)?.catch(fail);
  } catch (e) {
    fail(e);
  }
}

function handle(ctx: DispatchContext, conn: Connection, msg: ClientMessage): void | Promise<void> {
  const { manager } = ctx;
  const refused = ctx.access.refusal(conn.access, msg);
  if (refused) {
    // Logged without any token: the link's id says which one.
    console.warn(`refused ${msg.type} from ${conn.label} (${conn.access.role}${conn.access.linkId ? `, link ${conn.access.linkId}` : ""}): ${refused}`);
    throw new ForbiddenError(refused);
  }
  const visible = () => manager.list().filter((r) => ctx.access.sees(conn.access, r.runId));
  if (msg.type === "hello") {
    if (msg.protocol !== PROTOCOL_VERSION) {
      conn.send({
        type: "error",
        id: null,
        code: "protocol_mismatch",
        message: `client speaks protocol ${msg.protocol}, this daemon speaks ${PROTOCOL_VERSION}`,
      });
      conn.ws.close(1002, "protocol mismatch");
      return;
    }
    conn.greeted = true;
    if (msg.name) conn.label = msg.name;
    conn.send({
      type: "welcome",
      protocol: PROTOCOL_VERSION,
      serverVersion: ctx.serverVersion,
      backend: ctx.backend,
      experiments: ctx.experiments,
      runs: visible(),
      role: conn.access.role,
      you: conn.watcher,
    });
    return;
  }
  if (!conn.greeted) throw new HandshakeError(`send "hello" with protocol ${PROTOCOL_VERSION} before "${msg.type}"`);
  switch (msg.type) {
    case "listRuns":
      return conn.send({ type: "runs", id: msg.id, runs: visible() });
    case "createLink": {
      const { link, token } = ctx.access.createLink({
        role: msg.role,
        ...(msg.runIds && { runIds: msg.runIds }),
        ...(msg.expiresInS && { expiresInS: msg.expiresInS }),
        ...(msg.label && { label: msg.label }),
      });
      return conn.send({ type: "link", id: msg.id, link, token });
    }
    case "annotate":
      return conn.send({ type: "annotation", runId: msg.runId, id: msg.id, annotation: manager.annotate(msg.runId, msg.step, msg.text, conn.label) });
    case "listLinks":
      return conn.send({ type: "links", id: msg.id, items: ctx.access.listLinks() });
    case "revokeLink":
      if (!ctx.access.revoke(msg.linkId)) throw new NotFoundError(`no live link "${msg.linkId}"`);
      ctx.closeLink?.(msg.linkId);
      return conn.send({ type: "ack", id: msg.id });
    case "start":
      return conn.send({ type: "ack", id: msg.id, run: manager.create(msg.experiment, msg.config, { start: !msg.paused }) });
    case "pause":
    case "resume":
    case "stop":
      return conn.send({ type: "ack", id: msg.id, run: manager.command(msg.runId, msg.type) });
    case "step":
      return conn.send({ type: "ack", id: msg.id, run: manager.step(msg.runId, msg.n) });
    case "subscribe": {
      const missed = manager.subscribe(msg.runId, conn, msg.afterSeq);
      conn.send({ type: "ack", id: msg.id, run: manager.get(msg.runId) });
      conn.replay(msg.runId, missed);
      return announcePresence(manager, msg.runId);
    }
    case "unsubscribe":
      manager.unsubscribe(msg.runId, conn);
      conn.send({ type: "ack", id: msg.id });
      return announcePresence(manager, msg.runId);
    case "history":
      return conn.send({ type: "history", id: msg.id, runId: msg.runId, ...manager.history(msg.runId, msg.maxPoints) });
    case "snapshot":
      return conn.sendBinary(manager.snapshotAt(msg.runId, msg.step, msg.id));
    case "finalMetrics":
      return conn.send({ type: "finalMetrics", id: msg.id, values: manager.finalMetrics(msg.runIds) });
    case "measure":
      // Acked when the measurement is done (it runs in the run's slices while the daemon serves others).
      return manager.measure(msg.runId, msg.what).then((run) => conn.send({ type: "ack", id: msg.id, run }));
    case "spectrum":
      return conn.send({ type: "spectrum", id: msg.id, runId: msg.runId, tensor: msg.tensor, ...manager.spectrum(msg.runId, msg.tensor, msg.maxPoints) });
    case "intervene": {
      const record = manager.intervene(msg.runId, msg.intervention, conn.label);
      return conn.send({ type: "intervention", runId: msg.runId, id: msg.id, record });
    }
    case "saveCheckpoint":
      return manager.saveNamedCheckpoint(msg.runId, msg.name).then((entry) => conn.send({ type: "checkpointSaved", id: msg.id, entry }));
    case "listCheckpoints":
      return conn.send({ type: "checkpoints", id: msg.id, items: manager.listCheckpoints(msg.runId) });
    case "fork":
      return manager.fork(msg.from, msg.config).then((run) => conn.send({ type: "ack", id: msg.id, run }));
    case "parameters":
      return conn.send({ type: "parameters", id: msg.id, runId: msg.runId, ...manager.parameters(msg.runId) });
    case "inspect": {
      const { step, tensors } = manager.inspect(msg.runId, msg.input);
      const wire = tensors.map(({ name, shape, data }) => ({ name, shape, values: Array.from(data, (v) => (Number.isFinite(v) ? v : 0)) }));
      return conn.send({ type: "inspection", id: msg.id, runId: msg.runId, step, input: msg.input, tensors: wire });
    }
  }
}

class HandshakeError extends Error {}
class ForbiddenError extends Error {}

function errorCode(e: unknown): ErrorCode {
  if (e instanceof ForbiddenError) return "forbidden";
  if (e instanceof NotFoundError || e instanceof UnknownTensorError) return "not_found";
  if (e instanceof BadRequestError) return "bad_message";
  if (e instanceof RunStateError || e instanceof HandshakeError) return "bad_state";
  if (e instanceof ConfigError) return "bad_config";
  if (e instanceof InputError || e instanceof InterventionError || e instanceof CheckpointError || e instanceof SafetensorsError) return "bad_message";
  return "internal";
}
