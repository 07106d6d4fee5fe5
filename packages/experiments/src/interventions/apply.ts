import * as tf from "@tensorflow/tfjs";
import type { Intervention } from "@orrery/protocol";
import type { Trainer } from "../training/trainer.ts";
import { describeValue, InterventionError, parameterValue } from "./parameter-values.ts";

/**
 * Applies one intervention to a trainer between two steps and returns the log's before → after summary.
 * Everything is checked before anything changes: a refused intervention (InterventionError) changes nothing.
 */
export function applyIntervention(trainer: Trainer, intervention: Intervention): string {
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
    case "hyper": {
      const { lr, weightDecay } = trainer.settings;
      trainer.setHyper({ lr: intervention.lr, weightDecay: intervention.weight_decay });
      const after = trainer.settings;
      const parts = [
        intervention.lr !== undefined && `lr ${lr} → ${after.lr}`,
        intervention.weight_decay !== undefined && `weight decay ${weightDecay} → ${after.weightDecay}`,
      ].filter(Boolean);
      return parts.join("; ") || "no change";
    }
  }
}
