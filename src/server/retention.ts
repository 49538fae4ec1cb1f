/**
 * Call-record retention: ended call records older than the retention period are deleted, once
 * at start and then every hour (or a quarter of the period, when that is shorter).
 */
import type { Clock, TimerHandle } from './clock.js';
import type { Logger } from './log.js';
import type { Store } from './store/types.js';

export const DEFAULT_CALL_RETENTION_MS = 365 * 86_400_000;
const MAX_EVERY_MS = 3_600_000;

export class CallRetention {
  private timer: TimerHandle | null = null;
  private stopped = false;

  constructor(
    private readonly store: Pick<Store, 'pruneCalls'>,
    private readonly clock: Clock,
    private readonly log: Logger,
    /** 0 = keep forever. */
    readonly retentionMs: number,
  ) {}

  start(): void {
    if (this.retentionMs <= 0 || !this.store.pruneCalls) return;
    void this.prune();
  }

  /** Deletes what is past the retention now; resolves with how many records went. */
  async prune(): Promise<number> {
    if (this.retentionMs <= 0 || !this.store.pruneCalls || this.stopped) return 0;
    let n = 0;
    try {
      n = await this.store.pruneCalls(this.clock.now() - this.retentionMs);
      if (n > 0) this.log.info({ calls: n, retentionMs: this.retentionMs }, 'pruned old call records');
    } catch (err) {
      this.log.error({ err }, 'pruning call records failed');
    }
    if (!this.stopped) {
      this.timer?.cancel();
      this.timer = this.clock.setTimeout(() => void this.prune(), Math.min(MAX_EVERY_MS, Math.max(1_000, Math.floor(this.retentionMs / 4))));
    }
    return n;
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
  }
}
