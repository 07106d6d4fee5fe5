import { z } from "zod";

/**
 * Who may do what on a daemon. owner: everything (its token is the daemon's); controller: run and change the runs
 * it may see; viewer: watch them, read-only. Enforced by the daemon on every message.
 */
export const Role = z.enum(["owner", "controller", "viewer"]);
export type Role = z.infer<typeof Role>;

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
