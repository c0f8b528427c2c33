/**
 * In-process request metrics for GET /api/v1/admin/metrics: requests per minute (sliding 60 s) and
 * per-route latency percentiles over the last SAMPLES requests of each route.
 */
const SAMPLES = 2048;

class Ring {
  private readonly buf = new Float64Array(SAMPLES);
  private n = 0;
  count = 0;
  errors = 0;
  push(v: number, error: boolean) {
    this.buf[this.n % SAMPLES] = v;
    this.n++;
    this.count++;
    if (error) this.errors++;
  }
  percentiles(): { p50: number; p95: number; p99: number; samples: number } {
    const len = Math.min(this.n, SAMPLES);
    const sorted = Array.from(this.buf.subarray(0, len)).sort((a, b) => a - b);
    const at = (q: number) => (len === 0 ? 0 : (sorted[Math.min(len - 1, Math.ceil(q * len) - 1)] as number));
    const r = (x: number) => Math.round(x * 100) / 100;
    return { p50: r(at(0.5)), p95: r(at(0.95)), p99: r(at(0.99)), samples: len };
  }
}

export class RequestMetrics {
  private readonly routes = new Map<string, Ring>();
  /** Requests per second over the last 60 s, one slot a second. */
  private readonly perSecond = new Uint32Array(60);
  private lastSecond = 0;
  readonly startedAt = new Date();

  constructor(private readonly now: () => number = Date.now) {}

  private tick(): number {
    const sec = Math.floor(this.now() / 1000);
    if (sec !== this.lastSecond) {
      const gap = Math.min(60, sec - this.lastSecond);
      for (let i = 1; i <= gap; i++) this.perSecond[(this.lastSecond + i) % 60] = 0;
      this.lastSecond = sec;
    }
    return sec;
  }

  record(route: string, ms: number, status: number): void {
    const sec = this.tick();
    this.perSecond[sec % 60] = (this.perSecond[sec % 60] ?? 0) + 1;
    let ring = this.routes.get(route);
    if (!ring) {
      ring = new Ring();
      this.routes.set(route, ring);
    }
    ring.push(ms, status >= 500);
  }

  requestsPerMinute(): number {
    this.tick();
    return this.perSecond.reduce((a, b) => a + b, 0);
  }

  snapshot() {
    return [...this.routes.entries()]
      .map(([route, ring]) => ({ route, count: ring.count, errors5xx: ring.errors, latencyMs: ring.percentiles() }))
      .sort((a, b) => a.route.localeCompare(b.route));
  }
}
