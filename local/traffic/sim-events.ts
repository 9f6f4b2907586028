/**
 * The simulator's events: `POST /v1/events` inputs as a client sends them (no eventId or receivedAt), and the
 * items and users they are about.
 */
export interface SimPage {
  readonly url: string;
  readonly path: string;
}

export interface SimContext {
  readonly userAgent: string;
  readonly locale: string;
  readonly page: SimPage;
}

export interface SimEventBase {
  readonly eventId: string;
  readonly userId?: string;
  readonly anonymousId?: string;
  readonly sessionId: string;
  /** ISO-8601 UTC timestamp from the simulated clock. */
  readonly occurredAt: string;
  readonly context: SimContext;
}

export interface SimPageViewEvent extends SimEventBase {
  readonly type: 'page_view';
  readonly pageName: string;
  readonly category?: string;
}

export interface SimSearchEvent extends SimEventBase {
  readonly type: 'search';
  readonly query: string;
}

export interface SimProductViewEvent extends SimEventBase {
  readonly type: 'product_view';
  readonly itemId: string;
  readonly category: string;
  readonly price: number;
  readonly currency: string;
}

export interface SimCartFields extends SimEventBase {
  readonly itemId: string;
  readonly quantity: number;
  readonly category: string;
  readonly price: number;
  readonly currency: string;
}

export interface SimAddToCartEvent extends SimCartFields {
  readonly type: 'add_to_cart';
}

export interface SimRemoveFromCartEvent extends SimCartFields {
  readonly type: 'remove_from_cart';
}

export interface SimLineItem {
  readonly itemId: string;
  readonly quantity: number;
  readonly price: number;
  readonly category: string;
}

export interface SimPurchaseEvent extends SimEventBase {
  readonly type: 'purchase';
  readonly orderId: string;
  readonly currency: string;
  readonly lineItems: readonly SimLineItem[];
  readonly revenue: number;
}

/** One generated event: the input object a client would send to `POST /v1/events`. */
export type SimEvent =
  | SimPageViewEvent
  | SimSearchEvent
  | SimProductViewEvent
  | SimAddToCartEvent
  | SimRemoveFromCartEvent
  | SimPurchaseEvent;

export type SimEventType = SimEvent['type'];

/** Omit applied to each member of a union (plain Omit would merge the members). */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** What an event adds to the fields every event carries. */
export type SimEventFields = DistributiveOmit<SimEvent, keyof SimEventBase>;

export interface SimItem {
  readonly id: string;
  readonly category: string;
  readonly price: number;
  /** 1 = most popular item of the whole catalogue. */
  readonly popularityRank: number;
}

export interface SimUser {
  readonly id: string;
  /** 1–3 categories with weights summing to 1, most preferred first. */
  readonly preferredCategories: ReadonlyArray<{ readonly category: string; readonly weight: number }>;
  readonly locale: string;
  readonly userAgent: string;
}
