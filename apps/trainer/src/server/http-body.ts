import type { IncomingMessage } from "node:http";

/**
 * Reads a request body whole, refusing past `limit` bytes: then `done` gets the refusal at once and the rest of
 * the body is drained unread (so the client still reads the answer). The daemon holds a body in memory to check it.
 */
export function readBody(req: IncomingMessage, limit: number, done: (err: string | null, body: Buffer) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let over = false;
  req.on("data", (c: Buffer) => {
    if (over) return;
    size += c.length;
    if (size > limit) {
      over = true;
      done(`larger than ${limit} bytes`, Buffer.alloc(0));
      req.resume();
    } else chunks.push(c);
  });
  req.on("end", () => {
    if (!over) done(null, Buffer.concat(chunks));
  });
}
