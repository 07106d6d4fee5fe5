import * as tf from "@tensorflow/tfjs";
import { Rng } from "../random.ts";
import type { Problem } from "../types.ts";

export interface SharpnessOptions {
  /** Most power iterations (each costs two gradient evaluations). Default 20. */
  iterations?: number;
  /** Stop once the eigenvalue estimate changes by less than this, relatively. Default 1e-3. */
  tolerance?: number;
  /** Finite-difference step as a fraction of ‖θ‖ (see below). Default 1e-3. */
  relativeStep?: number;
  /** Seed of the starting direction: a fixed seed makes a measurement a pure function of θ. */
  seed?: number;
}

export interface Sharpness {
  /** The largest (algebraic) Hessian eigenvalue. */
  value: number;
  iterations: number;
  converged: boolean;
}

/**
 * Top Hessian eigenvalue of the problem's loss with respect to the parameter groups `groups`, by power
 * iteration on Hessian-vector products. θ, the problem's data stream and every tensor count are left exactly as
 * they were: a measurement never changes what training does next.
 *
 * Hv comes from a central difference of gradients, Hv ≈ (∇L(θ+εv) − ∇L(θ−εv)) / 2ε, not from second-order
 * autodiff: the transformer's customGrad ops have no second derivative in tfjs. Its error is O(ε²) truncation
 * plus O(u·‖∇L‖/ε) rounding (u ≈ 1.2e-7 in float32). With ‖v‖ = 1, each coordinate moves by about ε/√n
 * against a typical coordinate of ‖θ‖/√n, so ε = c·‖θ‖ perturbs every weight by the same relative amount c
 * whatever the model's size or scale. c = 1e-3: on the induction-heads CPU variant c = 1e-2 overestimated by
 * ~30 % (the nonlinearity shows) while 1e-3 and 1e-4 agreed within 1 %; much smaller c lets the rounding term
 * grow as 1/ε. ‖θ‖ is floored at 1 so that parameters near zero still get a step above rounding.
 *
 * Power iteration finds the eigenvalue of largest magnitude; when that one is negative (near a saddle, e.g. at
 * init), a second pass on H − λ₁I finds the top one.
 *
 * Problems with a fixed probe batch (`probeLoss`) are measured on it. Otherwise `loss()` is used with the
 * data stream rewound before every evaluation, so each gradient sees the same batch (the one training draws
 * next; for full-batch problems, simply the loss), and the stream is left where it was.
 */
export function topHessianEigenvalue(problem: Problem, groups: readonly string[], opts: SharpnessOptions = {}): Sharpness {
  const steps = sharpnessSteps(problem, groups, opts);
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

/**
 * The same measurement, yielding after every Hessian-vector product (two gradient evaluations) so that a
 * caller can spread it over several event-loop turns. At each yield θ and the data stream are as they were,
 * so whatever runs in between (a snapshot, a checkpoint) sees the true parameters; abandoning the generator
 * (`return()`) restores them too.
 */
export function* sharpnessSteps(problem: Problem, groups: readonly string[], opts: SharpnessOptions = {}): Generator<void, Sharpness, void> {
  const { iterations = 20, tolerance = 1e-3, relativeStep = 1e-3, seed = 0x5eed } = opts;
  const vars = groups.map((g) => {
    const v = problem.params[g];
    if (!v) throw new Error(`unknown parameter group "${g}"`);
    return v;
  });
  if (vars.length === 0) throw new Error("sharpness needs at least one trained parameter group");
  const data = problem.dataState?.();
  const loss = problem.probeLoss
    ? () => problem.probeLoss!()
    : () => {
        if (data) problem.restoreDataState?.(data);
        return problem.loss();
      };
  // clone shares the buffer (no copy); assigning it back at the end restores θ bit for bit.
  const saved = vars.map((v) => tf.clone(v));
  try {
    const thetaNorm = tf.tidy(() => norm(saved).dataSync()[0]!);
    const eps = relativeStep * Math.max(thetaNorm, 1);
    const gradientAt = (v: tf.Tensor[], step: number): tf.Tensor[] =>
      tf.tidy(() => {
        vars.forEach((x, i) => x.assign(tf.add(saved[i]!, tf.mul(v[i]!, step))));
        const { value, grads } = tf.variableGrads(loss, vars);
        value.dispose();
        return vars.map((x) => grads[x.name]!);
      });
    const hessianTimes = (v: tf.Tensor[]): tf.Tensor[] => {
      const plus = gradientAt(v, eps);
      const minus = gradientAt(v, -eps);
      const hv = tf.tidy(() => plus.map((p, j) => tf.div(tf.sub(p, minus[j]!), 2 * eps)));
      tf.dispose([...plus, ...minus]);
      vars.forEach((x, i) => x.assign(saved[i]!));
      if (data) problem.restoreDataState?.(data);
      return hv;
    };
    const settings = { iterations, tolerance, seed };
    const dominant = yield* powerIteration(hessianTimes, vars, 0, settings);
    if (!(dominant.value < 0)) return dominant;
    // The dominant eigenvalue λ₁ is negative: H − λ₁I has spectrum in [0, λ_max − λ₁], its dominant one λ_max − λ₁.
    const shifted = yield* powerIteration(hessianTimes, vars, dominant.value, settings);
    return { ...shifted, value: shifted.value + dominant.value, iterations: dominant.iterations + shifted.iterations };
  } finally {
    vars.forEach((x, i) => x.assign(saved[i]!));
    tf.dispose(saved);
    if (data) problem.restoreDataState?.(data);
  }
}

/** Power iteration on v ↦ Hv − shift·v from a seeded random unit vector; the Rayleigh quotient of the shifted map. */
function* powerIteration(
  hessianTimes: (v: tf.Tensor[]) => tf.Tensor[],
  like: readonly tf.Variable[],
  shift: number,
  { iterations, tolerance, seed }: { iterations: number; tolerance: number; seed: number },
): Generator<void, Sharpness, void> {
  const rng = new Rng(seed);
  let v = normalize(like.map((x) => tf.tensor(rng.normals(x.size), x.shape)));
  try {
    let lambda = NaN;
    for (let i = 1; i <= iterations; i++) {
      const hv = hessianTimes(v);
      const [mv, rayleigh, size] = tf.tidy(() => {
        const mv = shift === 0 ? hv.map((t) => tf.clone(t)) : hv.map((t, j) => tf.sub(t, tf.mul(v[j]!, shift)));
        return [mv, dot(v, mv), norm(mv)] as const;
      });
      tf.dispose(hv);
      const previous = lambda;
      lambda = rayleigh.dataSync()[0]!;
      const mvNorm = size.dataSync()[0]!;
      tf.dispose([rayleigh, size, ...v]);
      if (!(mvNorm > 0) || !Number.isFinite(lambda)) {
        v = mv;
        return { value: Number.isFinite(lambda) ? lambda : NaN, iterations: i, converged: mvNorm === 0 };
      }
      v = tf.tidy(() => mv.map((t) => tf.div(t, mvNorm)));
      tf.dispose(mv);
      if (Math.abs(lambda - previous) <= tolerance * Math.abs(lambda)) return { value: lambda, iterations: i, converged: true };
      yield;
    }
    return { value: lambda, iterations, converged: false };
  } finally {
    tf.dispose(v);
  }
}

function dot(a: tf.Tensor[], b: tf.Tensor[]): tf.Scalar {
  return tf.addN(a.map((x, i) => tf.sum(tf.mul(x, b[i]!)))) as tf.Scalar;
}

function norm(a: tf.Tensor[]): tf.Scalar {
  return tf.sqrt(dot(a, a));
}

function normalize(a: tf.Tensor[]): tf.Tensor[] {
  const out = tf.tidy(() => {
    const n = norm(a);
    return a.map((x) => tf.div(x, n));
  });
  tf.dispose(a);
  return out;
}
