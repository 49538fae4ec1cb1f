/**
 * A latency histogram in microseconds: exact 1 µs buckets up to ~131 ms, the rarer larger
 * values kept as they are. Cheap to record into, mergeable across loader processes, and sent
 * between them as a sparse list of non-empty buckets.
 */
const BUCKETS = 1 << 17;

export interface HistogramData {
  /** [bucket (µs), count] for every non-empty bucket. */
  buckets: [number, number][];
  /** Values of BUCKETS µs and above, exactly. */
  overflow: number[];
}

export interface Percentiles {
  count: number;
  /** Milliseconds. */
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export class Histogram {
  private readonly counts = new Uint32Array(BUCKETS);
  private overflow: number[] = [];
  private n = 0;
  private sum = 0;

  /** Records one value in milliseconds (as performance.now() differences are). */
  recordMs(ms: number): void {
    const us = Math.max(0, Math.round(ms * 1000));
    if (us < BUCKETS) this.counts[us]! += 1;
    else this.overflow.push(us);
    this.n += 1;
    this.sum += us;
  }

  get count(): number {
    return this.n;
  }

  toData(): HistogramData {
    const buckets: [number, number][] = [];
    for (let i = 0; i < BUCKETS; i++) if (this.counts[i] !== 0) buckets.push([i, this.counts[i]!]);
    return { buckets, overflow: this.overflow };
  }

  merge(d: HistogramData): void {
    for (const [i, c] of d.buckets) {
      this.counts[i]! += c;
      this.n += c;
      this.sum += i * c;
    }
    for (const v of d.overflow) {
      this.overflow.push(v);
      this.n += 1;
      this.sum += v;
    }
  }

  /** The value (µs) at quantile q in [0, 1]. */
  private quantileUs(q: number): number {
    if (this.n === 0) return 0;
    const rank = Math.max(1, Math.ceil(q * this.n));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return i;
    }
    const sorted = [...this.overflow].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, rank - seen - 1)] ?? 0;
  }

  percentiles(): Percentiles {
    const ms = (us: number) => Math.round(us) / 1000;
    let max = 0;
    for (const v of this.overflow) max = Math.max(max, v);
    for (let i = BUCKETS - 1; max === 0 && i >= 0; i--) if (this.counts[i] !== 0) max = i;
    return {
      count: this.n,
      p50: ms(this.quantileUs(0.5)),
      p95: ms(this.quantileUs(0.95)),
      p99: ms(this.quantileUs(0.99)),
      max: ms(max),
      mean: this.n === 0 ? 0 : ms(this.sum / this.n),
    };
  }
}
