/**
 * A small typed emitter: `{ eventName: [args] }`. A listener that throws is reported to the
 * error hook and does not stop the other listeners.
 */
export type EventMap = Record<string, unknown[]>;
type Listener<A extends unknown[]> = (...args: A) => void;

export class TypedEmitter<M extends EventMap> {
  private readonly listeners = new Map<keyof M, Set<Listener<never[]>>>();
  constructor(private readonly onListenerError: (err: unknown, event: keyof M) => void = () => {}) {}

  on<E extends keyof M>(event: E, fn: Listener<M[E]>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(fn as unknown as Listener<never[]>);
    return () => this.off(event, fn);
  }

  once<E extends keyof M>(event: E, fn: Listener<M[E]>): () => void {
    const off = this.on(event, ((...args: M[E]) => {
      off();
      fn(...args);
    }) as Listener<M[E]>);
    return off;
  }

  off<E extends keyof M>(event: E, fn: Listener<M[E]>): void {
    this.listeners.get(event)?.delete(fn as unknown as Listener<never[]>);
  }

  emit<E extends keyof M>(event: E, ...args: M[E]): void {
    const set = this.listeners.get(event);
    if (!set) return;
    for (const fn of [...set]) {
      try {
        (fn as unknown as Listener<M[E]>)(...args);
      } catch (err) {
        try {
          this.onListenerError(err, event);
        } catch {
          /* the error hook itself must not break emission */
        }
      }
    }
  }

  removeAll(): void {
    this.listeners.clear();
  }
}
