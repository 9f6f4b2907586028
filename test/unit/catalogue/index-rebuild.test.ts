/**
 * The index rebuild plan (lambdas/catalogue/index-rebuild.ts, `recostream catalogue reindex`): fed the rows of
 * a scan page by page, it gives each new-arrivals row the newest items of its category with a createdAt, and
 * the promoted-items row the available items that match the filter (when asked to rebuild it), removes what
 * does not belong (stale categories, items that stopped matching, undecodable elements), bounds the rows like
 * the writer, and plans nothing for a row that is already right.
 */
import { IndexRebuild } from '../../../lambdas/catalogue/index-rebuild';
import { newArrivalsKey, PROMOTED_ITEMS_KEY } from '../../../lambdas/shared/catalogue';
import {
  encodeArrival,
  MAX_NEW_ARRIVALS,
  NEW_ARRIVALS_ATTRIBUTE,
} from '../../../lambdas/shared/new-arrivals';
import { PROMOTED_ITEMS_ATTRIBUTE } from '../../../lambdas/shared/promoted-items';
import type { FilterRule } from '../../../lambdas/shared/recommend-rules';

const garden: FilterRule = { match: [{ field: 'category', in: ['garden'] }] };
const at = (iso: string) => Date.parse(iso);
const el = (itemId: string, iso?: string) => encodeArrival({ itemId, createdAt: iso ? at(iso) : 0 });
const ids = (elements: ReadonlySet<string>) => [...elements].sort();

it('plans the rows the writer would keep, across pages, and removes what does not belong', () => {
  const rebuild = new IndexRebuild({ promoted: true, promotion: garden });
  rebuild.add([
    { itemId: 'rake', category: 'garden', createdAt: '2026-11-01T00:00:00.000Z' },
    {
      itemId: 'hose',
      category: 'garden',
      availability: 'out_of_stock',
      createdAt: '2026-11-02T00:00:00.000Z',
    },
    // Already listed, with a stale element of an item that is now in another category.
    {
      itemId: newArrivalsKey('garden'),
      [NEW_ARRIVALS_ATTRIBUTE]: new Set([
        el('rake', '2026-11-01T00:00:00.000Z'),
        el('pan', '2026-10-01T00:00:00.000Z'),
      ]),
    },
    {
      itemId: newArrivalsKey('toys'),
      [NEW_ARRIVALS_ATTRIBUTE]: new Set([el('kite', '2026-10-01T00:00:00.000Z')]),
    },
  ]);
  rebuild.add([
    { itemId: 'pan', category: 'kitchen', createdAt: '2026-10-01T00:00:00.000Z' },
    { itemId: 'seeds', category: 'garden' },
    { itemId: PROMOTED_ITEMS_KEY, [PROMOTED_ITEMS_ATTRIBUTE]: new Set([el('pan'), 'not an element']) },
  ]);
  expect(rebuild.items).toBe(4);
  const changes = Object.fromEntries(
    rebuild.changes().map((c) => [c.key, { attribute: c.attribute, add: ids(c.add), remove: ids(c.remove) }]),
  );
  expect(changes).toEqual({
    [newArrivalsKey('garden')]: {
      attribute: NEW_ARRIVALS_ATTRIBUTE,
      add: [el('hose', '2026-11-02T00:00:00.000Z')],
      remove: [el('pan', '2026-10-01T00:00:00.000Z')],
    },
    [newArrivalsKey('kitchen')]: {
      attribute: NEW_ARRIVALS_ATTRIBUTE,
      add: [el('pan', '2026-10-01T00:00:00.000Z')],
      remove: [],
    },
    [newArrivalsKey('toys')]: {
      attribute: NEW_ARRIVALS_ATTRIBUTE,
      add: [],
      remove: [el('kite', '2026-10-01T00:00:00.000Z')],
    },
    // Available garden items, with createdAt 0 when they have none; out of stock and other categories leave.
    [PROMOTED_ITEMS_KEY]: {
      attribute: PROMOTED_ITEMS_ATTRIBUTE,
      add: ids(new Set([el('rake', '2026-11-01T00:00:00.000Z'), el('seeds')])),
      remove: ids(new Set([el('pan'), 'not an element'])),
    },
  });
});

it('plans nothing for rows that are right, and leaves the promoted row alone unless asked', () => {
  const rows = [
    { itemId: 'rake', category: 'garden', createdAt: '2026-11-01T00:00:00.000Z' },
    {
      itemId: newArrivalsKey('garden'),
      [NEW_ARRIVALS_ATTRIBUTE]: new Set([el('rake', '2026-11-01T00:00:00.000Z')]),
    },
    { itemId: PROMOTED_ITEMS_KEY, [PROMOTED_ITEMS_ATTRIBUTE]: new Set([el('old')]) },
  ];
  const untouched = new IndexRebuild({ promoted: false });
  untouched.add(rows);
  expect(untouched.changes()).toEqual([]);
  // Rules without an indexable promotion: the row is emptied.
  const emptied = new IndexRebuild({ promoted: true });
  emptied.add(rows);
  expect(emptied.changes().map((c) => [c.key, ids(c.add), ids(c.remove)])).toEqual([
    [PROMOTED_ITEMS_KEY, [], [el('old')]],
  ]);
});

it('keeps the newest items of a category, like the writer', () => {
  const rebuild = new IndexRebuild({ promoted: false });
  const day = (n: number) => new Date(at('2026-01-01T00:00:00.000Z') + n * 86_400_000).toISOString();
  for (let page = 0; page < 3; page++)
    rebuild.add(
      Array.from({ length: 50 }, (_, i) => ({
        itemId: `i${page * 50 + i}`,
        category: 'c',
        createdAt: day(page * 50 + i),
      })),
    );
  const [change] = rebuild.changes();
  expect(change?.add.size).toBe(MAX_NEW_ARRIVALS);
  expect(change?.add.has(el('i149', day(149)))).toBe(true);
  expect(change?.add.has(el('i49', day(49)))).toBe(false);
});
