import * as tf from "@tensorflow/tfjs";
import type { CheckpointRef, Intervention, NamedTensor } from "@orrery/protocol";
import type { Trainer } from "../training/trainer.ts";
import { describeValue, InterventionError, parameterValue } from "./parameter-values.ts";

/** What an intervention may read besides the trainer: the daemon resolves checkpoint files (after checking them). */
export interface InterventionSources {
  checkpoint?(from: CheckpointRef): { params: NamedTensor[]; optimizer: NamedTensor[]; data: number[] | null; step: number | null } | undefined;
}

/**
 * Applies one intervention to a trainer between two steps and returns the log's before → after summary.
 * Everything is checked before anything changes: a refused intervention (InterventionError) changes nothing.
 */
export function applyIntervention(trainer: Trainer, intervention: Intervention, resolve: InterventionSources = {}): string {
  const { problem } = trainer;
  const known = (group: string) => {
    if (!Object.hasOwn(problem.params, group)) {
      throw new InterventionError(`unknown parameter group "${group}" (groups: ${trainer.groups.join(", ")})`);
    }
    return problem.params[group]!;
  };
  switch (intervention.kind) {
    case "freeze":
    case "unfreeze": {
      intervention.groups.forEach(known);
      const frozen = intervention.kind === "freeze";
      const changed = intervention.groups.filter((g) => trainer.isFrozen(g) !== frozen);
      for (const g of intervention.groups) trainer.setFrozen(g, frozen);
      const rest = intervention.groups.filter((g) => !changed.includes(g));
      return `${intervention.kind} ${changed.join(", ") || "nothing"}${rest.length ? ` (${rest.join(", ")} already ${frozen ? "frozen" : "trained"})` : ""}`;
    }
    case "set": {
      const v = known(intervention.group);
      const current = v.dataSync() as Float32Array;
      const next = parameterValue(intervention.group, v.shape, current, intervention.value, problem.reference?.(intervention.group));
      const before = describeValue(v.shape, current);
      tf.tidy(() => v.assign(tf.tensor(next, v.shape)));
      return `${intervention.group}: ${before} → ${describeValue(v.shape, next)}`;
    }
    case "inject": {
      const loaded = resolve.checkpoint?.(intervention.from);
      if (!loaded) throw new InterventionError(`no checkpoint source for "${intervention.from.name}" here`);
      const wanted = intervention.groups ?? trainer.groups;
      const byName = new Map(loaded.params.map((t) => [t.name, t]));
      for (const g of wanted) {
        const v = known(g);
        const t = byName.get(g);
        if (!t) throw new InterventionError(`checkpoint "${intervention.from.name}" has no group ${g}`);
        if (t.shape.join("×") !== v.shape.join("×")) throw new InterventionError(`group ${g}: checkpoint has [${t.shape}], run has [${v.shape}]`);
      }
      // Each group with its optimizer state; a whole inject also rewinds the data stream: the run then continues
      // as the saved one did (its step count goes on from here).
      for (const g of wanted) trainer.restoreGroup(g, byName.get(g)!, loaded.optimizer.filter((t) => t.name.startsWith(`${g}/`)));
      const whole = !intervention.groups && loaded.data;
      if (whole) problem.restoreDataState?.(loaded.data!);
      const what = whole ? "the whole state" : wanted.join(", ");
      return `injected ${what} from ${intervention.from.runId}/${intervention.from.name}${loaded.step === null ? "" : ` (step ${loaded.step})`}`;
    }
    case "hyper": {
      const before = trainer.settings;
      if (intervention.betas && !before.betas) throw new InterventionError("betas: this run trains by plain gradient descent (no Adam betas)");
      trainer.setHyper({
        ...(intervention.lr !== undefined && { lr: intervention.lr }),
        ...(intervention.weight_decay !== undefined && { weightDecay: intervention.weight_decay }),
        ...(intervention.betas && { betas: intervention.betas }),
        ...(intervention.schedule && { schedule: intervention.schedule }),
      });
      const after = trainer.settings;
      const parts = [
        intervention.lr !== undefined && `lr ${before.lr} → ${after.lr}`,
        intervention.weight_decay !== undefined && `weight decay ${before.weightDecay} → ${after.weightDecay}`,
        intervention.betas && `betas (${before.betas}) → (${after.betas})`,
        intervention.schedule && `schedule ${before.schedule} → ${after.schedule}`,
      ].filter(Boolean);
      return parts.join("; ") || "no change";
    }
    case "data": {
      const { kind: _, ...patch } = intervention;
      if (Object.values(patch).every((v) => v === undefined)) {
        throw new InterventionError("data: nothing to change (give self_edges, direction or batch_size)");
      }
      if (!problem.setData) throw new InterventionError("data: this experiment's data cannot be changed mid-run");
      return problem.setData(patch);
    }
  }
}
