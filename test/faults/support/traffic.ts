/**
 * Seeded simulated traffic for one fault scenario (local/simulator.ts), with every id (event, user, visitor,
 * session, item, order) prefixed by the scenario's tag, so that scenarios sharing one runtime are counted
 * apart in the lake, the profiles and the item statistics.
 */
import { type SimEvent, TrafficSimulator } from '../../../local/traffic/simulator';

export interface TrafficOptions {
  readonly tag: string;
  readonly events: number;
  readonly seed: number;
  /** @default 200 */
  readonly users?: number;
  /** @default 300 */
  readonly items?: number;
}

/** The id prefix of a scenario: `f-<tag>-`. */
export function scenarioPrefix(tag: string): string {
  return `f-${tag}-`;
}

export function scenarioTraffic(options: TrafficOptions): SimEvent[] {
  const simulator = new TrafficSimulator({
    seed: options.seed,
    users: options.users ?? 200,
    items: options.items ?? 300,
    // Event times in the recent past (the ingest API refuses times more than 5 minutes ahead); one event a
    // second on the simulated clock keeps a few thousand events inside the last hours.
    startTime: Date.now() - 3 * 3600_000,
    meanSecondsBetweenEvents: 1,
  });
  const prefix = scenarioPrefix(options.tag);
  return simulator.generate(options.events).map((event) => tagged(event, prefix));
}

function tagged(event: SimEvent, p: string): SimEvent {
  const ids = {
    eventId: p + event.eventId,
    sessionId: p + event.sessionId,
    ...(event.userId !== undefined ? { userId: p + event.userId } : {}),
    ...(event.anonymousId !== undefined ? { anonymousId: p + event.anonymousId } : {}),
  };
  switch (event.type) {
    case 'product_view':
    case 'add_to_cart':
    case 'remove_from_cart':
      return { ...event, ...ids, itemId: p + event.itemId };
    case 'purchase':
      return {
        ...event,
        ...ids,
        orderId: p + event.orderId,
        lineItems: event.lineItems.map((line) => ({ ...line, itemId: p + line.itemId })),
      };
    default:
      return { ...event, ...ids };
  }
}
