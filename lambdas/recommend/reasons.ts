/**
 * The reason shown with each item, in words a shopper reads: "because you viewed item-42",
 * "you bought this 3 times, last 12 days ago", "you viewed this 2 hours ago", "trending in books",
 * "new in garden", "new in kitchen: colour red, like Red kettle".
 * Built only for the items returned (scoring carries the facts, not the text).
 */
import type { ReasonKind } from './scoring-model';

/** The facts behind a repurchase or reminder reason. */
export type ReasonDetail =
  | { readonly kind: 'repurchase'; readonly count: number; readonly lastAt: string }
  /** A new arrival's attribute shared with a reference item (arrival-ranking.ts). */
  | {
      readonly kind: 'new';
      readonly attribute: string;
      readonly value: string | number | boolean;
      readonly like: string;
    }
  | {
      readonly kind: 'reminder';
      readonly action: 'viewed' | 'carted';
      readonly times: number;
      readonly at: string;
    };

export function reasonText(
  kind: ReasonKind,
  ref: string | undefined,
  detail?: ReasonDetail,
  now?: number,
): string {
  switch (kind) {
    case 'bought':
      return `because you bought ${ref}`;
    case 'cart':
      return `because you added ${ref} to your cart`;
    case 'viewed':
      return `because you viewed ${ref}`;
    case 'trending':
      return `trending in ${ref}`;
    case 'popular':
      return 'popular';
    case 'new':
      return detail?.kind === 'new'
        ? `new in ${ref}: ${describeAttribute(detail.attribute, detail.value)}, like ${detail.like}`
        : `new in ${ref}`;
    case 'promoted':
      return 'promoted';
    case 'repurchase':
      if (detail?.kind !== 'repurchase') return 'you bought this before';
      return detail.count > 1
        ? `you bought this ${times(detail.count)}, last ${ago(detail.lastAt, now)}`
        : `you bought this ${ago(detail.lastAt, now)}`;
    case 'reminder': {
      if (detail?.kind !== 'reminder') return 'you looked at this recently';
      const what = detail.action === 'carted' ? 'added this to your cart' : 'viewed this';
      return detail.times > 1
        ? `you ${what} ${times(detail.times)}, last ${ago(detail.at, now)}`
        : `you ${what} ${ago(detail.at, now)}`;
    }
  }
}

/** "colour red", "vegan", "not vegan". */
export function describeAttribute(name: string, value: string | number | boolean): string {
  if (value === true) return name;
  if (value === false) return `not ${name}`;
  return `${name} ${value}`;
}

function times(n: number): string {
  return n === 2 ? 'twice' : `${n} times`;
}

const UNITS: ReadonlyArray<readonly [string, number]> = [
  ['year', 365 * 86_400_000],
  ['month', 30 * 86_400_000],
  ['day', 86_400_000],
  ['hour', 3_600_000],
  ['minute', 60_000],
];

/** "12 days ago", "2 hours ago", "just now": the largest whole unit, rounded down. */
export function ago(atIso: string, now: number | undefined): string {
  const at = Date.parse(atIso);
  if (now === undefined || !Number.isFinite(at)) return 'before';
  const elapsed = Math.max(0, now - at);
  for (const [unit, ms] of UNITS) {
    const n = Math.floor(elapsed / ms);
    if (n >= 1) return `${n} ${unit}${n === 1 ? '' : 's'} ago`;
  }
  return 'just now';
}
