/**
 * The inverse of a symmetric positive-definite matrix (row-major Float64Array) for the EASE baseline: the
 * cf job's own in-place inverse (lambdas/jobs/spd-inverse.ts) on a copy, so the baseline and the job's
 * EASE solve share one implementation.
 */
import { invertSpdInPlace } from '../../lambdas/jobs/spd-inverse';

export function spdInverse(matrix: Float64Array, n: number): Float64Array {
  const inverse = Float64Array.from(matrix);
  invertSpdInPlace(inverse, n);
  return inverse;
}
