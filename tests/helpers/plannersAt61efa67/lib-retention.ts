// Test oracle: functions/lib/retention.ts as it was on main at 61efa67 (before branch `planners`), kept verbatim but for
// its imports, so tests/unit/plannerEquivalence.test.ts ("as at 61efa67") can check the planners decide as before.
/**
 * The retention policy of the Janitor (expire step), as pure functions shared by the Lambda, the CLI and the
 * simulator. Tiers are grandfather-father-son over UTC calendar buckets:
 *
 * - every snapshot younger than `allHours`;
 * - the newest snapshot of each UTC day, for the `dailyDays` most recent days (today included);
 * - the newest of each ISO week (Monday to Sunday, UTC), for the `weeklyWeeks` most recent weeks;
 * - the newest of each calendar month (UTC), for the `monthlyMonths` most recent months;
 * - and, whatever their age, the `minKeep` newest snapshots.
 *
 * Buckets are calendar-based in UTC (never local time), so daylight-saving changes cannot merge or split days.
 * `minKeep` exists because the reference tool deleted every DR copy once replication had been broken for longer
 * than its retention (awslabs/rds-snapshot-tool): with this policy the newest copies survive any outage.
 */
import * as z from "zod/mini";
import { ConfigError } from "../../../functions/lib/errors";

/** How many snapshots of one DB to keep. Every field is a non-negative whole number; `0` turns a tier off. */
export interface RetentionPolicy {
  /** Keep every snapshot younger than this many hours. */
  readonly allHours: number;
  /** Keep the newest snapshot of each UTC day for this many days (today counts as the first). */
  readonly dailyDays: number;
  /** Keep the newest snapshot of each ISO week (UTC) for this many weeks (this week counts as the first). */
  readonly weeklyWeeks: number;
  /** Keep the newest snapshot of each calendar month (UTC) for this many months (this month counts as the first). */
  readonly monthlyMonths: number;
  /** Never delete the newest this-many available snapshots of a DB, however old. At least 1. */
  readonly minKeep: number;
}

/** Default policy (`RPL_RETENTION` unset, or a field left out). */
export const DEFAULT_RETENTION: RetentionPolicy = Object.freeze({
  allHours: 24,
  dailyDays: 14,
  weeklyWeeks: 8,
  monthlyMonths: 6,
  minKeep: 3,
});

/** Field names in the order they are documented. */
export const RETENTION_FIELDS = ["allHours", "dailyDays", "weeklyWeeks", "monthlyMonths", "minKeep"] as const;

/** Why a snapshot is kept by the policy. */
export type RetentionReason = "recent" | "daily" | "weekly" | "monthly" | "min-keep";

/** One dated, available snapshot of a group, as the policy sees it. */
export interface RetentionItem {
  /** Unique within the group; breaks ties between equal times so the choice never depends on listing order. */
  readonly id: string;
  /** The recovery point, UTC. */
  readonly at: Date;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** Days since 1970-01-01 UTC. @internal */
export function utcDayIndex(at: Date): number {
  return Math.floor(at.getTime() / DAY_MS);
}

/**
 * ISO weeks (Monday 00:00 UTC to Sunday 24:00 UTC) since the week of 1970-01-01. 1970-01-01 was a Thursday, so
 * shifting by 3 days aligns week boundaries with Mondays. @internal
 */
export function isoWeekIndex(at: Date): number {
  return Math.floor((utcDayIndex(at) + 3) / 7);
}

/** Calendar months (UTC) since year 0. @internal */
export function utcMonthIndex(at: Date): number {
  return at.getUTCFullYear() * 12 + at.getUTCMonth();
}

/**
 * Applies `policy` to the dated, available snapshots of ONE group at `now`. Returns, per input index, why the
 * snapshot is kept; an empty list means the policy would let it go. Snapshots dated after `now` (clock skew) are
 * always kept as `recent`. The caller decides what to do with undated or unavailable snapshots.
 */
export function retentionReasons(
  items: readonly RetentionItem[],
  policy: RetentionPolicy,
  now: Date,
): RetentionReason[][] {
  // Each time is read once; the order is newestFirst's (newest first, equal times by id).
  const times = items.map((it) => it.at.getTime());
  const order = items
    .map((_, i) => i)
    .sort((a, b) => {
      const ia = items[a]!.id;
      const ib = items[b]!.id;
      return times[b]! - times[a]! || (ia < ib ? -1 : ia > ib ? 1 : 0);
    });
  const ranked = retentionReasonsNewestFirst(
    order.map((i) => times[i]!),
    policy,
    now,
  );
  const reasons: RetentionReason[][] = new Array(items.length);
  for (let rank = 0; rank < order.length; rank++) reasons[order[rank]!] = ranked[rank]!;
  return reasons;
}

/**
 * {@link retentionReasons} for times (ms since the epoch) already in its order: newest first, equal times in the
 * caller's tie order. Returns the reasons per position.
 */
export function retentionReasonsNewestFirst(
  times: readonly number[],
  policy: RetentionPolicy,
  now: Date,
): RetentionReason[][] {
  const masks = new Uint8Array(times.length);
  retentionMasksNewestFirst(times, times.length, policy, now, masks);
  const reasons: RetentionReason[][] = new Array(times.length);
  for (let rank = 0; rank < times.length; rank++) reasons[rank] = reasonsOfMask(masks[rank] as number);
  return reasons;
}

/**
 * The reasons of {@link retentionMasksNewestFirst}, one bit each. A list of reasons is always in this order (the order
 * the policy finds them in).
 */
export const RETENTION_BITS: readonly (readonly [number, RetentionReason])[] = [
  [1, "recent"],
  [2, "min-keep"],
  [4, "daily"],
  [8, "weekly"],
  [16, "monthly"],
];

/** The reasons a mask of {@link RETENTION_BITS} stands for, as a new list in their order. */
export function reasonsOfMask(mask: number): RetentionReason[] {
  const r: RetentionReason[] = [];
  for (const [bit, reason] of RETENTION_BITS) if (mask & bit) r.push(reason);
  return r;
}

/**
 * {@link retentionReasonsNewestFirst} as bit masks ({@link RETENTION_BITS}), written into `out[0..count)`: for a
 * caller that has sorted its snapshots already (the Janitor), so nothing is sorted twice and no list is made per
 * snapshot. `times[0..count)` are ms since the epoch, newest first.
 */
export function retentionMasksNewestFirst(
  times: ArrayLike<number>,
  count: number,
  policy: RetentionPolicy,
  now: Date,
  out: Uint8Array,
): void {
  const nowMs = now.getTime();
  const recentMs = policy.allHours * HOUR_MS;
  const today = utcDayIndex(now);
  const thisWeek = isoWeekIndex(now);
  const thisMonth = utcMonthIndex(now);
  // Newest first, so the first item met in a bucket is that bucket's newest. Buckets never grow along the order (each
  // is monotonic in time), so a bucket equal to the previous item's was met already; any other is looked up in the
  // set of buckets met (which also keeps NaN, from an invalid date, as one bucket).
  const seenDays = new Set<number>();
  const seenWeeks = new Set<number>();
  const seenMonths = new Set<number>();
  let prevDay = Number.NaN;
  let prevWeek = Number.NaN;
  let prevMonth = Number.NaN;
  let monthOfDay = Number.NaN;
  let monthDay = Number.NaN;
  for (let rank = 0; rank < count; rank++) {
    const t = times[rank] as number;
    let r = 0;
    const age = nowMs - t;
    if (age < recentMs || age < 0) r |= 1;
    if (rank < policy.minKeep) r |= 2;
    const day = Math.floor(t / DAY_MS);
    const week = Math.floor((day + 3) / 7);
    // The month changes only with the day: read it from a Date once per day met.
    if (day !== monthDay) {
      monthDay = day;
      monthOfDay = utcMonthIndex(new Date(t));
    }
    const month = monthOfDay;
    if (day !== prevDay) {
      const first = !seenDays.has(day);
      seenDays.add(day);
      prevDay = day;
      const back = today - day;
      if (first && back >= 0 && back < policy.dailyDays) r |= 4;
    }
    if (week !== prevWeek) {
      const first = !seenWeeks.has(week);
      seenWeeks.add(week);
      prevWeek = week;
      const back = thisWeek - week;
      if (first && back >= 0 && back < policy.weeklyWeeks) r |= 8;
    }
    if (month !== prevMonth) {
      const first = !seenMonths.has(month);
      seenMonths.add(month);
      prevMonth = month;
      const back = thisMonth - month;
      if (first && back >= 0 && back < policy.monthlyMonths) r |= 16;
    }
    out[rank] = r;
  }
}

/**
 * The most snapshots of one DB that `policy` can hold at once when at most one snapshot is taken per
 * `intervalMinutes` schedule slot (the Taker's rule), counting available snapshots dated no later than now.
 * Compare it, times the number of DBs, with the manual-snapshot quota (100 per account and region by default).
 *
 * Why this bound holds: the `recent` snapshots and the `minKeep` newest are both a prefix of the newest-first
 * order, so together they are at most `max(recentSlots, minKeep)`; the newest snapshot overall is that prefix's
 * first and also the newest of its own day, week and month, so each calendar tier adds at most `count - 1` more.
 * `recentSlots` is `floor(allHours*60 / intervalMinutes) + 1`: an `allHours` window can touch that many slots.
 */
export function retentionFootprint(policy: RetentionPolicy, intervalMinutes: number): number {
  if (!Number.isInteger(intervalMinutes) || intervalMinutes < 1) {
    throw new ConfigError(`intervalMinutes must be a whole number of minutes >= 1 (got ${intervalMinutes})`);
  }
  assertRetentionPolicy(policy, "policy");
  const recentSlots = policy.allHours > 0 ? Math.floor((policy.allHours * 60) / intervalMinutes) + 1 : 0;
  const more = (n: number) => Math.max(0, n - 1);
  return (
    Math.max(recentSlots, policy.minKeep) +
    more(policy.dailyDays) +
    more(policy.weeklyWeeks) +
    more(policy.monthlyMonths)
  );
}

const count = z.int("must be a whole number").check(z.gte(0, "must be >= 0"));

const policySchema = z.strictObject({
  allHours: z.optional(count),
  dailyDays: z.optional(count),
  weeklyWeeks: z.optional(count),
  monthlyMonths: z.optional(count),
  minKeep: z.optional(z.int("must be a whole number").check(z.gte(1, "must be >= 1"))),
});

/** Result of {@link checkRetention}: the policy (defaults filled in) or one message per problem. */
export type RetentionCheck = { ok: true; policy: RetentionPolicy } | { ok: false; problems: string[] };

/**
 * Validates a policy object (fields left out take {@link DEFAULT_RETENTION}). `where` names the setting in
 * messages, e.g. `RPL_RETENTION` gives `RPL_RETENTION.minKeep must be >= 1 (got 0)`.
 */
export function checkRetention(value: unknown, where: string): RetentionCheck {
  const r = z.safeParse(policySchema, value);
  if (r.success) {
    const d = r.data;
    const policy: RetentionPolicy = {
      allHours: d.allHours ?? DEFAULT_RETENTION.allHours,
      dailyDays: d.dailyDays ?? DEFAULT_RETENTION.dailyDays,
      weeklyWeeks: d.weeklyWeeks ?? DEFAULT_RETENTION.weeklyWeeks,
      monthlyMonths: d.monthlyMonths ?? DEFAULT_RETENTION.monthlyMonths,
      minKeep: d.minKeep ?? DEFAULT_RETENTION.minKeep,
    };
    return { ok: true, policy };
  }
  const problems = r.error.issues.map((issue) => {
    if (issue.code === "unrecognized_keys") {
      return `${where} has unknown field(s) ${issue.keys.map((k) => JSON.stringify(k)).join(", ")}; expected ${RETENTION_FIELDS.join(", ")}`;
    }
    if (issue.path.length === 0) {
      return `${where} must be a JSON object such as ${JSON.stringify(DEFAULT_RETENTION)} (got ${describe(value)})`;
    }
    const field = issue.path.map(String).join(".");
    const got = (value as Record<string, unknown>)[String(issue.path[0])];
    return `${where}.${field} ${issue.message} (got ${describe(got)})`;
  });
  return { ok: false, problems };
}

/** Parses a JSON policy string (undefined or blank = all defaults), as {@link checkRetention}. */
export function checkRetentionJson(text: string | undefined, where: string): RetentionCheck {
  if (text === undefined || text.trim() === "") return { ok: true, policy: DEFAULT_RETENTION };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return {
      ok: false,
      problems: [`${where} must be JSON such as ${JSON.stringify(DEFAULT_RETENTION)} (${(err as Error).message})`],
    };
  }
  return checkRetention(value, where);
}

/** {@link checkRetention} that throws a ConfigError listing every problem. */
export function parseRetention(value: unknown, where: string): RetentionPolicy {
  const r = checkRetention(value, where);
  if (!r.ok) throw new ConfigError(r.problems.join("; "));
  return r.policy;
}

function assertRetentionPolicy(policy: RetentionPolicy, where: string): void {
  const r = checkRetention(policy, where);
  if (!r.ok) throw new ConfigError(r.problems.join("; "));
}

function describe(v: unknown): string {
  return v === undefined ? "nothing" : JSON.stringify(v);
}
