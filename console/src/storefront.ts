/**
 * The demo storefront: be a simulated user (or a new anonymous visitor), browse the simulated catalogue,
 * view and add to cart, buy. Every action is a real event sent through the public ingest API with the
 * local write key; the recommendation panel reads the public recommendation API (which records the
 * impressions itself) and refreshes a few times after each action, so the effect shows within seconds.
 * A click on a recommended item also sends `recommendation_click` with its recommendationId and position.
 * The placement picker switches between the API's lists (for-you, buy-again, continue-shopping, discover);
 * each item shows its reason ("you bought this twice, last 3 minutes ago", "you viewed this just now", …).
 */
import {
  ApiError,
  apiHeaders,
  type Catalogue,
  type CatalogueItem,
  type ConsoleConfig,
  requestJson,
  sendEvents,
} from './api';
import { byId, el, timeOfDay } from './dom';

const GRID_SIZE = 12;
const RECOMMENDATION_LIMIT = 8;
/** After an action, the panel refreshes at these delays (the pipeline takes about a second end to end). */
const REFRESH_AFTER_ACTION_MS = [800, 2000, 3500, 5500, 8000, 12000];
const REFRESH_EVERY_MS = 15_000;

interface Visitor {
  readonly label: string;
  readonly userId?: string;
  readonly anonymousId?: string;
  readonly sessionId: string;
}

interface RecommendationsAnswer {
  readonly placement?: string;
  readonly recommendationId: string;
  readonly variant: string;
  readonly generatedAt: string;
  readonly model?: { readonly cf: string | null; readonly trending: string | null };
  readonly items: ReadonlyArray<{
    readonly itemId: string;
    readonly score: number;
    readonly reason: string;
    readonly reasonKind?: string;
    readonly category?: string;
  }>;
}

export class Storefront {
  private visitor: Visitor;
  private category: string;
  private readonly cart = new Map<string, number>();
  private readonly items: ReadonlyMap<string, CatalogueItem>;
  private refreshTimers: number[] = [];
  private lastItems: readonly string[] = [];
  private inFlight = false;

  constructor(
    private readonly config: ConsoleConfig,
    private readonly catalogue: Catalogue,
  ) {
    this.items = new Map(catalogue.items.map((i) => [i.id, i]));
    this.visitor = this.userVisitor(catalogue.users[0]?.id ?? 'user-0001');
    this.category = this.preferredCategory(this.visitor.userId);
    this.renderVisitorPicker();
    this.renderCategories();
    this.renderGrid();
    this.renderCart();
    byId('buy').addEventListener('click', () => void this.buy());
    byId<HTMLSelectElement>('placement').addEventListener('change', () => {
      this.lastItems = [];
      void this.refreshRecommendations();
    });
    if (!config.features.recommendations) {
      byId('recs').replaceChildren(
        el(
          'p',
          { class: 'empty' },
          'Recommendation API not available yet (no GET /v1/users/{userId}/recommendations route in this app).',
        ),
      );
    } else {
      void this.refreshRecommendations();
      window.setInterval(() => {
        if (!document.hidden) void this.refreshRecommendations();
      }, REFRESH_EVERY_MS);
    }
  }

  private userVisitor(userId: string): Visitor {
    return { label: userId, userId, sessionId: newId('s') };
  }

  private preferredCategory(userId: string | undefined): string {
    const user = this.catalogue.users.find((u) => u.id === userId);
    return user?.preferredCategories[0]?.category ?? this.catalogue.categories[0] ?? '';
  }

  private renderVisitorPicker(): void {
    const select = byId<HTMLSelectElement>('visitor');
    const anonymous = el('option', { value: '' }, 'New anonymous visitor');
    const users = this.catalogue.users
      .slice(0, 200)
      .map((u) =>
        el(
          'option',
          { value: u.id },
          `${u.id} (likes ${u.preferredCategories.map((p) => p.category).join(', ')})`,
        ),
      );
    select.replaceChildren(anonymous, ...users);
    select.value = this.visitor.userId ?? '';
    select.addEventListener('change', () => {
      this.visitor = select.value
        ? this.userVisitor(select.value)
        : { label: 'anonymous visitor', anonymousId: newId('anon'), sessionId: newId('s') };
      this.cart.clear();
      this.lastItems = [];
      this.category = this.preferredCategory(this.visitor.userId);
      byId<HTMLSelectElement>('category').value = this.category;
      this.renderGrid();
      this.renderCart();
      byId('visitor-id').textContent = this.visitor.userId ?? `anonymousId ${this.visitor.anonymousId}`;
      void this.refreshRecommendations();
    });
    byId('visitor-id').textContent = this.visitor.userId ?? '';
  }

  private renderCategories(): void {
    const select = byId<HTMLSelectElement>('category');
    select.replaceChildren(...this.catalogue.categories.map((c) => el('option', { value: c }, c)));
    select.value = this.category;
    select.addEventListener('change', () => {
      this.category = select.value;
      this.renderGrid();
      void this.track([{ type: 'page_view', pageName: 'category', category: this.category }]);
    });
  }

  private renderGrid(): void {
    const items = this.catalogue.items
      .filter((i) => i.category === this.category)
      .sort((a, b) => a.popularityRank - b.popularityRank)
      .slice(0, GRID_SIZE);
    byId('grid').replaceChildren(...items.map((item) => this.productCard(item)));
  }

  private productCard(
    item: CatalogueItem,
    recommendation?: { id: string; position: number; variant: string },
  ) {
    const view = el('button', { class: 'link', 'data-action': 'view', 'data-item': item.id }, item.id);
    view.addEventListener('click', () => void this.view(item, recommendation));
    const add = el('button', { 'data-action': 'add', 'data-item': item.id }, 'Add to cart');
    add.addEventListener('click', () => void this.addToCart(item));
    return el(
      'div',
      { class: 'product', 'data-item': item.id },
      el('div', { class: 'swatch', style: `background:${categoryColour(item.category)}` }, item.category),
      view,
      el('div', { class: 'price' }, `$${item.price.toFixed(2)}`),
      add,
    );
  }

  private identity(): Record<string, string> {
    const { userId, anonymousId, sessionId } = this.visitor;
    return { ...(userId ? { userId } : { anonymousId: anonymousId as string }), sessionId };
  }

  private async track(events: Record<string, unknown>[]): Promise<void> {
    const withIdentity = events.map((e) => ({
      ...e,
      ...this.identity(),
      context: { page: { url: location.href, path: location.pathname }, userAgent: navigator.userAgent },
    }));
    const log = byId('event-log');
    const line = el('li', {}, `${timeOfDay(Date.now())} ${events.map(describe).join(', ')}: sending…`);
    log.prepend(line);
    while (log.children.length > 8) log.lastElementChild?.remove();
    try {
      const reply = await sendEvents(this.config, withIdentity);
      line.textContent = `${timeOfDay(Date.now())} ${events.map(describe).join(', ')}: accepted ${reply.accepted}, rejected ${reply.rejected}`;
      line.className = reply.rejected > 0 ? 'bad' : 'ok';
    } catch (error) {
      line.textContent = `${timeOfDay(Date.now())} ${events.map(describe).join(', ')}: ${(error as Error).message}`;
      line.className = 'bad';
    }
    this.scheduleRefresh();
  }

  private view(item: CatalogueItem, recommendation?: { id: string; position: number; variant: string }) {
    const events: Record<string, unknown>[] = [];
    if (recommendation) {
      events.push({
        type: 'recommendation_click',
        recommendationId: recommendation.id,
        itemId: item.id,
        position: recommendation.position,
        variant: recommendation.variant,
      });
    }
    events.push({
      type: 'product_view',
      itemId: item.id,
      category: item.category,
      price: item.price,
      currency: 'USD',
    });
    return this.track(events);
  }

  private addToCart(item: CatalogueItem) {
    this.cart.set(item.id, (this.cart.get(item.id) ?? 0) + 1);
    this.renderCart();
    return this.track([
      {
        type: 'add_to_cart',
        itemId: item.id,
        quantity: 1,
        category: item.category,
        price: item.price,
        currency: 'USD',
      },
    ]);
  }

  private async buy(): Promise<void> {
    if (this.cart.size === 0) return;
    const lineItems = [...this.cart].map(([itemId, quantity]) => {
      const item = this.items.get(itemId) as CatalogueItem;
      return { itemId, quantity, price: item.price, category: item.category };
    });
    this.cart.clear();
    this.renderCart();
    await this.track([
      {
        type: 'purchase',
        orderId: newId('order'),
        currency: 'USD',
        lineItems,
        revenue: Math.round(lineItems.reduce((s, l) => s + l.price * l.quantity, 0) * 100) / 100,
      },
    ]);
  }

  private renderCart(): void {
    const lines = [...this.cart].map(([itemId, quantity]) => el('li', {}, `${quantity} × ${itemId}`));
    byId('cart').replaceChildren(...(lines.length > 0 ? lines : [el('li', { class: 'muted' }, 'empty')]));
    byId<HTMLButtonElement>('buy').disabled = this.cart.size === 0;
  }

  private scheduleRefresh(): void {
    if (!this.config.features.recommendations) return;
    for (const timer of this.refreshTimers) window.clearTimeout(timer);
    this.refreshTimers = REFRESH_AFTER_ACTION_MS.map((ms) =>
      window.setTimeout(() => void this.refreshRecommendations(), ms),
    );
  }

  private async refreshRecommendations(): Promise<void> {
    if (!this.config.features.recommendations || this.inFlight) return;
    this.inFlight = true;
    const who = this.visitor.userId ?? `anon#${this.visitor.anonymousId}`;
    const placement = byId<HTMLSelectElement>('placement').value;
    const status = byId('recs-status');
    try {
      const answer = await requestJson<RecommendationsAnswer>(
        `/v1/users/${encodeURIComponent(who)}/recommendations?placement=${encodeURIComponent(placement)}&limit=${RECOMMENDATION_LIMIT}`,
        { headers: apiHeaders(this.config) },
      );
      if (who !== (this.visitor.userId ?? `anon#${this.visitor.anonymousId}`)) return;
      if (placement !== byId<HTMLSelectElement>('placement').value) return;
      this.renderRecommendations(answer);
      const model = answer.model
        ? ` · model cf ${answer.model.cf ?? 'none'}, trending ${answer.model.trending ?? 'none'}`
        : '';
      status.textContent = `${answer.placement ?? placement} for ${who} · variant ${answer.variant} · updated ${timeOfDay(answer.generatedAt)}${model}`;
      status.className = 'note';
    } catch (error) {
      status.textContent =
        error instanceof ApiError && error.status === 403
          ? 'The recommendation API refused the key (403): the runtime does not hand the page an API key yet.'
          : `Recommendations failed: ${(error as Error).message}`;
      status.className = 'note bad';
    } finally {
      this.inFlight = false;
    }
  }

  private renderRecommendations(answer: RecommendationsAnswer): void {
    const list = byId('recs');
    const ids = answer.items.map((i) => i.itemId);
    list.dataset.items = ids.join(',');
    list.dataset.recommendationId = answer.recommendationId;
    if (answer.items.length === 0) {
      list.replaceChildren(
        el('p', { class: 'empty' }, `Nothing in ${answer.placement ?? 'this list'} yet for this visitor.`),
      );
      this.lastItems = ids;
      return;
    }
    const before = new Set(this.lastItems);
    list.replaceChildren(
      ...answer.items.map((rec, position) => {
        const item = this.items.get(rec.itemId) ?? {
          id: rec.itemId,
          category: rec.category ?? '?',
          price: 0,
          popularityRank: 0,
        };
        const card = this.productCard(item, {
          id: answer.recommendationId,
          position,
          variant: answer.variant,
        });
        card.classList.add('rec');
        card.append(
          el('div', { class: 'reason', 'data-kind': rec.reasonKind ?? '' }, rec.reason),
          el('div', { class: 'score' }, `score ${rec.score.toFixed(3)}`),
        );
        if (this.lastItems.length > 0 && !before.has(rec.itemId))
          card.append(el('span', { class: 'badge' }, 'new'));
        return card;
      }),
    );
    this.lastItems = ids;
  }
}

function describe(event: Record<string, unknown>): string {
  return typeof event.itemId === 'string' ? `${event.type} ${event.itemId}` : String(event.type);
}

function newId(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 13)}`;
}

function categoryColour(category: string): string {
  let h = 0;
  for (let i = 0; i < category.length; i++) h = (h * 31 + category.charCodeAt(i)) >>> 0;
  return `hsl(${h % 360} 60% 88%)`;
}
