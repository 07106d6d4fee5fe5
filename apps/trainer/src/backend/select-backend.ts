import * as tf from "@tensorflow/tfjs";
import type { BackendInfo } from "@orrery/protocol";

export type BackendPreference = "auto" | "tensorflow-gpu" | "tensorflow" | "wasm" | "cpu";
export const BACKEND_PREFERENCES: readonly BackendPreference[] = ["auto", "tensorflow-gpu", "tensorflow", "wasm", "cpu"];

interface Candidate {
  name: Exclude<BackendPreference, "auto">;
  /** Loads the backend and makes it current; throws with the reason it cannot run here. */
  load(): Promise<string>;
}

// Optional packages: not dependencies (their install downloads libtensorflow), picked up when installed.
const importOptional = (name: string): Promise<unknown> => import(name);

const candidates: Candidate[] = [
  {
    name: "tensorflow-gpu",
    async load() {
      await importOptional("@tensorflow/tfjs-node-gpu");
      await useBackend("tensorflow");
      return "@tensorflow/tfjs-node-gpu loaded libtensorflow with CUDA";
    },
  },
  {
    name: "tensorflow",
    async load() {
      await importOptional("@tensorflow/tfjs-node");
      await useBackend("tensorflow");
      return "@tensorflow/tfjs-node loaded native libtensorflow (CPU)";
    },
  },
  {
    name: "wasm",
    async load() {
      await import("@tensorflow/tfjs-backend-wasm");
      await useBackend("wasm");
      return "@tensorflow/tfjs-backend-wasm (WebAssembly, SIMD where available)";
    },
  },
  {
    name: "cpu",
    async load() {
      await useBackend("cpu");
      return "pure-JS cpu backend (slowest)";
    },
  },
];

async function useBackend(name: string): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend("${name}") failed`);
  await tf.ready();
}

let selected: Promise<BackendInfo> | null = null;

/**
 * Picks the fastest backend that loads: tfjs-node-gpu, tfjs-node, wasm, cpu (in that order), or exactly the
 * preferred one. Once per process: tfjs has one global engine.
 */
export function selectBackend(preference: BackendPreference = "auto"): Promise<BackendInfo> {
  selected ??= trySelect(preference);
  return selected;
}

async function trySelect(preference: BackendPreference): Promise<BackendInfo> {
  const order = preference === "auto" ? candidates : candidates.filter((c) => c.name === preference);
  const tried: BackendInfo["tried"] = [];
  for (const c of order) {
    try {
      const detail = await c.load();
      tried.push({ name: c.name, ok: true, detail });
      const skipped = tried.filter((t) => !t.ok).map((t) => `${t.name}: ${t.detail}`);
      const reason = preference === "auto"
        ? `${detail}${skipped.length ? `; unavailable: ${skipped.join("; ")}` : ""}`
        : `${detail} (requested)`;
      return { name: tf.getBackend(), reason, tried };
    } catch (e) {
      tried.push({ name: c.name, ok: false, detail: firstLine(e) });
    }
  }
  throw new Error(`no tfjs backend could start: ${tried.map((t) => `${t.name}: ${t.detail}`).join("; ")}`);
}

function firstLine(e: unknown): string {
  const message = String((e as Error)?.message ?? e);
  if (/Cannot find (package|module)/.test(message)) return "not installed";
  return message.split("\n")[0]!.slice(0, 200);
}
