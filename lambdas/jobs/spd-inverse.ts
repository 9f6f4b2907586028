/**
 * The inverse of a symmetric positive-definite matrix, in place, in plain TypeScript (EASE needs one per
 * cf run: the Gram matrix of the head items plus λI). Row-major Float64Array; only the lower triangle of
 * the input is read; on return the array holds the full symmetric inverse.
 *
 *   1. Cholesky A = L·Lᵀ (lower triangle, blocked by columns);
 *   2. U = L⁻ᵀ (upper triangle; its diagonal in a vector);
 *   3. A⁻¹ = U·Uᵀ (lower triangle), then mirrored to the upper one.
 *
 * About n³ multiply-adds in all. Every inner loop is a dot product of contiguous rows, done four at a time
 * (two rows against two rows): each value loaded serves two multiply-adds, which is what keeps a
 * 3,000 × 3,000 inverse to seconds in JavaScript. One n × n array and two vectors of n: no copies.
 */

/** Columns per Cholesky block: the block's rows stay in cache while every later row streams past them. */
const BLOCK = 64;

export class NotPositiveDefiniteError extends Error {
  constructor(
    readonly pivot: number,
    readonly value: number,
  ) {
    super(`matrix is not positive definite (pivot ${pivot} is ${value})`);
    this.name = 'NotPositiveDefiniteError';
  }
}

export function invertSpdInPlace(a: Float64Array, n: number): void {
  if (!Number.isInteger(n) || n < 0 || a.length !== n * n)
    throw new Error(`expected a ${n}x${n} matrix, got ${a.length} values`);
  const diagonal = new Float64Array(n);
  cholesky(a, n);
  upperInverse(a, n, diagonal);
  gramOfRows(a, n, diagonal);
  for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) a[i * n + j] = a[j * n + i] as number;
}

/** Lower Cholesky factor in place: A[i][j] (j <= i) becomes L[i][j]. */
function cholesky(a: Float64Array, n: number): void {
  const sums = new Float64Array(4);
  for (let j0 = 0; j0 < n; j0 += BLOCK) {
    const j1 = Math.min(n, j0 + BLOCK);
    // Everything the block's columns owe to the columns before it, in 2 × 2 dot products.
    if (j0 > 0) {
      for (let i = j0; i < n; i += 2) {
        const pairRows = i + 1 < n;
        for (let j = j0; j < j1 && j <= i; j += 2) {
          const pairCols = j + 1 < j1 && j + 1 <= i;
          if (pairRows && pairCols) {
            dots2x2(a, i * n, (i + 1) * n, j * n, (j + 1) * n, 0, j0, sums);
            a[i * n + j] = (a[i * n + j] as number) - (sums[0] as number);
            a[i * n + j + 1] = (a[i * n + j + 1] as number) - (sums[1] as number);
            a[(i + 1) * n + j] = (a[(i + 1) * n + j] as number) - (sums[2] as number);
            a[(i + 1) * n + j + 1] = (a[(i + 1) * n + j + 1] as number) - (sums[3] as number);
          } else {
            // Edges: the diagonal of the block, an odd last row or column.
            for (let r = i; r < Math.min(n, i + 2); r++)
              for (let c = j; c < Math.min(j1, j + 2, r + 1); c++)
                a[r * n + c] = (a[r * n + c] as number) - dot(a, r * n, c * n, 0, j0);
          }
        }
      }
    }
    // Then the block itself, column by column (only BLOCK columns deep).
    for (let j = j0; j < j1; j++) {
      const rj = j * n;
      const d = (a[rj + j] as number) - dot(a, rj, rj, j0, j);
      if (!(d > 0)) throw new NotPositiveDefiniteError(j, d);
      const pivot = Math.sqrt(d);
      a[rj + j] = pivot;
      for (let i = j + 1; i < n; i++) {
        const ri = i * n;
        a[ri + j] = ((a[ri + j] as number) - dot(a, ri, rj, j0, j)) / pivot;
      }
    }
  }
}

/**
 * U = L⁻ᵀ into the strict upper triangle, its diagonal (1 / L[j][j]) into `diagonal`; L (strict lower)
 * is still read and left in place. Row j of U: U[j][i] = −(Σ_{j<=k<i} L[i][k]·U[j][k]) / L[i][i], two
 * rows j, j+1 at a time against rows i, i+1.
 */
function upperInverse(a: Float64Array, n: number, diagonal: Float64Array): void {
  const lii = new Float64Array(n);
  for (let i = 0; i < n; i++) lii[i] = a[i * n + i] as number;
  for (let j = 0; j < n; j++) diagonal[j] = 1 / (lii[j] as number);
  const sums = new Float64Array(4);
  // The diagonal of U lives in `diagonal`; while rows j, j+1 are built, it is placed at a[j][j] and
  // a[j+1][j+1] so the dot products can read U's rows contiguously, and L's diagonal restored after.
  for (let j = 0; j < n; j += 2) {
    const rj = j * n;
    const pair = j + 1 < n;
    const rk = (j + 1) * n;
    a[rj + j] = diagonal[j] as number;
    if (pair) {
      a[rk + j + 1] = diagonal[j + 1] as number;
      // U[j][j+1] first: it needs only L[j+1][j].
      a[rj + j + 1] = -((a[rk + j] as number) * (diagonal[j] as number)) / (lii[j + 1] as number);
    }
    let i = j + (pair ? 2 : 1);
    for (; i + 1 < n; i += 2) {
      const ri = i * n;
      const rn = (i + 1) * n;
      if (pair) {
        // Σ over k in [j, i) for rows i, i+1 of L against rows j, j+1 of U (U[j+1][j] = 0, L[i][j] read as is).
        dots2x2(a, ri, rn, rj, rk, j + 1, i, sums);
        const first = (a[ri + j] as number) * (a[rj + j] as number);
        const firstNext = (a[rn + j] as number) * (a[rj + j] as number);
        const uji = -((sums[0] as number) + first) / (lii[i] as number);
        const uki = -(sums[1] as number) / (lii[i] as number);
        a[rj + i] = uji;
        a[rk + i] = uki;
        // Row i+1 also needs k = i, now known.
        const lni = a[rn + i] as number;
        a[rj + i + 1] = -((sums[2] as number) + firstNext + lni * uji) / (lii[i + 1] as number);
        a[rk + i + 1] = -((sums[3] as number) + lni * uki) / (lii[i + 1] as number);
      } else {
        a[rj + i] = -dot(a, ri, rj, j, i) / (lii[i] as number);
        a[rj + i + 1] = -dot(a, rn, rj, j, i + 1) / (lii[i + 1] as number);
      }
    }
    for (; i < n; i++) {
      const ri = i * n;
      a[rj + i] = -dot(a, ri, rj, j, i) / (lii[i] as number);
      if (pair) a[rk + i] = -dot(a, ri, rk, j + 1, i) / (lii[i] as number);
    }
    a[rj + j] = lii[j] as number;
    if (pair) a[rk + j + 1] = lii[j + 1] as number;
  }
}

/**
 * A⁻¹ = U·Uᵀ into the lower triangle (diagonal included): A⁻¹[i][j] = Σ_{k >= i} U[i][k]·U[j][k] for
 * j <= i. U's strict upper triangle is read; its diagonal comes from `diagonal`.
 */
function gramOfRows(a: Float64Array, n: number, diagonal: Float64Array): void {
  const sums = new Float64Array(4);
  // Place U's diagonal where the dot products read it; L's diagonal is no longer needed.
  for (let j = 0; j < n; j++) a[j * n + j] = diagonal[j] as number;
  // Row i of the result reads rows j <= i of U from column i on; the entries written (columns < i of
  // row i, the lower triangle) are never read again, so the diagonal is written last per row pair.
  for (let i = 0; i < n; i += 2) {
    const ri = i * n;
    const pairRows = i + 1 < n;
    const rn = (i + 1) * n;
    let j = 0;
    for (; j + 1 < i; j += 2) {
      const rj = j * n;
      const rk = (j + 1) * n;
      if (pairRows) {
        // Columns k >= i+1 for both rows, plus k = i for row i (U[i+1][i] = 0).
        dots2x2(a, ri, rn, rj, rk, i + 1, n, sums);
        const ui = a[ri + i] as number;
        a[ri + j] = (sums[0] as number) + ui * (a[rj + i] as number);
        a[ri + j + 1] = (sums[1] as number) + ui * (a[rk + i] as number);
        a[rn + j] = sums[2] as number;
        a[rn + j + 1] = sums[3] as number;
      } else {
        a[ri + j] = dot(a, ri, rj, i, n);
        a[ri + j + 1] = dot(a, ri, rk, i, n);
      }
    }
    for (; j < i; j++) {
      const rj = j * n;
      a[ri + j] = dot(a, ri, rj, i, n);
      if (pairRows) a[rn + j] = dot(a, rn, rj, i + 1, n);
    }
    if (pairRows) {
      // A⁻¹[i+1][i] = Σ_{k >= i+1} U[i+1][k]·U[i][k]; then the two diagonal entries.
      a[rn + i] = dot(a, rn, ri, i + 1, n);
      const selfNext = dot(a, rn, rn, i + 1, n);
      a[ri + i] = dot(a, ri, ri, i, n);
      a[rn + i + 1] = selfNext;
    } else {
      a[ri + i] = dot(a, ri, ri, i, n);
    }
  }
}

/** Σ_{from<=k<to} a[x+k]·a[y+k], four accumulators. */
function dot(a: Float64Array, x: number, y: number, from: number, to: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let k = from;
  for (; k + 3 < to; k += 4) {
    s0 += (a[x + k] as number) * (a[y + k] as number);
    s1 += (a[x + k + 1] as number) * (a[y + k + 1] as number);
    s2 += (a[x + k + 2] as number) * (a[y + k + 2] as number);
    s3 += (a[x + k + 3] as number) * (a[y + k + 3] as number);
  }
  for (; k < to; k++) s0 += (a[x + k] as number) * (a[y + k] as number);
  return s0 + s1 + s2 + s3;
}

/** Rows x0, x1 against rows y0, y1 over [from, to): out = [x0·y0, x0·y1, x1·y0, x1·y1]. */
function dots2x2(
  a: Float64Array,
  x0: number,
  x1: number,
  y0: number,
  y1: number,
  from: number,
  to: number,
  out: Float64Array,
): void {
  let s00 = 0;
  let s01 = 0;
  let s10 = 0;
  let s11 = 0;
  for (let k = from; k < to; k++) {
    const p = a[x0 + k] as number;
    const q = a[x1 + k] as number;
    const r = a[y0 + k] as number;
    const s = a[y1 + k] as number;
    s00 += p * r;
    s01 += p * s;
    s10 += q * r;
    s11 += q * s;
  }
  out[0] = s00;
  out[1] = s01;
  out[2] = s10;
  out[3] = s11;
}
