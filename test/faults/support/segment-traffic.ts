/**
 * The same simulated traffic sent with Segment's own Node library (`@segment/analytics-node`), whose
 * publisher resends the WHOLE batch, with the same messageIds, after a 5xx or a lost answer. Its HTTP client
 * is wrapped to record the eventIds each answer of the ingest API reports as stored (200 and 503 alike).
 */
import { Analytics } from '@segment/analytics-node';
import type { SimEvent } from '../../../local/traffic/simulator';
import type { RuntimeInfo } from './protocol';

export interface SegmentStats {
  readonly requests: number;
  /** Requests the library sent again (its `X-Retry-Count` header). */
  readonly resends: number;
  readonly statuses: Readonly<Record<string, number>>;
  /** Events the library gave up on. */
  readonly failed: number;
}

type Identity = { userId: string } | { anonymousId: string };
type Delivered = (error?: unknown) => void;

const TRACK_NAMES = {
  product_view: 'Product Viewed',
  add_to_cart: 'Product Added',
  remove_from_cart: 'Product Removed',
} as const;

export class SegmentTraffic {
  readonly accepted = new Set<string>();
  /** How many requests carried each messageId (= eventId), resends included. */
  readonly sendCounts = new Map<string, number>();
  private readonly analytics: Analytics;
  private readonly counters = { requests: 0, resends: 0, failed: 0 };
  private readonly statuses: Record<string, number> = {};

  /**
   * `flushAt`: events per batch; a batch goes out when full (or on close), never on a timer. A request that
   * gets no answer (the runtime was killed) fails once the runtime is `available` again, as a connect that
   * hangs until the server is back would; the library then backs off and resends the whole batch.
   */
  constructor(runtime: RuntimeInfo, flushAt: number, available: () => Promise<RuntimeInfo>) {
    this.analytics = new Analytics({
      writeKey: runtime.writeKey,
      host: runtime.apiUrl,
      flushAt,
      flushInterval: 3_600_000,
      maxRetries: 10,
      httpClient: async (url, init) => {
        this.counters.requests++;
        if (init.headers['X-Retry-Count']) this.counters.resends++;
        for (const message of (JSON.parse(init.body) as { batch: Array<{ messageId: string }> }).batch)
          this.sendCounts.set(message.messageId, (this.sendCounts.get(message.messageId) ?? 0) + 1);
        let response: Response;
        try {
          response = await fetch(url, init);
        } catch (error) {
          await available();
          throw error;
        }
        this.statuses[response.status] = (this.statuses[response.status] ?? 0) + 1;
        const body = (await response
          .clone()
          .json()
          .catch(() => ({}))) as { eventIds?: unknown };
        if (Array.isArray(body.eventIds)) for (const id of body.eventIds) this.accepted.add(String(id));
        return response;
      },
    });
  }

  stats(): SegmentStats {
    return { ...this.counters, statuses: { ...this.statuses } };
  }

  /** Hands the events to the library; resolves once it has delivered each of them or given up. */
  async send(events: readonly SimEvent[]): Promise<void> {
    await Promise.all(
      events.map(
        (event) =>
          new Promise<void>((resolve) =>
            this.enqueue(event, (error) => {
              if (error) this.counters.failed++;
              resolve();
            }),
          ),
      ),
    );
  }

  close(): Promise<void> {
    return this.analytics.closeAndFlush({ timeout: 180_000 });
  }

  /** The Segment call a client would make for a simulated event (e-commerce spec v2 names). */
  private enqueue(event: SimEvent, delivered: Delivered): void {
    const identity: Identity =
      event.userId !== undefined ? { userId: event.userId } : { anonymousId: event.anonymousId as string };
    const common = {
      ...identity,
      messageId: event.eventId,
      timestamp: event.occurredAt,
      context: { userAgent: event.context.userAgent, locale: event.context.locale, page: event.context.page },
    };
    const session = { session_id: event.sessionId };
    switch (event.type) {
      case 'page_view':
        this.analytics.page(
          { ...common, name: event.pageName, category: event.category, properties: session },
          delivered,
        );
        return;
      case 'search':
        this.analytics.track(
          { ...common, event: 'Products Searched', properties: { ...session, query: event.query } },
          delivered,
        );
        return;
      case 'product_view':
      case 'add_to_cart':
      case 'remove_from_cart':
        this.analytics.track(
          {
            ...common,
            event: TRACK_NAMES[event.type],
            properties: {
              ...session,
              product_id: event.itemId,
              category: event.category,
              price: event.price,
              currency: event.currency,
              ...(event.type === 'product_view' ? {} : { quantity: event.quantity }),
            },
          },
          delivered,
        );
        return;
      case 'purchase':
        this.analytics.track(
          {
            ...common,
            event: 'Order Completed',
            properties: {
              ...session,
              order_id: event.orderId,
              currency: event.currency,
              revenue: event.revenue,
              products: event.lineItems.map((line) => ({
                product_id: line.itemId,
                quantity: line.quantity,
                price: line.price,
                category: line.category,
              })),
            },
          },
          delivered,
        );
        return;
    }
  }
}
