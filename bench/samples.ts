// A growable array of latency samples (ms) and its percentiles.
export class Samples {
  private values = new Float64Array(1 << 14);
  private n = 0;

  add(value: number): void {
    if (this.n === this.values.length) {
      const bigger = new Float64Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.n++] = value;
  }

  get count(): number {
    return this.n;
  }

  /** p50, p99, p99.9 and max in ms (NaN when empty). */
  summary(): LatencySummary {
    if (this.n === 0) return { count: 0, p50: NaN, p99: NaN, p999: NaN, max: NaN };
    const sorted = this.values.slice(0, this.n).sort();
    const at = (q: number): number => sorted[Math.min(this.n - 1, Math.ceil(q * this.n) - 1)]!;
    return { count: this.n, p50: at(0.5), p99: at(0.99), p999: at(0.999), max: sorted[this.n - 1]! };
  }
}

export interface LatencySummary {
  count: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
