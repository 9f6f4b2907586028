/** API Gateway throttling: a steady rate (requests per second) and a burst (a whole number of requests). */
export interface Throttling {
  readonly rateLimit: number;
  readonly burstLimit: number;
}

/** The limits of an API with the given defaults; fails at synth time on a limit API Gateway would refuse. */
export function throttlingLimits(
  rateLimit: number | undefined,
  burstLimit: number | undefined,
  defaults: Throttling,
): Throttling {
  const limits = {
    rateLimit: rateLimit ?? defaults.rateLimit,
    burstLimit: burstLimit ?? defaults.burstLimit,
  };
  if (!(limits.rateLimit > 0) || !Number.isInteger(limits.burstLimit) || limits.burstLimit < 1) {
    throw new Error(
      `Throttling limits must be positive, got rate ${limits.rateLimit} and burst ${limits.burstLimit}`,
    );
  }
  return limits;
}
