import { z } from "zod";
import { ClientMessage, CLIENT_MESSAGE_TYPES, ServerMessage } from "./messages.ts";
import { MAX_CLIENT_MESSAGE_BYTES, type ErrorCode } from "./common.ts";

export type Parsed<T> =
  | { ok: true; message: T }
  | { ok: false; code: ErrorCode; message: string; id: string | null };

/** Parses one client text frame; never throws. The error names what was wrong, for the reply. */
export function parseClientMessage(text: string, byteLength = text.length): Parsed<ClientMessage> {
  if (byteLength > MAX_CLIENT_MESSAGE_BYTES) {
    return fail("too_large", `message of ${byteLength} bytes exceeds the limit of ${MAX_CLIENT_MESSAGE_BYTES}`, null);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return fail("bad_json", `message is not valid JSON: ${(e as Error).message}`, null);
  }
  const id = requestIdOf(raw);
  const type = (raw as { type?: unknown } | null)?.type;
  if (typeof raw !== "object" || raw === null || typeof type !== "string") {
    return fail("bad_message", "message must be a JSON object with a string `type`", id);
  }
  if (!(CLIENT_MESSAGE_TYPES as string[]).includes(type)) {
    return fail("unknown_type", `unknown message type "${type}" (known: ${CLIENT_MESSAGE_TYPES.join(", ")})`, id);
  }
  const result = ClientMessage.safeParse(raw);
  if (!result.success) return fail("bad_message", `invalid "${type}" message: ${describe(result.error)}`, id);
  return { ok: true, message: result.data };
}

export function parseServerMessage(text: string): Parsed<ServerMessage> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    return fail("bad_json", `message is not valid JSON: ${(e as Error).message}`, null);
  }
  const result = ServerMessage.safeParse(raw);
  if (!result.success) return fail("bad_message", describe(result.error), requestIdOf(raw));
  return { ok: true, message: result.data };
}

function requestIdOf(raw: unknown): string | null {
  const id = (raw as { id?: unknown } | null)?.id;
  return typeof id === "string" && id.length <= 64 ? id : null;
}

const fail = (code: ErrorCode, message: string, id: string | null) => ({ ok: false as const, code, message, id });

function describe(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`)
    .join("; ");
}
