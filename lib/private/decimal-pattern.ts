/**
 * A regular expression (no anchors) that matches the decimal integers greater than `n`, leading zeros allowed:
 * WAF compares header values as text, so a numeric limit on `Content-Length` has to be spelled as a pattern.
 */
export function decimalAbove(n: number): string {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new Error(`decimalAbove needs a non-negative integer, got ${n}`);
  const digits = String(n);
  const longer = `[1-9]\\d{${digits.length},}`;
  // Same length: equal to n up to position i, then a larger digit there, anything after.
  const sameLength = [...digits].flatMap((d, i) => {
    const digit = Number(d);
    if (digit === 9) return [];
    const larger = digit === 8 ? '9' : `[${digit + 1}-9]`;
    const rest = digits.length - i - 1;
    return [`${digits.slice(0, i)}${larger}${rest > 0 ? `\\d{${rest}}` : ''}`];
  });
  return `0*(${[longer, ...sameLength].join('|')})`;
}
