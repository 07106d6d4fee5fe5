/**
 * How well points lie on a circle in token order: sort the points by angle around their centroid and count
 * the angular neighbours that are also neighbours on the walk (i±1 mod p). 1 means an ordered circle
 * (either orientation); a random arrangement scores about 2/p.
 */
export function circleOrderScore(points: Float32Array, p: number, dim: number): number {
  if (p < 3) return 1;
  let cx = 0;
  let cy = 0;
  for (let i = 0; i < p; i++) {
    cx += points[i * dim]!;
    cy += points[i * dim + 1]!;
  }
  cx /= p;
  cy /= p;
  const order = Array.from({ length: p }, (_, i) => i).sort(
    (a, b) => angle(points, a, dim, cx, cy) - angle(points, b, dim, cx, cy),
  );
  let adjacent = 0;
  for (let k = 0; k < p; k++) {
    const a = order[k]!;
    const b = order[(k + 1) % p]!;
    const gap = (a - b + p) % p;
    if (gap === 1 || gap === p - 1) adjacent++;
  }
  return adjacent / p;
}

const angle = (pts: Float32Array, i: number, dim: number, cx: number, cy: number) =>
  Math.atan2(pts[i * dim + 1]! - cy, pts[i * dim]! - cx);
