/**
 * The inverse of a symmetric positive-definite matrix (row-major Float64Array), through its Cholesky
 * factor: A = L·Lᵀ, A⁻¹ = L⁻ᵀ·L⁻¹. Every inner loop is a dot product of two contiguous rows, which is
 * what keeps a 2,000 × 2,000 inverse to seconds in plain JavaScript (EASE needs one per fit).
 */
export function spdInverse(matrix: Float64Array, n: number): Float64Array {
  if (matrix.length !== n * n) throw new Error(`expected a ${n}x${n} matrix, got ${matrix.length} values`);
  const l = Float64Array.from(matrix);
  // Cholesky, lower triangle in place (row i holds L[i][0..i]).
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    const d = (l[rj + j] as number) - dot(l, rj, l, rj, j);
    if (!(d > 0)) throw new Error(`matrix is not positive definite (pivot ${j} is ${d})`);
    const pivot = Math.sqrt(d);
    l[rj + j] = pivot;
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      l[ri + j] = ((l[ri + j] as number) - dot(l, ri, l, rj, j)) / pivot;
    }
  }
  // U = L⁻ᵀ (upper), row by row: U[j][i] = −(Σ_{k=j..i−1} L[i][k]·U[j][k]) / L[i][i] for i > j.
  const u = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    const rj = j * n;
    u[rj + j] = 1 / (l[rj + j] as number);
    for (let i = j + 1; i < n; i++) {
      const ri = i * n;
      u[rj + i] = -dotRange(l, ri, u, rj, j, i) / (l[ri + i] as number);
    }
  }
  // A⁻¹[i][j] = Σ_{k >= max(i,j)} U[i][k]·U[j][k].
  const inverse = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    const ri = i * n;
    for (let j = i; j < n; j++) {
      const rj = j * n;
      const value = dotRange(u, ri, u, rj, j, n);
      inverse[ri + j] = value;
      inverse[rj + i] = value;
    }
  }
  return inverse;
}

/** Σ_{k<len} a[ao+k]·b[bo+k], four accumulators (lets the engine pipeline the multiplies). */
function dot(a: Float64Array, ao: number, b: Float64Array, bo: number, len: number): number {
  return dotRange(a, ao, b, bo, 0, len);
}

function dotRange(
  a: Float64Array,
  ao: number,
  b: Float64Array,
  bo: number,
  from: number,
  to: number,
): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = from;
  for (; k + 3 < to; k += 4) {
    s0 += (a[ao + k] as number) * (b[bo + k] as number);
    s1 += (a[ao + k + 1] as number) * (b[bo + k + 1] as number);
    s2 += (a[ao + k + 2] as number) * (b[bo + k + 2] as number);
    s3 += (a[ao + k + 3] as number) * (b[bo + k + 3] as number);
  }
  for (; k < to; k++) s0 += (a[ao + k] as number) * (b[bo + k] as number);
  return s0 + s1 + s2 + s3;
}
