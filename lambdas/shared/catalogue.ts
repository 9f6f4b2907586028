/**
 * The item catalogue's contract, in one place: the route, the `PUT /v1/items` body (zod; the handler parses
 * with it and the OpenAPI document is generated from it), the attributes of the Items table (partition key
 * `itemId`) and what makes an item recommendable, and the key of the per-category new-arrivals rows the
 * writer keeps in the same table (`newArrivalsKey`; their format: lambdas/shared/new-arrivals.ts). The writer
 * (lambdas/catalogue), the recommendation API's reader (lambdas/recommend/catalogue-filter.ts,
 * dynamo-reads.ts) and `recostream import catalog` all import it.
 */
import { z } from 'zod';
import { idSchema } from './ids';

export const CATALOGUE_ROUTE = { method: 'PUT', path: '/v1/items' } as const;

/** Items per request: the same bound as events per ingest request. */
export const MAX_CATALOGUE_ITEMS = 500;
export const MAX_ATTRIBUTES = 50;

export const AVAILABILITY = ['in_stock', 'out_of_stock', 'discontinued'] as const;
export type Availability = (typeof AVAILABILITY)[number];

/** Only these are never recommended; an item without an availability (or not in the catalogue) is. */
const UNAVAILABLE: ReadonlySet<string> = new Set<Availability>(['out_of_stock', 'discontinued']);

export function isRecommendable(entry: { readonly availability?: string } | undefined): boolean {
  return entry?.availability === undefined || !UNAVAILABLE.has(entry.availability);
}

const AttributeValueSchema = z.union([
  z.string().max(1000),
  z.number().refine(Number.isFinite, { error: 'expected a finite number' }),
  z.boolean(),
  z.array(z.string().max(256)).max(100),
]);

export type AttributeValue = z.infer<typeof AttributeValueSchema>;

/**
 * Fields a PUT may name. Every field but itemId is optional and nullable: absent = left as stored,
 * `null` = removed from the stored item. `attributes` is replaced as a whole when named.
 */
export const CatalogueItemSchema = z.strictObject({
  itemId: idSchema().meta({ description: 'Item id, as in the events (the id rules of the ingest API).' }),
  title: z.string().min(1).max(1000).nullable().optional(),
  category: z.string().min(1).max(256).nullable().optional(),
  price: z
    .number()
    .nonnegative()
    .refine(Number.isFinite, { error: 'expected a finite number' })
    .nullable()
    .optional(),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, { error: 'expected an ISO 4217 code such as EUR' })
    .nullable()
    .optional(),
  availability: z.enum(AVAILABILITY).nullable().optional().meta({
    description: '`out_of_stock` and `discontinued` items are never recommended, from the next request on.',
  }),
  createdAt: z.iso
    .datetime({ offset: true })
    .transform((s) => new Date(s).toISOString())
    .nullable()
    .optional()
    .meta({ description: 'When the item entered the catalogue (ISO-8601).' }),
  attributes: z
    .record(z.string().min(1).max(128), AttributeValueSchema)
    .refine((a) => Object.keys(a).length <= MAX_ATTRIBUTES, {
      error: `at most ${MAX_ATTRIBUTES} attributes`,
    })
    .nullable()
    .optional()
    .meta({
      description: 'Free attributes (string, number, boolean, list of strings); replaced as a whole.',
    }),
});

export const CatalogueRequestSchema = z.strictObject({
  items: z
    .array(CatalogueItemSchema)
    .min(1, { error: 'at least one item' })
    .max(MAX_CATALOGUE_ITEMS, { error: `at most ${MAX_CATALOGUE_ITEMS} items per request` }),
});

export const CatalogueResponseSchema = z.object({
  updated: z.number().int().meta({ description: 'Items written.' }),
  itemIds: z.array(z.string()),
});

export type CatalogueItem = z.infer<typeof CatalogueItemSchema>;
/** The fields of an item that a PUT can set or remove, and that the Items table stores. */
export type CatalogueField = Exclude<keyof CatalogueItem, 'itemId'>;
export const CATALOGUE_FIELDS: readonly CatalogueField[] = [
  'title',
  'category',
  'price',
  'currency',
  'availability',
  'createdAt',
  'attributes',
];

/** What the recommendation API reads of an item (a projection of the stored row). */
export interface CatalogueEntry {
  readonly itemId: string;
  readonly title?: string;
  readonly price?: number;
  readonly currency?: string;
  readonly category?: string;
  readonly availability?: string;
  /** ISO-8601; the rules' recency conditions read it (lambdas/recommend/rules). */
  readonly createdAt?: string;
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
}

/** The attributes the recommendation API projects from the Items table. */
export const CATALOGUE_READ_ATTRIBUTES = [
  'itemId',
  'title',
  'price',
  'currency',
  'category',
  'availability',
  'createdAt',
  'attributes',
] as const;

/**
 * Partition key of a category's new-arrivals row in the Items table. It starts with U+001E, which no item id
 * may contain (lambdas/shared/ids.ts forbids control characters), so it never collides with an item and no
 * catalogue request can read or overwrite it.
 */
export const NEW_ARRIVALS_KEY_PREFIX = '\u001enew-arrivals\u001e';

export function newArrivalsKey(category: string): string {
  return `${NEW_ARRIVALS_KEY_PREFIX}${category}`;
}

/**
 * Partition key of the promoted-items row (lambdas/shared/promoted-items.ts): the items matching the
 * deployment's promotion filter. Starts with U+001E like the new-arrivals rows, so it never collides with an item.
 */
export const PROMOTED_ITEMS_KEY = '\u001epromoted\u001e';

/** Validates a row read from the Items table into the entry the API uses; wrong types are dropped. */
export function catalogueEntryOf(row: Record<string, unknown>): CatalogueEntry | undefined {
  const { itemId, title, price, currency, category, availability, createdAt, attributes } = row;
  if (typeof itemId !== 'string') return undefined;
  return {
    itemId,
    ...(typeof title === 'string' ? { title } : {}),
    ...(typeof price === 'number' && Number.isFinite(price) ? { price } : {}),
    ...(typeof currency === 'string' ? { currency } : {}),
    ...(typeof category === 'string' ? { category } : {}),
    ...(typeof availability === 'string' ? { availability } : {}),
    ...(typeof createdAt === 'string' ? { createdAt } : {}),
    ...(attributesOf(attributes) ?? {}),
  };
}

/** The stored attributes map with the values of a wrong type dropped (the rules compare them by type). */
function attributesOf(raw: unknown): { attributes: Record<string, AttributeValue> } | undefined {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const attributes: Record<string, AttributeValue> = {};
  for (const [name, value] of Object.entries(raw)) {
    const parsed = AttributeValueSchema.safeParse(value);
    if (parsed.success) attributes[name] = parsed.data;
  }
  return { attributes };
}
