/** Time as an injected dependency, so tests control it (see test/unit/fake-clock.ts). */
export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout(fn, ms) {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return { cancel: () => clearTimeout(t) };
  },
};

/** The longest delay Node's setTimeout takes (2^31 − 1 ms, 24.8 days); longer ones fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * A timer of any length on `clock`: delays over MAX_TIMER_MS are chained from shorter timers,
 * so a token valid for 30 days expires after 30 days, not after 1 ms.
 */
export function setLongTimeout(clock: Clock, fn: () => void, ms: number): TimerHandle {
  let current: TimerHandle;
  let cancelled = false;
  const arm = (left: number) => {
    if (left > MAX_TIMER_MS) {
      current = clock.setTimeout(() => {
        if (!cancelled) arm(left - MAX_TIMER_MS);
      }, MAX_TIMER_MS);
    } else current = clock.setTimeout(fn, Math.max(0, left));
  };
  arm(ms);
  return {
    cancel: () => {
      cancelled = true;
      current.cancel();
    },
  };
}
