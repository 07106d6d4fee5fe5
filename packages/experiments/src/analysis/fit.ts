/** Least-squares slope and intercept of y on x. */
export function linearFit(x: readonly number[], y: readonly number[]): { slope: number; intercept: number } {
  if (x.length !== y.length || x.length < 2) throw new Error("linearFit needs two or more (x, y) pairs");
  const n = x.length;
  const mx = x.reduce((a, b) => a + b, 0) / n;
  const my = y.reduce((a, b) => a + b, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < n; i++) {
    sxy += (x[i]! - mx) * (y[i]! - my);
    sxx += (x[i]! - mx) ** 2;
  }
  const slope = sxy / sxx;
  return { slope, intercept: my - slope * mx };
}

/** The exponent k of y ∝ x^k, fitted on log-log axes (all values must be positive). */
export function logLogSlope(x: readonly number[], y: readonly number[]): number {
  if ([...x, ...y].some((v) => !(v > 0))) throw new Error("logLogSlope needs positive values");
  return linearFit(x.map(Math.log), y.map(Math.log)).slope;
}
