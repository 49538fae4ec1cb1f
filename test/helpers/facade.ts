/**
 * Watching a facade instance: records its callbacks and lets a test await them in order.
 * Callbacks already set (by the code under test, e.g. a snippet from the guide) keep running;
 * the recorder runs after them.
 */
import assert from 'node:assert/strict';
import type { RTCSDK } from '../../src/sdk/index.js';
import { CALLBACK_NAMES, type CallbackSlot } from '../../src/sdk/compat/rtcsdk.js';
import { WAIT_MS, uid, type TestServer } from './server.js';

export type CallbackName = (typeof CALLBACK_NAMES)[number];
type ArgsOf<N extends CallbackName> = RTCSDK[N] extends CallbackSlot<infer A> ? A : never;

export class FacadeRecorder {
  readonly log: { name: CallbackName; args: unknown[] }[] = [];
  private readonly queue: { name: CallbackName; args: unknown[] }[] = [];
  private readonly waiters: { name: CallbackName; resolve(a: unknown[]): void }[] = [];

  constructor(f: RTCSDK, names: readonly CallbackName[] = CALLBACK_NAMES) {
    for (const name of names) {
      const slot = f[name] as CallbackSlot<unknown[]>;
      const original = slot.callback ?? (typeof slot.call === 'function' ? slot.call : null);
      slot.callback = (...args: unknown[]) => {
        try {
          original?.(...args);
        } finally {
          this.push(name, args);
        }
      };
    }
  }

  private push(name: CallbackName, args: unknown[]): void {
    this.log.push({ name, args });
    const w = this.waiters.findIndex((x) => x.name === name);
    if (w >= 0) this.waiters.splice(w, 1)[0]!.resolve(args);
    else this.queue.push({ name, args });
  }

  /** The arguments of the oldest unread call of callback `name` (waits for one). */
  take<N extends CallbackName>(name: N, ms = WAIT_MS): Promise<ArgsOf<N>> {
    const i = this.queue.findIndex((x) => x.name === name);
    if (i >= 0) return Promise.resolve(this.queue.splice(i, 1)[0]!.args as ArgsOf<N>);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        const k = this.waiters.indexOf(w);
        if (k >= 0) this.waiters.splice(k, 1);
        reject(new Error(`timed out waiting for ${name}; unread: ${JSON.stringify(this.unread())}`));
      }, ms);
      const w = {
        name,
        resolve: (a: unknown[]) => {
          clearTimeout(timer);
          resolve(a as ArgsOf<N>);
        },
      };
      this.waiters.push(w);
    });
  }

  unread(): { name: CallbackName; args: unknown[] }[] {
    return [...this.queue];
  }

  unreadOf(...names: CallbackName[]): { name: CallbackName; args: unknown[] }[] {
    return this.queue.filter((x) => names.includes(x.name));
  }
}

export function watch(f: RTCSDK, names?: readonly CallbackName[]): FacadeRecorder {
  return new FacadeRecorder(f, names);
}

export interface FacadeParty {
  id: string;
  f: RTCSDK;
  cb: FacadeRecorder;
}

/** A facade logged in as a new user, its callbacks recorded. */
export async function facadeParty(ts: TestServer, name: string, nickName?: string): Promise<FacadeParty> {
  const id = uid(name);
  const f = ts.facade();
  const cb = watch(f);
  f.LoginByToken(await ts.token(id, nickName ? { nickName } : {}), nickName, id, '', `login-${id}`);
  assert.deepEqual(await cb.take('LoginSuccess'), [id, `login-${id}`]);
  return { id, f, cb };
}
