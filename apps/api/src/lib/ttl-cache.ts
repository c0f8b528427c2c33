/** A small in-process cache with a time-to-live, for values that may be a few seconds stale. */
export class TtlCache<V> {
  private readonly map = new Map<string, { value: V; until: number }>();
  /** Bumped by clear(): a load that started before a clear must not store its (old) value. */
  private generation = 0;
  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries = 10_000,
  ) {}

  async getOrLoad(key: string, load: () => Promise<V>): Promise<V> {
    const now = Date.now();
    const hit = this.map.get(key);
    if (hit && hit.until > now) return hit.value;
    const gen = this.generation;
    const value = await load();
    if (gen !== this.generation) return value;
    if (this.map.size >= this.maxEntries) this.map.clear();
    this.map.set(key, { value, until: now + this.ttlMs });
    return value;
  }

  clear(): void {
    this.generation++;
    this.map.clear();
  }
}
