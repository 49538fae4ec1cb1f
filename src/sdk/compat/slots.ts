/**
 * Callback slots, the reference SDK's way of delivering results and notifications: each callback
 * is an object whose `.callback` (or `.call`, as the guide writes two of them) the app sets.
 */

/** A callback slot: set `.callback` (or `.call`). */
export interface CallbackSlot<A extends unknown[]> {
  callback: ((...args: A) => void) | null;
  call?: (...args: A) => void;
}

export function slot<A extends unknown[]>(): CallbackSlot<A> {
  return { callback: null };
}

/** The function a slot holds, if any (`.callback` wins over `.call`). */
export function handlerOf<A extends unknown[]>(s: CallbackSlot<A>): ((...args: A) => void) | null {
  return s.callback ?? (typeof s.call === 'function' ? s.call : null);
}

/** `cookie` never leaves the client: it is handed back in the matching result callback. */
export type Cookie = string | undefined;

/** Runs a slot's function; a function that throws is reported and ignored. */
export type Fire = <A extends unknown[]>(name: string, s: CallbackSlot<A>, ...args: A) => void;

export function makeFire(onError: ((name: string, err: unknown) => void) | undefined): Fire {
  return (name, s, ...args) => {
    const fn = handlerOf(s);
    if (!fn) return;
    try {
      fn(...args);
    } catch (err) {
      try {
        (onError ?? ((n: string, e: unknown) => console.error(`RTCSDK.${n} callback threw:`, e)))(name, err);
      } catch {
        /* nothing: a broken error hook must not break the SDK either */
      }
    }
  };
}

/**
 * Fires one event through two spellings of one callback (`HangupCallSuccess` and
 * `HungupCallSuccess`): each slot once; a function set on both runs once.
 */
export function fireBoth<A extends unknown[]>(fire: Fire, names: [string, string], slots: [CallbackSlot<A>, CallbackSlot<A>], ...args: A): void {
  fire(names[0], slots[0], ...args);
  const first = handlerOf(slots[0]);
  if (first === null || handlerOf(slots[1]) !== first) fire(names[1], slots[1], ...args);
}
