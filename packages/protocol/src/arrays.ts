/**
 * Schemas for the long numeric arrays of `history` (and report) messages, checked in one plain loop. zod's
 * per-element parse of a 1M-step run's history (~10,000 numbers) is what a dashboard runs first and cold, in the
 * interpreter: ~17 ms in Node, several times that in a loaded browser tab (issue 6: a stored run opens in < 1 s).
 * Same rules as z.array(z.number()…): finite numbers (JSON has no others), nulls where allowed, integers ≥ 0 for steps.
 */
import { z } from "zod";

const everyOf = (ok: (x: unknown) => boolean) => (v: unknown) => {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) if (!ok(v[i])) return false;
  return true;
};

const isNumber = (x: unknown) => typeof x === "number" && Number.isFinite(x);

export const NumberArray = z.custom<number[]>(everyOf(isNumber), { message: "expected an array of finite numbers" });

export const NullableNumberArray = z.custom<(number | null)[]>(everyOf((x) => x === null || isNumber(x)), {
  message: "expected an array of finite numbers or nulls",
});

export const StepArray = z.custom<number[]>(everyOf((x) => Number.isSafeInteger(x) && (x as number) >= 0), {
  message: "expected an array of integers ≥ 0",
});
