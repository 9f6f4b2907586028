/**
 * Deterministic traffic simulator: realistic shopping sessions as `POST /v1/events` inputs.
 *
 * A seeded PRNG (sfc32) drives everything, so the same options give the same events, byte for byte.
 * The model: a catalogue whose item popularity follows a Zipf law, users with 1–3 preferred categories
 * that bias what they browse, and sessions that walk a view → add-to-cart → purchase funnel. Users come
 * back across sessions (a few heavy users, a long tail of light ones); a share of sessions is anonymous.
 *
 * Sampling is O(log n) (cumulative weights + binary search) and events are plain objects, so it generates
 * well over 100,000 events/s in-process for the 1,000,000-event benchmarks.
 */
import { sfc32, WeightedSampler } from './random';
import { CATEGORY_SPECS, LOCALES, SITE, USER_AGENTS } from './shop';
import type { SimContext, SimEvent, SimEventFields, SimItem, SimLineItem, SimUser } from './sim-events';

export type { SimEvent, SimEventType } from './sim-events';

export interface TrafficSimulatorOptions {
  /** @default 42 */
  readonly seed?: number;
  /** Number of registered users. @default 1000 */
  readonly users?: number;
  /** Catalogue size. @default 2000 */
  readonly items?: number;
  /** Number of categories (at most `items`). @default 20 */
  readonly categories?: number;
  /** Exponent of the Zipf law over item popularity ranks. @default 1.1 */
  readonly zipfExponent?: number;
  /** Share of sessions without a userId (they carry an anonymousId). @default 0.15 */
  readonly anonymousShare?: number;
  /** Simulated clock start (Date, epoch ms or ISO string). @default now */
  readonly startTime?: Date | number | string;
  /** Mean of the exponential gap between two events on the simulated clock. @default 3 */
  readonly meanSecondsBetweenEvents?: number;
  /** Probability that a product view leads to an add-to-cart. @default 0.12 */
  readonly addToCartRate?: number;
  /** Probability that a session with a non-empty cart ends in a purchase. @default 0.35 */
  readonly purchaseRate?: number;
  /** Currency of every price. @default 'USD' */
  readonly currency?: string;
}

/** Share of product views drawn from the user's preferred categories (the rest: whole catalogue). */
const PREFERRED_VIEW_SHARE = 0.7;
/** Probability that an item in the cart is removed again before the session ends. */
const REMOVE_FROM_CART_RATE = 0.08;

interface ItemModel extends SimItem {
  readonly pagePath: string;
  readonly pageUrl: string;
}

interface CategoryModel {
  readonly name: string;
  readonly items: WeightedSampler<ItemModel>;
  readonly queries: readonly string[];
  /** Search result page URL per query, pre-encoded. */
  readonly searchUrls: readonly string[];
  readonly pagePath: string;
  readonly pageUrl: string;
}

interface UserModel extends SimUser {
  readonly categorySampler: WeightedSampler<CategoryModel>;
}

interface SessionState {
  readonly user: UserModel;
  readonly userId?: string;
  readonly anonymousId?: string;
  readonly sessionId: string;
  readonly events: SimEvent[];
  readonly cart: CartLine[];
}

interface CartLine {
  readonly item: ItemModel;
  quantity: number;
}

function positiveInt(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`TrafficSimulator option ${name} must be a positive integer, got ${value}`);
  }
  return value;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

function toEpochMs(start: Date | number | string | undefined): number {
  if (start === undefined) return Date.now();
  const ms = start instanceof Date ? start.getTime() : typeof start === 'number' ? start : Date.parse(start);
  if (!Number.isFinite(ms))
    throw new Error(`TrafficSimulator option startTime is not a valid time: ${String(start)}`);
  return ms;
}

export class TrafficSimulator {
  /** The catalogue, indexed by item number (`item-00042` is `catalogue[42]`). */
  readonly catalogue: readonly SimItem[];
  readonly users: readonly SimUser[];
  readonly categories: readonly string[];

  private readonly rand: () => number;
  private readonly seed: number;
  private readonly anonymousShare: number;
  private readonly meanGapMs: number;
  private readonly addToCartRate: number;
  private readonly purchaseRate: number;
  private readonly currency: string;
  private readonly categoryModels: readonly CategoryModel[];
  private readonly userModels: readonly UserModel[];
  private readonly globalItems: WeightedSampler<ItemModel>;
  private readonly userActivity: WeightedSampler<UserModel>;

  private clockMs: number;
  private eventCount = 0;
  private sessionCount = 0;
  private orderCount = 0;
  /** Events of the current session not yet handed out (generate() can cut a session). */
  private pending: SimEvent[] = [];
  private pendingIndex = 0;
  private isoMinute = Number.NaN;
  private isoPrefix = '';

  constructor(options: TrafficSimulatorOptions = {}) {
    this.seed = options.seed ?? 42;
    if (!Number.isInteger(this.seed))
      throw new Error(`TrafficSimulator option seed must be an integer, got ${this.seed}`);
    const userCount = positiveInt('users', options.users ?? 1000);
    const itemCount = positiveInt('items', options.items ?? 2000);
    const categoryCount = positiveInt('categories', options.categories ?? 20);
    if (categoryCount > itemCount) {
      throw new Error(
        `TrafficSimulator needs at least one item per category: ${categoryCount} > ${itemCount} items`,
      );
    }
    const zipfExponent = options.zipfExponent ?? 1.1;
    if (!(zipfExponent >= 0))
      throw new Error(`TrafficSimulator option zipfExponent must be >= 0, got ${zipfExponent}`);
    this.anonymousShare = options.anonymousShare ?? 0.15;
    this.addToCartRate = options.addToCartRate ?? 0.12;
    this.purchaseRate = options.purchaseRate ?? 0.35;
    for (const [name, v] of [
      ['anonymousShare', this.anonymousShare],
      ['addToCartRate', this.addToCartRate],
      ['purchaseRate', this.purchaseRate],
    ] as const) {
      if (!(v >= 0 && v <= 1))
        throw new Error(`TrafficSimulator option ${name} must be within [0, 1], got ${v}`);
    }
    const meanSeconds = options.meanSecondsBetweenEvents ?? 3;
    if (!(meanSeconds >= 0)) {
      throw new Error(`TrafficSimulator option meanSecondsBetweenEvents must be >= 0, got ${meanSeconds}`);
    }
    this.meanGapMs = meanSeconds * 1000;
    this.currency = options.currency ?? 'USD';
    this.clockMs = toEpochMs(options.startTime);
    this.rand = sfc32(this.seed);
    const rand = this.rand;

    // Categories: sizes vary (a few big ones, a tail of small ones), each with a typical price.
    const specs = Array.from({ length: categoryCount }, (_, i) => {
      const spec = CATEGORY_SPECS[i % CATEGORY_SPECS.length];
      if (i < CATEGORY_SPECS.length) return spec;
      const name = `${spec.name}-${Math.floor(i / CATEGORY_SPECS.length) + 1}`;
      return { name, medianPrice: spec.medianPrice, queries: spec.queries.map((q) => `${q} ${name}`) };
    });
    this.categories = specs.map((s) => s.name);
    const categoryPick = new WeightedSampler(
      specs.map((_, i) => i),
      specs.map((_, i) => 1 / (i + 1) ** 0.5),
    );

    // Popularity ranks are a random permutation, so popularity is not tied to item numbers.
    const ranks = Array.from({ length: itemCount }, (_, i) => i + 1);
    for (let i = itemCount - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [ranks[i], ranks[j]] = [ranks[j], ranks[i]];
    }
    const idWidth = Math.max(5, String(itemCount - 1).length);
    const itemsByCategory: ItemModel[][] = specs.map(() => []);
    const items: ItemModel[] = [];
    for (let i = 0; i < itemCount; i++) {
      const c = i < categoryCount ? i : categoryPick.sample(rand());
      // Log-normal price around the category median (Box-Muller for the normal draw).
      const normal = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
      const price = Math.max(0.99, Math.round(specs[c].medianPrice * Math.exp(0.6 * normal)) - 0.01);
      const id = `item-${pad(i, idWidth)}`;
      const path = `/p/${id}`;
      const item: ItemModel = {
        id,
        category: specs[c].name,
        price,
        popularityRank: ranks[i],
        pagePath: path,
        pageUrl: SITE + path,
      };
      items.push(item);
      itemsByCategory[c].push(item);
    }
    this.catalogue = items.map(({ id, category, price, popularityRank }) => ({
      id,
      category,
      price,
      popularityRank,
    }));
    const zipfWeight = (item: ItemModel): number => 1 / item.popularityRank ** zipfExponent;
    this.globalItems = new WeightedSampler(items, items.map(zipfWeight));
    this.categoryModels = specs.map((spec, c) => ({
      name: spec.name,
      items: new WeightedSampler(itemsByCategory[c], itemsByCategory[c].map(zipfWeight)),
      queries: spec.queries,
      searchUrls: spec.queries.map((q) => `${SITE}/search?q=${encodeURIComponent(q)}`),
      pagePath: `/c/${spec.name}`,
      pageUrl: `${SITE}/c/${spec.name}`,
    }));

    // Users: 1–3 preferred categories with Dirichlet(1)-like weights, a locale and a device.
    const userWidth = Math.max(4, String(userCount).length);
    const users: UserModel[] = [];
    const activity: number[] = [];
    for (let u = 1; u <= userCount; u++) {
      const r = rand();
      const k = Math.min(categoryCount, r < 0.3 ? 1 : r < 0.75 ? 2 : 3);
      const chosen: number[] = [];
      while (chosen.length < k) {
        const c = categoryPick.sample(rand());
        if (!chosen.includes(c)) chosen.push(c);
      }
      const raw = chosen.map(() => -Math.log(1 - rand()) + 1e-9);
      const sum = raw.reduce((s, w) => s + w, 0);
      const prefs = chosen
        .map((c, i) => ({ category: specs[c].name, weight: raw[i] / sum, model: c }))
        .sort((x, y) => y.weight - x.weight);
      users.push({
        id: `user-${pad(u, userWidth)}`,
        preferredCategories: prefs.map(({ category, weight }) => ({ category, weight })),
        locale: LOCALES[Math.floor(rand() * LOCALES.length)],
        userAgent: USER_AGENTS[Math.floor(rand() * USER_AGENTS.length)],
        categorySampler: new WeightedSampler(
          prefs.map((p) => this.categoryModels[p.model]),
          prefs.map((p) => p.weight),
        ),
      });
      // Returning visitors: log-normal activity, so a few heavy users and a long tail of light ones.
      const n = Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
      activity.push(Math.exp(n));
    }
    this.userModels = users;
    this.users = users.map(({ id, preferredCategories, locale, userAgent }) => ({
      id,
      preferredCategories,
      locale,
      userAgent,
    }));
    this.userActivity = new WeightedSampler(users, activity);
  }

  /** Exactly `count` events; a session cut at the end continues in the next call. */
  generate(count: number): SimEvent[] {
    if (!Number.isInteger(count) || count < 0)
      throw new Error(`generate(count) needs an integer >= 0, got ${count}`);
    const out: SimEvent[] = new Array(count);
    let n = 0;
    while (n < count) {
      if (this.pendingIndex >= this.pending.length) {
        this.pending = this.buildSession();
        this.pendingIndex = 0;
      }
      const take = Math.min(count - n, this.pending.length - this.pendingIndex);
      for (let i = 0; i < take; i++) out[n++] = this.pending[this.pendingIndex++];
    }
    return out;
  }

  /** The next whole session, or the rest of one that generate() cut. */
  nextSession(): SimEvent[] {
    if (this.pendingIndex < this.pending.length) {
      const rest = this.pending.slice(this.pendingIndex);
      this.pending = [];
      this.pendingIndex = 0;
      return rest;
    }
    return this.buildSession();
  }

  private buildSession(): SimEvent[] {
    const rand = this.rand;
    const sessionNo = ++this.sessionCount;
    const anonymous = rand() < this.anonymousShare;
    // Anonymous visitors browse like some registered user would; they just are not signed in.
    const user = anonymous
      ? this.userModels[Math.floor(rand() * this.userModels.length)]
      : this.userActivity.sample(rand());
    const s: SessionState = {
      user,
      userId: anonymous ? undefined : user.id,
      anonymousId: anonymous ? `anon-${this.seed}-${sessionNo}` : undefined,
      sessionId: `sess-${this.seed}-${sessionNo}`,
      events: [],
      cart: [],
    };

    // Landing page: home most of the time, else a category page (from a campaign or a bookmark).
    if (rand() < 0.6) {
      this.emit(s, '/', `${SITE}/`, { type: 'page_view', pageName: 'home' });
    } else {
      const c = this.browseCategory(user);
      this.emit(s, c.pagePath, c.pageUrl, { type: 'page_view', pageName: 'category', category: c.name });
    }

    // Browsing: 1 + geometric(mean ~5) steps of searches, category pages and product views.
    let steps = 1;
    while (steps < 40 && rand() < 0.8) steps++;
    for (let step = 0; step < steps; step++) {
      const r = rand();
      if (r < 0.15) {
        const c = this.browseCategory(user);
        const q = Math.floor(rand() * c.queries.length);
        this.emit(s, '/search', c.searchUrls[q], { type: 'search', query: c.queries[q] });
        this.viewItem(s, c.items.sample(rand()));
      } else if (r < 0.25) {
        const c = this.browseCategory(user);
        this.emit(s, c.pagePath, c.pageUrl, { type: 'page_view', pageName: 'category', category: c.name });
      } else if (r < 0.35) {
        // Popular items from anywhere: home-page carousels, deals.
        this.viewItem(s, this.globalItems.sample(rand()));
      } else {
        const item =
          rand() < PREFERRED_VIEW_SHARE
            ? user.categorySampler.sample(rand()).items.sample(rand())
            : this.globalItems.sample(rand());
        this.viewItem(s, item);
      }
    }

    const cart = s.cart;
    if (cart.length === 0) return s.events;
    this.emit(s, '/cart', `${SITE}/cart`, { type: 'page_view', pageName: 'cart' });
    for (let i = cart.length - 1; i >= 0; i--) {
      if (rand() >= REMOVE_FROM_CART_RATE) continue;
      const line = cart[i];
      this.emit(s, '/cart', `${SITE}/cart`, {
        type: 'remove_from_cart',
        ...this.cartFields(line.item, line.quantity),
      });
      cart.splice(i, 1);
    }
    if (cart.length === 0 || rand() >= this.purchaseRate) return s.events;
    const lineItems: SimLineItem[] = [];
    let revenue = 0;
    for (const { item, quantity } of cart) {
      lineItems.push({ itemId: item.id, quantity, price: item.price, category: item.category });
      revenue += item.price * quantity;
    }
    this.emit(s, '/checkout/confirmation', `${SITE}/checkout/confirmation`, {
      type: 'purchase',
      orderId: `order-${this.seed}-${++this.orderCount}`,
      currency: this.currency,
      lineItems,
      revenue: round2(revenue),
    });
    return s.events;
  }

  /** A product view, sometimes followed by an add-to-cart of the same item. */
  private viewItem(s: SessionState, item: ItemModel): void {
    const { id: itemId, category, price } = item;
    this.emit(s, item.pagePath, item.pageUrl, {
      type: 'product_view',
      itemId,
      category,
      price,
      currency: this.currency,
    });
    if (this.rand() >= this.addToCartRate) return;
    const quantity = this.rand() < 0.85 ? 1 : 2 + Math.floor(this.rand() * 2);
    this.emit(s, item.pagePath, item.pageUrl, { type: 'add_to_cart', ...this.cartFields(item, quantity) });
    const line = s.cart.find((l) => l.item === item);
    if (line) line.quantity += quantity;
    else s.cart.push({ item, quantity });
  }

  /** Mostly one of the user's preferred categories, sometimes any category. */
  private browseCategory(user: UserModel): CategoryModel {
    return this.rand() < PREFERRED_VIEW_SHARE
      ? user.categorySampler.sample(this.rand())
      : this.categoryModels[Math.floor(this.rand() * this.categoryModels.length)];
  }

  /** Appends an event: common fields in a stable key order (id, type, who, session, when, where), then its own. */
  private emit(s: SessionState, path: string, url: string, fields: SimEventFields): void {
    this.clockMs += this.gapMs();
    const eventId = `sim-${this.seed}-${++this.eventCount}`;
    const occurredAt = this.isoTime(this.clockMs);
    const context: SimContext = { userAgent: s.user.userAgent, locale: s.user.locale, page: { url, path } };
    // Two literal shapes (rather than a spread) keep the hot path monomorphic and fast.
    const common =
      s.userId !== undefined
        ? { eventId, type: fields.type, userId: s.userId, sessionId: s.sessionId, occurredAt, context }
        : {
            eventId,
            type: fields.type,
            anonymousId: s.anonymousId,
            sessionId: s.sessionId,
            occurredAt,
            context,
          };
    s.events.push(Object.assign(common, fields));
  }

  private cartFields(item: ItemModel, quantity: number) {
    return { itemId: item.id, quantity, category: item.category, price: item.price, currency: this.currency };
  }

  /** `Date#toISOString` with the minute prefix cached: the clock moves forward in small steps. */
  private isoTime(ms: number): string {
    const minute = Math.floor(ms / 60000);
    if (minute !== this.isoMinute) {
      this.isoMinute = minute;
      this.isoPrefix = new Date(minute * 60000).toISOString().slice(0, 17);
    }
    const millis = ms - minute * 60000;
    const sec = Math.floor(millis / 1000);
    const milli = millis - sec * 1000;
    return `${this.isoPrefix}${sec < 10 ? '0' : ''}${sec}.${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
  }

  /** Exponential gap with the configured mean, in whole milliseconds. */
  private gapMs(): number {
    return Math.round(-Math.log(1 - this.rand()) * this.meanGapMs);
  }
}
