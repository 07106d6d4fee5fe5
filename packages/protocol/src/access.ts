import { z } from "zod";

/**
 * Who may do what on a daemon. owner: everything (its token is the daemon's); controller: run and change the runs
 * it may see; viewer: watch them, read-only. Enforced by the daemon on every message.
 */
export const Role = z.enum(["owner", "controller", "viewer"]);
export type Role = z.infer<typeof Role>;

/** A comment pinned to a step of a run: stored with it, streamed to everyone watching, drawn on the charts. */
export const Annotation = z.object({
  seq: z.number().int().nonnegative(),
  step: z.number().int().nonnegative(),
  at: z.number(),
  by: z.string().max(100),
  text: z.string().min(1).max(500),
});
export type Annotation = z.infer<typeof Annotation>;

/** A share link as its owner sees it (never its token, which exists only in the answer to `createLink`). */
export const ShareLink = z.object({
  linkId: z.string(),
  role: z.enum(["controller", "viewer"]),
  /** The runs it grants; null: the whole daemon. */
  runIds: z.array(z.string()).nullable(),
  label: z.string(),
  createdAt: z.number(),
  expiresAt: z.number().nullable(),
  revokedAt: z.number().nullable(),
});
export type ShareLink = z.infer<typeof ShareLink>;

/** Someone watching a run (subscribed to it): a name they chose, or a guest label the daemon gave them. */
export const Watcher = z.object({ id: z.string().max(32), name: z.string().max(100), role: Role });
export type Watcher = z.infer<typeof Watcher>;
