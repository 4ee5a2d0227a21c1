/**
 * ISO-8601 text of an instant, remembered per instant. `Date.prototype.toISOString` costs about a microsecond, and
 * the planners and handlers format the same few recovery points on every run (the freshness Lambda formats the newest
 * recovery point of every DB and stage every 15 minutes; issue 10, docs/performance.md). The text of an instant never
 * changes, so the cache is valid across invocations of a warm Lambda; it is emptied when it grows past 100,000 entries.
 */
import { BoundedCache } from "./boundedCache";

/** `new Date(ms).toISOString()`, remembered per `ms`. An invalid instant is never cached, and throws as `toISOString` does. */
export function isoText(ms: number): string {
  return isoTexts.get(ms, toIso);
}
const toIso = (ms: number): string => new Date(ms).toISOString();
const isoTexts = new BoundedCache<number, string>(100_000);
