/**
 * A memo for pure functions of one key, emptied when it grows past its bound: the handlers and planners remember
 * texts and parses that recur across runs (time slugs, ISO texts, identifier bodies and splits, parsed recovery
 * points; issue 10). The value of a pure function never goes stale, so a warm Lambda may keep it across invocations;
 * the bound keeps its memory flat. A `compute` that throws caches nothing. Values must not be `undefined` (the miss
 * marker): cache `null` for "no value".
 */
export class BoundedCache<K, V> {
  readonly #values = new Map<K, V>();

  constructor(readonly max: number) {}

  /** The value remembered for `key`, or `compute(key, arg)` remembered (the cache emptied first when full). */
  get<A>(key: K, compute: (key: K, arg: A) => V, arg: A): V;
  get(key: K, compute: (key: K) => V): V;
  get<A>(key: K, compute: (key: K, arg?: A) => V, arg?: A): V {
    let value = this.#values.get(key);
    if (value === undefined) {
      value = compute(key, arg);
      if (this.#values.size >= this.max) this.#values.clear();
      this.#values.set(key, value);
    }
    return value;
  }

  /** Entries held (tests). */
  get size(): number {
    return this.#values.size;
  }
}
