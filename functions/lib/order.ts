/**
 * Work order of every resumable step (issue 13 item 1): newest recovery point first, one DB at a time in turn
 * (round-robin). A run cut short by its time budget has then done the newest recovery point of every DB before the
 * second-newest of any, so a backlog of one DB (or of all of them) can never starve the newest snapshot of another.
 */

/** How {@link newestFirstRoundRobin} reads an item. */
export interface OrderKeys<T> {
  /** The group the round-robin turns over (the DB: kind, account and identifier). */
  readonly group: (item: T) => string;
  /** Recovery point in ms since the epoch; items without one sort after every dated item of their group. */
  readonly time: (item: T) => number | undefined;
  /** Unique id; breaks ties so the order never depends on listing order. */
  readonly id: (item: T) => string;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Orders `items` newest first within each group, then interleaves the groups: round 1 takes the newest item of
 * every group, round 2 the second-newest, and so on. Within a round, the group whose item is newest goes first
 * (ties by group, then id). Pure and deterministic.
 */
export function newestFirstRoundRobin<T>(items: readonly T[], keys: OrderKeys<T>): T[] {
  // Nothing to order (an event-driven run's one snapshot): the keys are pure, so none needs reading.
  if (items.length <= 1) return items.slice();
  const t = (item: T) => keys.time(item) ?? Number.NEGATIVE_INFINITY;
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const g = keys.group(item);
    const list = groups.get(g);
    if (list) list.push(item);
    else groups.set(g, [item]);
  }
  const lists = [...groups.entries()].map(([group, list]) => ({
    group,
    list: list.sort((a, b) => t(b) - t(a) || cmp(keys.id(a), keys.id(b))),
  }));
  const out: T[] = [];
  for (let round = 0; out.length < items.length; round++) {
    const row = lists.flatMap(({ group, list }) => {
      const item = list[round];
      return item === undefined ? [] : [{ group, item }];
    });
    row.sort((a, b) => t(b.item) - t(a.item) || cmp(a.group, b.group) || cmp(keys.id(a.item), keys.id(b.item)));
    for (const { item } of row) out.push(item);
  }
  return out;
}
