/**
 * ISO-8601 text of an instant, remembered per instant. `Date.prototype.toISOString` costs about a microsecond, and
 * the planners and handlers format the same few recovery points on every run (the freshness Lambda formats the newest
 * recovery point of every DB and stage every 15 minutes; issue 10, docs/performance.md). The text of an instant never
 * changes, so the cache is valid across invocations of a warm Lambda; it is emptied when it grows past
 * {@link ISO_TEXTS_MAX}.
 */

/** `new Date(ms).toISOString()`, remembered per `ms`. An invalid instant is never cached, and throws as `toISOString` does. */
export function isoText(ms: number): string {
  let text = isoTexts.get(ms);
  if (text === undefined) {
    text = new Date(ms).toISOString();
    if (isoTexts.size >= ISO_TEXTS_MAX) isoTexts.clear();
    isoTexts.set(ms, text);
  }
  return text;
}
const ISO_TEXTS_MAX = 100_000;
const isoTexts = new Map<number, string>();
