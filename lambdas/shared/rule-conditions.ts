/**
 * Whether one catalogue row meets a rule's conditions (the shapes are ./recommend-rules.ts). Shared: the
 * recommendation API's ranking and the catalogue's promoted index (promoted-items.ts) both ask it. Pure: the clock comes in as `now`, parameter references are resolved from `values` (the request's
 * validated parameters). A condition on a field the row lacks does not hold: a price filter keeps only
 * items whose price is known, so an uncatalogued item never passes a filter that names a field.
 */
import type { AttributeValue, CatalogueEntry } from './catalogue';
import { type Condition, ParamRefSchema } from './recommend-rules';

/** A request parameter after validation against its spec. */
export type ParamValue = number | string | readonly string[];
export type ParamValues = Readonly<Record<string, ParamValue>>;

const DAY_MS = 86_400_000;

export function matchesAll(
  conditions: readonly Condition[],
  entry: CatalogueEntry | undefined,
  values: ParamValues,
  now: number,
): boolean {
  return conditions.every((c) => matches(c, entry, values, now));
}

export function matches(
  condition: Condition,
  entry: CatalogueEntry | undefined,
  values: ParamValues,
  now: number,
): boolean {
  switch (condition.field) {
    case 'category':
      return inAndNotIn(entry?.category, list(condition.in, values), list(condition.notIn, values));
    case 'availability':
      return inAndNotIn(entry?.availability, condition.in, condition.notIn);
    case 'price': {
      const price = entry?.price;
      if (price === undefined) return false;
      const min = number(condition.min, values);
      const max = number(condition.max, values);
      return (min === undefined || price >= min) && (max === undefined || price <= max);
    }
    case 'createdAt': {
      const created = entry?.createdAt === undefined ? Number.NaN : Date.parse(entry.createdAt);
      if (Number.isNaN(created)) return false;
      const within = number(condition.withinDays, values);
      const olderThan = number(condition.olderThanDays, values);
      return (
        (within === undefined || created >= now - within * DAY_MS) &&
        (olderThan === undefined || created < now - olderThan * DAY_MS)
      );
    }
    case 'attribute': {
      const value = entry?.attributes?.[condition.name];
      if (condition.exists !== undefined && (value !== undefined) !== condition.exists) return false;
      const wanted = attributeList(condition.in, values);
      const unwanted = attributeList(condition.notIn, values);
      if (wanted === undefined && unwanted === undefined) return true;
      if (value === undefined) return false;
      return (
        (wanted === undefined || sharesValue(value, wanted)) &&
        (unwanted === undefined || !sharesValue(value, unwanted))
      );
    }
  }
}

function inAndNotIn(
  value: string | undefined,
  wanted: readonly string[] | undefined,
  unwanted: readonly string[] | undefined,
): boolean {
  if (value === undefined) return false;
  return (
    (wanted === undefined || wanted.includes(value)) && (unwanted === undefined || !unwanted.includes(value))
  );
}

/** A list-valued attribute matches when any of its elements is among `values`. */
function sharesValue(value: AttributeValue, values: readonly (string | number | boolean)[]): boolean {
  const own: readonly (string | number | boolean)[] = Array.isArray(value)
    ? value
    : [value as string | number | boolean];
  return own.some((v) => values.includes(v));
}

function resolve(value: unknown, values: ParamValues): unknown {
  const ref = ParamRefSchema.safeParse(value);
  return ref.success ? values[ref.data.param] : value;
}

function number(value: unknown, values: ParamValues): number | undefined {
  const v = resolve(value, values);
  return typeof v === 'number' ? v : undefined;
}

function list(value: unknown, values: ParamValues): readonly string[] | undefined {
  const v = resolve(value, values);
  if (typeof v === 'string') return [v];
  return Array.isArray(v) ? (v as string[]) : undefined;
}

function attributeList(
  value: unknown,
  values: ParamValues,
): readonly (string | number | boolean)[] | undefined {
  const v = resolve(value, values);
  if (typeof v === 'string' || typeof v === 'number') return [v];
  return Array.isArray(v) ? (v as (string | number | boolean)[]) : undefined;
}
