import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../../functions/lib/errors";
import {
  checkRetention,
  checkRetentionJson,
  DEFAULT_RETENTION,
  isoWeekIndex,
  parseRetention,
  type RetentionItem,
  type RetentionPolicy,
  retentionFootprint,
  retentionReasons,
  utcDayIndex,
  utcMonthIndex,
} from "../../functions/lib/retention";
import { every, policy } from "./expireFixtures";

/** Fixed seed for every property here; fast-check prints it (and the shrunk counterexample) on failure. */
const SEED = 20261125;

const items = (times: readonly string[]): RetentionItem[] => times.map((t) => ({ id: t, at: new Date(t) }));

/** The ISO times the policy keeps, newest first. */
function keptTimes(times: readonly string[], p: RetentionPolicy, now: string): string[] {
  const reasons = retentionReasons(items(times), p, new Date(now));
  return times
    .filter((_, i) => reasons[i]!.length > 0)
    .map((t) => new Date(t).toISOString())
    .sort((a, b) => Date.parse(b) - Date.parse(a));
}

describe("bucket indexes", () => {
  it.each([
    // The EU leaves summer time at 01:00 UTC on 2026-10-25: still one UTC day either side.
    ["2026-10-25T00:59:59Z", "2026-10-25T01:00:00Z", true],
    ["2026-10-24T23:59:59.999Z", "2026-10-25T00:00:00Z", false],
  ])("utcDayIndex(%s) === utcDayIndex(%s) is %s", (a, b, same) => {
    expect(utcDayIndex(new Date(a)) === utcDayIndex(new Date(b))).toBe(same);
  });

  it.each([
    // 2026-01-04 is a Sunday and 2026-01-05 a Monday; 2025-12-29 (Mon) starts ISO week 2026-W01.
    ["2026-01-04T23:59:59Z", "2026-01-05T00:00:00Z", false],
    ["2025-12-29T00:00:00Z", "2026-01-04T23:59:59Z", true],
    ["2025-12-28T23:59:59Z", "2025-12-29T00:00:00Z", false],
    ["1970-01-01T00:00:00Z", "1969-12-29T00:00:00Z", true],
  ])("isoWeekIndex(%s) === isoWeekIndex(%s) is %s", (a, b, same) => {
    expect(isoWeekIndex(new Date(a)) === isoWeekIndex(new Date(b))).toBe(same);
  });

  it("counts months across a year boundary", () => {
    expect(utcMonthIndex(new Date("2026-01-01T00:00:00Z")) - utcMonthIndex(new Date("2025-12-31T23:59:59Z"))).toBe(1);
  });
});

describe("retentionReasons", () => {
  it.each<{ name: string; p: RetentionPolicy; now: string; times: string[]; kept: string[] }>([
    {
      name: "allHours keeps snapshots strictly younger than the limit",
      p: policy({ allHours: 24 }),
      now: "2026-06-15T12:00:00Z",
      times: ["2026-06-15T11:00:00Z", "2026-06-14T12:00:00.001Z", "2026-06-14T12:00:00Z", "2026-06-13T12:00:00Z"],
      kept: ["2026-06-15T11:00:00Z", "2026-06-14T12:00:00.001Z"],
    },
    {
      name: "daily keeps the newest of each UTC day, also on the day summer time starts",
      p: policy({ dailyDays: 2 }),
      now: "2026-03-29T12:00:00Z",
      times: [
        "2026-03-29T00:30:00Z", // 01:30 CET
        "2026-03-29T01:30:00Z", // 03:30 CEST (clocks went forward at 01:00 UTC)
        "2026-03-28T23:59:00Z", // already the 29th in Paris, still the 28th in UTC
        "2026-03-28T00:00:00Z",
        "2026-03-27T23:59:59.999Z", // a third day: outside dailyDays 2
      ],
      kept: ["2026-03-29T01:30:00Z", "2026-03-28T23:59:00Z"],
    },
    {
      name: "weekly follows ISO weeks (Monday 00:00 UTC) across a year boundary",
      p: policy({ weeklyWeeks: 2 }),
      now: "2026-01-06T00:00:00Z",
      times: ["2026-01-05T01:00:00Z", "2026-01-04T23:00:00Z", "2025-12-29T00:00:00Z", "2025-12-28T23:59:00Z"],
      kept: ["2026-01-05T01:00:00Z", "2026-01-04T23:00:00Z"],
    },
    {
      name: "monthly keeps the newest of each calendar month, leap day included",
      p: policy({ monthlyMonths: 2 }),
      now: "2028-03-01T00:30:00Z",
      times: ["2028-03-01T00:10:00Z", "2028-02-29T23:59:00Z", "2028-02-01T00:00:00Z", "2028-01-31T23:59:00Z"],
      kept: ["2028-03-01T00:10:00Z", "2028-02-29T23:59:00Z"],
    },
    {
      name: "monthly reaches back across a year boundary",
      p: policy({ monthlyMonths: 3 }),
      now: "2026-01-15T00:00:00Z",
      times: [
        "2026-01-02T00:00:00Z",
        "2025-12-31T23:00:00Z",
        "2025-12-01T00:00:00Z",
        "2025-11-30T00:00:00Z",
        "2025-10-31T23:59:00Z",
      ],
      kept: ["2026-01-02T00:00:00Z", "2025-12-31T23:00:00Z", "2025-11-30T00:00:00Z"],
    },
    {
      name: "a tier counts calendar buckets, not snapshots: empty days still use up dailyDays",
      p: policy({ dailyDays: 3, minKeep: 1 }),
      now: "2026-06-15T12:00:00Z",
      times: ["2026-06-15T01:00:00Z", "2026-06-12T23:00:00Z", "2026-06-11T23:00:00Z"],
      kept: ["2026-06-15T01:00:00Z"],
    },
    {
      name: "minKeep keeps the newest N when replication has been broken longer than every tier",
      p: DEFAULT_RETENTION,
      now: "2027-06-01T00:00:00Z",
      times: every("2025-01-01T00:00:00Z", "2025-01-03T00:00:00Z", 360),
      kept: ["2025-01-02T18:00:00Z", "2025-01-02T12:00:00Z", "2025-01-02T06:00:00Z"],
    },
    {
      name: "a snapshot dated after now (clock skew) is kept even with allHours 0",
      p: policy({ minKeep: 1 }),
      now: "2026-06-15T12:00:00Z",
      times: ["2026-06-15T12:05:00Z", "2026-06-15T11:00:00Z", "2026-06-15T10:00:00Z"],
      kept: ["2026-06-15T12:05:00Z"],
    },
  ])("$name", ({ p, now, times, kept }) => {
    expect(keptTimes(times, p, now)).toEqual(kept.map((t) => new Date(t).toISOString()));
  });

  it("keeps exactly the expected 45 of an hourly series under the default policy", () => {
    // Monday 2026-06-15 12:30 UTC, one snapshot on the hour since 2025-11-01.
    const now = "2026-06-15T12:30:00Z";
    const times = every("2025-11-01T00:00:00Z", "2026-06-15T12:30:00Z", 60);
    const recent = every("2026-06-14T13:00:00Z", "2026-06-15T12:30:00Z", 60); // 24 snapshots
    const daily = [13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2].map(
      (d) => `2026-06-${String(d).padStart(2, "0")}T23:00:00Z`,
    );
    const weekly = ["2026-05-31", "2026-05-24", "2026-05-17", "2026-05-10", "2026-05-03"].map((d) => `${d}T23:00:00Z`);
    const monthly = ["2026-04-30", "2026-03-31", "2026-02-28", "2026-01-31"].map((d) => `${d}T23:00:00Z`);
    const expected = [...recent, ...daily, ...weekly, ...monthly]
      .map((t) => new Date(t).toISOString())
      .sort((a, b) => Date.parse(b) - Date.parse(a));

    const kept = keptTimes(times, DEFAULT_RETENTION, now);

    expect(kept).toEqual(expected);
    expect(kept).toHaveLength(45);
    expect(retentionFootprint(DEFAULT_RETENTION, 60)).toBeGreaterThanOrEqual(45);
  });

  it("names every reason a snapshot is kept", () => {
    const r = retentionReasons(items(["2026-06-15T11:00:00Z"]), DEFAULT_RETENTION, new Date("2026-06-15T12:00:00Z"));
    expect(r).toEqual([["recent", "min-keep", "daily", "weekly", "monthly"]]);
  });

  it("breaks ties between equal times by id, whatever the input order", () => {
    const at = new Date("2026-06-15T10:00:00Z");
    const now = new Date("2026-06-16T00:00:00Z");
    const a = retentionReasons(
      [
        { id: "b", at },
        { id: "a", at },
      ],
      policy({ minKeep: 1 }),
      now,
    );
    const b = retentionReasons(
      [
        { id: "a", at },
        { id: "b", at },
      ],
      policy({ minKeep: 1 }),
      now,
    );
    expect(a).toEqual([[], ["min-keep"]]);
    expect(b).toEqual([["min-keep"], []]);
  });
});

describe("retentionFootprint", () => {
  it.each<[string, RetentionPolicy, number, number]>([
    ["defaults, hourly", DEFAULT_RETENTION, 60, 25 + 13 + 7 + 5],
    ["defaults, every 4 hours", DEFAULT_RETENTION, 240, 7 + 13 + 7 + 5],
    ["defaults, daily", DEFAULT_RETENTION, 1440, 3 + 13 + 7 + 5],
    ["only minKeep", policy({ minKeep: 4 }), 60, 4],
    ["allHours 1, every 15 min", policy({ allHours: 1 }), 15, 5],
    ["allHours 1, every 7 min (window touches 9 slots)", policy({ allHours: 1 }), 7, 9],
    ["one of each tier", policy({ dailyDays: 1, weeklyWeeks: 1, monthlyMonths: 1 }), 60, 1],
  ])("%s", (_name, p, interval, expected) => {
    expect(retentionFootprint(p, interval)).toBe(expected);
  });

  it.each([0, -5, 1.5, Number.NaN])("rejects intervalMinutes %s", (interval) => {
    expect(() => retentionFootprint(DEFAULT_RETENTION, interval)).toThrow(/intervalMinutes must be a whole number/);
  });

  it("rejects an invalid policy naming the field", () => {
    expect(() => retentionFootprint({ ...DEFAULT_RETENTION, minKeep: 0 }, 60)).toThrow(
      "policy.minKeep must be >= 1 (got 0)",
    );
  });

  it("is never exceeded by any one-per-slot series (property)", () => {
    const arb = fc.record({
      p: fc.record({
        allHours: fc.integer({ min: 0, max: 48 }),
        dailyDays: fc.integer({ min: 0, max: 20 }),
        weeklyWeeks: fc.integer({ min: 0, max: 10 }),
        monthlyMonths: fc.integer({ min: 0, max: 8 }),
        minKeep: fc.integer({ min: 1, max: 10 }),
      }),
      interval: fc.constantFrom(7, 60, 180, 360, 1440),
      // Which of the last 300 slots hold a snapshot, and where inside its slot.
      slots: fc.array(fc.tuple(fc.integer({ min: 0, max: 299 }), fc.double({ min: 0, max: 0.999, noNaN: true })), {
        maxLength: 300,
      }),
      nowOffset: fc.integer({ min: 0, max: 1439 }),
    });
    fc.assert(
      fc.property(arb, ({ p, interval, slots, nowOffset }) => {
        const slotMs = interval * 60_000;
        const now = Date.UTC(2026, 5, 15) + nowOffset * 60_000;
        const nowSlot = Math.floor(now / slotMs);
        const bySlot = new Map<number, RetentionItem>();
        for (const [back, frac] of slots) {
          const at = Math.min(now, (nowSlot - back) * slotMs + Math.floor(frac * slotMs));
          bySlot.set(back, { id: String(back), at: new Date(at) });
        }
        const list = [...bySlot.values()];
        const kept = retentionReasons(list, p, new Date(now)).filter((r) => r.length > 0).length;
        expect(kept).toBeLessThanOrEqual(retentionFootprint(p, interval));
      }),
      { seed: SEED, numRuns: 300 },
    );
  });
});

describe("checkRetention", () => {
  it("fills in defaults for fields left out", () => {
    expect(checkRetention({ minKeep: 5 }, "RPL_RETENTION")).toEqual({
      ok: true,
      policy: { ...DEFAULT_RETENTION, minKeep: 5 },
    });
    expect(checkRetentionJson(undefined, "RPL_RETENTION")).toEqual({ ok: true, policy: DEFAULT_RETENTION });
    expect(checkRetentionJson("  ", "RPL_RETENTION")).toEqual({ ok: true, policy: DEFAULT_RETENTION });
  });

  it("accepts 0 to turn a tier off", () => {
    const p = { allHours: 0, dailyDays: 0, weeklyWeeks: 0, monthlyMonths: 0, minKeep: 1 };
    expect(checkRetention(p, "x")).toEqual({ ok: true, policy: p });
  });

  it.each<[string, unknown, string[]]>([
    ["minKeep 0", { minKeep: 0 }, ["RPL_RETENTION.minKeep must be >= 1 (got 0)"]],
    ["negative field", { dailyDays: -1 }, ["RPL_RETENTION.dailyDays must be >= 0 (got -1)"]],
    ["fraction", { allHours: 1.5 }, ["RPL_RETENTION.allHours must be a whole number (got 1.5)"]],
    ["string number", { weeklyWeeks: "8" }, ['RPL_RETENTION.weeklyWeeks must be a whole number (got "8")']],
    ["null field", { monthlyMonths: null }, ["RPL_RETENTION.monthlyMonths must be a whole number (got null)"]],
    [
      "unknown (misspelt) field",
      { minkeep: 5 },
      [
        'RPL_RETENTION has unknown field(s) "minkeep"; expected allHours, dailyDays, weeklyWeeks, monthlyMonths, minKeep',
      ],
    ],
    [
      "several problems at once",
      { minKeep: 0, allHours: -2 },
      ["RPL_RETENTION.allHours must be >= 0 (got -2)", "RPL_RETENTION.minKeep must be >= 1 (got 0)"],
    ],
  ])("rejects %s naming the field", (_name, value, problems) => {
    const r = checkRetention(value, "RPL_RETENTION");
    expect(r.ok).toBe(false);
    expect(r.ok ? [] : [...r.problems].sort()).toEqual([...problems].sort());
  });

  it.each([
    ["[]", /RPL_RETENTION must be a JSON object/],
    ["3", /RPL_RETENTION must be a JSON object .*\(got 3\)/],
    ["{minKeep: 3}", /RPL_RETENTION must be JSON such as \{"allHours":24/],
  ])("rejects the JSON text %s", (text, message) => {
    const r = checkRetentionJson(text, "RPL_RETENTION");
    expect(r.ok ? "" : r.problems.join("; ")).toMatch(message);
  });

  it("parseRetention throws a ConfigError", () => {
    expect(() => parseRetention({ minKeep: 0 }, "rds-pilot-light:retention")).toThrow(ConfigError);
    expect(() => parseRetention({ minKeep: 0 }, "rds-pilot-light:retention")).toThrow(
      "rds-pilot-light:retention.minKeep must be >= 1 (got 0)",
    );
    expect(parseRetention({}, "x")).toEqual(DEFAULT_RETENTION);
  });
});
