/**
 * The price list the cost model reads (local/cost/prices.ts) is data a person edits by hand from the AWS
 * pricing pages: each service names its page, every price is a finite non-negative number (a typo such as
 * a string, NaN or a minus sign would price the app silently wrong), tiers rise and end open, and the date
 * the table prints is a real day. The cost arithmetic itself is cost-model.test.ts's.
 */
import { PRICE_DATE, PRICE_REGION, PRICES } from '../../../../local/cost/prices';

/** Every number of an entry, with its path, tier bounds included. */
function numbersOf(value: unknown, path: string): Array<[string, number]> {
  if (typeof value === 'number') return [[path, value]];
  if (Array.isArray(value)) return value.flatMap((item, i) => numbersOf(item, `${path}[${i}]`));
  if (typeof value === 'object' && value !== null)
    return Object.entries(value).flatMap(([key, item]) => numbersOf(item, `${path}.${key}`));
  return [];
}

it('names the AWS pricing page of every service', () => {
  for (const [service, entry] of Object.entries(PRICES))
    expect([service, entry.source]).toEqual([
      service,
      expect.stringMatching(/^https:\/\/aws\.amazon\.com\/.+\/pricing\//),
    ]);
});

it('has only finite, non-negative prices (tier ends may be open)', () => {
  const numbers = Object.entries(PRICES).flatMap(([service, entry]) => numbersOf(entry, service));
  expect(numbers.length).toBeGreaterThan(30);
  const bad = numbers.filter(
    ([path, n]) => !(n >= 0) || (!Number.isFinite(n) && !path.endsWith('.upToMillions')),
  );
  expect(bad).toEqual([]);
});

it('has tiers with rising bounds, falling prices and an end that covers any volume', () => {
  for (const tiers of [PRICES.apiGateway.restTiers, PRICES.apiGateway.httpTiers]) {
    const bounds = tiers.map((t) => t.upToMillions);
    expect(bounds).toEqual([...bounds].sort((a, b) => a - b));
    const prices = tiers.map((t) => t.perMillion);
    expect(prices).toEqual([...prices].sort((a, b) => b - a));
    expect(bounds.at(-1)).toBeGreaterThanOrEqual(20_000);
  }
});

it('dates the prices with a real day, in the region they are for', () => {
  expect(PRICE_DATE).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  expect(new Date(`${PRICE_DATE}T00:00:00Z`).toISOString().slice(0, 10)).toBe(PRICE_DATE);
  expect(PRICE_REGION).toBe('us-east-1');
});
