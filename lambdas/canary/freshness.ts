/**
 * The freshness canary's measurement, with no AWS in it: send one marked event through the public
 * ingest API, then poll until the profile shows it (its eventId in the profile's `seen` list) and, when
 * a recommendation check is given, until the recommendation API reflects it. The clock starts when the
 * request is sent, so the figure is what a client experiences end to end.
 */
import { randomUUID } from 'node:crypto';
import { CANARY_USER_PREFIX } from '../shared/canary';

export interface CanaryEvent {
  readonly type: 'product_view';
  readonly eventId: string;
  readonly userId: string;
  readonly itemId: string;
  readonly occurredAt: string;
}

export interface CanaryPorts {
  /** Posts the event to the ingest API; throws when it is not accepted. */
  send(event: CanaryEvent): Promise<void>;
  /** Whether the user's profile has applied the event. */
  profileHasEvent(userId: string, eventId: string): Promise<boolean>;
  /** Whether the recommendation API's answer reflects the event (optional: the API may not exist). */
  recommendationsReflect?(userId: string, event: CanaryEvent): Promise<boolean>;
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

export interface CanaryOptions {
  /** Names the canary user `canary#<name>` (e.g. the region), one profile per canary. */
  readonly name: string;
  /** Give up after this long (must stay under the schedule interval). @default 45_000 */
  readonly timeoutMs?: number;
  /** @default 200 */
  readonly pollIntervalMs?: number;
}

export interface CanaryResult {
  readonly ok: boolean;
  readonly userId: string;
  readonly eventId: string;
  /** Sent -> visible in the profile. */
  readonly profileVisibleMs?: number;
  /** Sent -> visible in the recommendation API. */
  readonly recommendationVisibleMs?: number;
  readonly error?: string;
}

export function canaryEvent(name: string, now: Date, id: string = randomUUID()): CanaryEvent {
  return {
    type: 'product_view',
    eventId: `canary-${id}`,
    userId: `${CANARY_USER_PREFIX}${name}`,
    itemId: `${CANARY_USER_PREFIX}item`,
    occurredAt: now.toISOString(),
  };
}

export async function measureFreshness(ports: CanaryPorts, options: CanaryOptions): Promise<CanaryResult> {
  const timeoutMs = options.timeoutMs ?? 45_000;
  const pollMs = options.pollIntervalMs ?? 200;
  const started = ports.now();
  const event = canaryEvent(options.name, new Date(started));
  const base = { userId: event.userId, eventId: event.eventId };
  try {
    await ports.send(event);
  } catch (error) {
    return { ...base, ok: false, error: `ingest refused the canary event: ${message(error)}` };
  }
  const waitFor = async (check: () => Promise<boolean>, what: string): Promise<number | string> => {
    for (;;) {
      if (await check()) return ports.now() - started;
      if (ports.now() - started >= timeoutMs) return `not visible in the ${what} after ${timeoutMs} ms`;
      await ports.sleep(pollMs);
    }
  };
  try {
    const profile = await waitFor(() => ports.profileHasEvent(event.userId, event.eventId), 'profile');
    if (typeof profile === 'string') return { ...base, ok: false, error: profile };
    const reflect = ports.recommendationsReflect;
    if (!reflect) return { ...base, ok: true, profileVisibleMs: profile };
    const reco = await waitFor(() => reflect(event.userId, event), 'recommendation API');
    if (typeof reco === 'string') return { ...base, ok: false, profileVisibleMs: profile, error: reco };
    return { ...base, ok: true, profileVisibleMs: profile, recommendationVisibleMs: reco };
  } catch (error) {
    return { ...base, ok: false, error: message(error) };
  }
}

function message(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
