/**
 * When the client tries again after losing its connection: a small policy object, replaceable
 * through `CallClientOptions.reconnectPolicy` (as LiveKit's clients do). The default backs off
 * quickly at first, then tries every few seconds for as long as the client lives.
 */

/** Delays before reconnect attempts (ms), then RECONNECT_EVERY_MS; each with ±20 % jitter. */
export const RECONNECT_BACKOFF_MS = [0, 300, 1200, 2700, 4800] as const;
export const RECONNECT_EVERY_MS = 7000;

export interface ReconnectPolicy {
  /** The delay before attempt `attempt` (0 for the first after a loss), or null to give up. */
  nextDelayMs(attempt: number): number | null;
}

export const defaultReconnectPolicy: ReconnectPolicy = {
  nextDelayMs(attempt) {
    const base = RECONNECT_BACKOFF_MS[attempt] ?? RECONNECT_EVERY_MS;
    return Math.round(base * (0.8 + Math.random() * 0.4));
  },
};
