import {
  Config, decodeSafetensors, encodeSafetensors, f32Tensor, SafetensorsError, toFloat32, type NamedTensor,
  type SafetensorsTensor,
} from "@orrery/protocol";
import type { TrainerSettings, TrainerState } from "@orrery/experiments";

/**
 * A checkpoint as a safetensors file. A PyTorch user sees each parameter group as a plain tensor named after
 * the group (`E`, `W1`, `layer2.attn.q`), F32, row-major in tfjs's layout; the optimizer's state is beside them
 * as `optimizer/<group>/<slot>`. `__metadata__` holds the rest as strings:
 *   format             "pt" (what transformers' loaders expect of a PyTorch safetensors file)
 *   orrery.format      CHECKPOINT_FORMAT
 *   orrery.experiment  the experiment id
 *   orrery.config      the run's config, JSON with sorted keys
 *   orrery.step        the step, decimal
 *   orrery.data        the data stream's state, JSON (number[] or null)
 *   orrery.settings    what interventions changed (frozen groups, lr, weight decay), JSON, when the state has it
 *   orrery.runId, orrery.name   when known
 * A file without `orrery.format` (weights trained elsewhere) reads as parameters only.
 */
export const CHECKPOINT_FORMAT = "orrery.checkpoint/1";
const OPTIMIZER = "optimizer/";

export class CheckpointError extends Error {
  override name = "CheckpointError";
  constructor(readonly problems: string[]) {
    super(problems.join("; "));
  }
}

export interface CheckpointOrigin {
  experiment: string;
  config: Config;
  step: number;
  data: number[] | null;
  settings?: TrainerSettings;
  runId?: string;
  name?: string;
}

export interface CheckpointContents {
  /** Null for a foreign file: only tensors, no Orrery metadata. */
  origin: CheckpointOrigin | null;
  params: NamedTensor[];
  /** Named `group/slot`, as in TrainerState. */
  optimizer: NamedTensor[];
}

export interface CheckpointToWrite {
  experiment: string;
  config: Config;
  state: TrainerState;
  runId?: string;
  name?: string;
}

export function encodeCheckpointFile(c: CheckpointToWrite): Uint8Array {
  for (const t of c.state.params) {
    if (t.name.startsWith(OPTIMIZER)) throw new CheckpointError([`parameter group "${t.name}" collides with the optimizer's names`]);
  }
  const sortedConfig = Object.fromEntries(Object.entries(c.config).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const metadata: Record<string, string> = {
    format: "pt",
    "orrery.format": CHECKPOINT_FORMAT,
    "orrery.experiment": c.experiment,
    "orrery.config": JSON.stringify(sortedConfig),
    "orrery.step": String(c.state.step),
    "orrery.data": JSON.stringify(c.state.data),
    ...(c.state.settings === undefined ? {} : { "orrery.settings": JSON.stringify(c.state.settings) }),
    ...(c.runId === undefined ? {} : { "orrery.runId": c.runId }),
    ...(c.name === undefined ? {} : { "orrery.name": c.name }),
  };
  return encodeSafetensors({
    tensors: [
      ...c.state.params.map((t) => f32Tensor(t.name, t.shape, t.data)),
      ...c.state.optimizer.map((t) => f32Tensor(OPTIMIZER + t.name, t.shape, t.data)),
    ],
    metadata,
  });
}

/** Parses and checks a file; throws CheckpointError saying what is wrong (corrupt, truncated, foreign format). */
export function decodeCheckpointFile(bytes: Uint8Array): CheckpointContents {
  let file;
  try {
    file = decodeSafetensors(bytes);
  } catch (e) {
    if (e instanceof SafetensorsError) throw new CheckpointError([`not a readable safetensors file: ${e.message}`]);
    throw e;
  }
  const floats = (t: SafetensorsTensor): NamedTensor => {
    if (!["F32", "F64", "F16", "BF16"].includes(t.dtype)) {
      throw new CheckpointError([`tensor "${t.name}" has dtype ${t.dtype}; parameters and optimizer state must be floating point`]);
    }
    return { name: t.name, shape: t.shape, data: toFloat32(t) };
  };
  const params = file.tensors.filter((t) => !t.name.startsWith(OPTIMIZER)).map(floats);
  const optimizer = file.tensors
    .filter((t) => t.name.startsWith(OPTIMIZER))
    .map((t) => ({ ...floats(t), name: t.name.slice(OPTIMIZER.length) }));
  return { origin: readOrigin(file.metadata ?? {}), params, optimizer };
}

function readOrigin(meta: Record<string, string>): CheckpointOrigin | null {
  const format = meta["orrery.format"];
  if (format === undefined) return null;
  if (format !== CHECKPOINT_FORMAT) throw new CheckpointError([`checkpoint format "${format}" is not one this Orrery reads (${CHECKPOINT_FORMAT})`]);
  const field = (key: string): string => {
    const v = meta[key];
    if (v === undefined) throw new CheckpointError([`metadata lacks "${key}"`]);
    return v;
  };
  const json = (key: string): unknown => {
    try {
      return JSON.parse(field(key));
    } catch (e) {
      if (e instanceof CheckpointError) throw e;
      throw new CheckpointError([`metadata "${key}" is not valid JSON`]);
    }
  };
  const experiment = field("orrery.experiment");
  const config = Config.safeParse(json("orrery.config"));
  if (!config.success) throw new CheckpointError([`metadata "orrery.config" is not a config (keys to numbers, strings or booleans)`]);
  const stepText = field("orrery.step");
  const step = Number(stepText);
  if (!/^\d+$/.test(stepText) || !Number.isSafeInteger(step)) throw new CheckpointError([`metadata "orrery.step" is "${stepText}", not a step`]);
  const data = json("orrery.data");
  if (data !== null && !(Array.isArray(data) && data.every((x) => typeof x === "number"))) {
    throw new CheckpointError([`metadata "orrery.data" is neither null nor a list of numbers`]);
  }
  const settings = meta["orrery.settings"] === undefined ? undefined : json("orrery.settings");
  if (settings !== undefined && !isSettings(settings)) {
    throw new CheckpointError([`metadata "orrery.settings" is not {frozen: string[], lr: number, weightDecay: number}`]);
  }
  const runId = meta["orrery.runId"];
  const name = meta["orrery.name"];
  return {
    experiment, config: config.data, step, data,
    ...(settings === undefined ? {} : { settings }),
    ...(runId === undefined ? {} : { runId }),
    ...(name === undefined ? {} : { name }),
  };
}

function isSettings(x: unknown): x is TrainerSettings {
  const s = x as Partial<Record<keyof TrainerSettings, unknown>> | null;
  return typeof s === "object" && s !== null && Array.isArray(s.frozen) && s.frozen.every((g) => typeof g === "string") &&
    typeof s.lr === "number" && typeof s.weightDecay === "number";
}

/** The whole trainer state of an Orrery checkpoint (a foreign file has no step, optimizer or data state). */
export function trainerStateOf(c: CheckpointContents): TrainerState {
  if (!c.origin) throw new CheckpointError(["the file holds weights only, not an Orrery checkpoint to resume from"]);
  const { step, data, settings } = c.origin;
  return { step, params: c.params, optimizer: c.optimizer, data, ...(settings === undefined ? {} : { settings }) };
}
