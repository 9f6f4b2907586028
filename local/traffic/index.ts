/**
 * Traffic: the clients of the deployed API. A seeded simulator of shopping sessions (simulator.ts) and a
 * driver that posts them to `POST /v1/events` at a steady rate with real timestamps (driver.ts), so the
 * stream, the feature store, the lake and the recommendations have something to work on locally.
 */
export { startTrafficDriver, TrafficDriver } from './driver';
export { type SimEvent, TrafficSimulator, type TrafficSimulatorOptions } from './simulator';
