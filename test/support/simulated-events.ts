/** Simulator traffic normalised into canonical events, as the ingest API would put them on the stream. */

import { type CanonicalEvent, normalizeEvent } from '../../lambdas/shared/events';
import { TrafficSimulator } from '../../local/traffic/simulator';

export function simulatedCanonicalEvents(
  count: number,
  seed = 7,
  options: { users?: number; items?: number } = {},
): CanonicalEvent[] {
  const simulator = new TrafficSimulator({
    seed,
    users: options.users ?? 50,
    items: options.items ?? 200,
    startTime: new Date(Date.UTC(2026, 10, 26, 8)),
  });
  return simulator.generate(count).map((input) => {
    const result = normalizeEvent(input, { receivedAt: new Date(Date.UTC(2026, 10, 27)) });
    if (!result.ok) throw new Error(`simulator produced an invalid event: ${result.rejection.message}`);
    return result.event;
  });
}
