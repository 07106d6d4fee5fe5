import { symmetricEigen, type SymmetricEigen } from "./eigen.ts";

/**
 * A (d×d) as a bilinear form E_yᵀ·A·E_x: its symmetric part S = (A + Aᵀ)/2 decides the geometry (Bigram-2 reads
 * negative eigenvalues of S as "hyperbolic" directions); `asymmetry` = ‖A − Aᵀ‖_F / ‖A + Aᵀ‖_F (0: symmetric).
 */
export function symmetricPart(A: ArrayLike<number>, d: number): { eigen: SymmetricEigen; negatives: number; asymmetry: number } {
  const S = new Float64Array(d * d);
  let [skew, sym] = [0, 0];
  for (let i = 0; i < d; i++) {
    for (let j = 0; j < d; j++) {
      const [a, b] = [A[i * d + j]!, A[j * d + i]!];
      S[i * d + j] = (a + b) / 2;
      skew += (a - b) ** 2;
      sym += (a + b) ** 2;
    }
  }
  const eigen = symmetricEigen(S, d);
  const negatives = eigen.values.filter((v) => v < 0).length;
  return { eigen, negatives, asymmetry: sym > 0 ? Math.sqrt(skew / sym) : 0 };
}
