/**
 * Issue 13 item 4: the copy window (config/derive.ts copyWindowHours) and the DR retention are derived together, so
 * a recovery point the Copier may copy is never deleted by the DR Janitor (the real planExpire) within one snapshot
 * interval after its copy finished, whatever the retention settings, interval and copy time.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { copyWindowHours } from "../../config/derive";
import type { PilotLightConfig } from "../../config/schema";
import { planExpire } from "../../functions/expire/plan";
import { ConfigError } from "../../functions/lib/errors";
import { series } from "./expireFixtures";

const MIN = 60_000;
const T0 = Date.parse("2026-03-10T07:13:00Z");

const settings = fc.record({
  allHours: fc.integer({ min: 0, max: 96 }),
  dailyDays: fc.integer({ min: 0, max: 14 }),
  weeklyWeeks: fc.integer({ min: 0, max: 8 }),
  monthlyMonths: fc.integer({ min: 0, max: 6 }),
  minKeep: fc.integer({ min: 1, max: 5 }),
  interval: fc.constantFrom(5, 10, 15, 30, 60, 120, 240),
  copyMinutes: fc.integer({ min: 1, max: 180 }),
  /** Where in the window the copied recovery point lies (0 = newest, 1 = window edge). */
  ageFraction: fc.double({ min: 0, max: 1, noNaN: true }),
  /** When, within the interval after the copy finished, the Janitor runs (0..1). */
  checkFraction: fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
});

describe("copy window vs DR retention (property)", () => {
  it("never copies a recovery point the DR Janitor deletes within one interval of the copy finishing", () => {
    fc.assert(
      fc.property(settings, (s) => {
        const retention = {
          allHours: s.allHours,
          dailyDays: s.dailyDays,
          weeklyWeeks: s.weeklyWeeks,
          monthlyMonths: s.monthlyMonths,
          minKeep: s.minKeep,
        };
        const config = {
          retention,
          snapshotIntervalMinutes: s.interval,
          expectedCopyMinutes: s.copyMinutes,
        } as PilotLightConfig;
        let window: number;
        try {
          window = copyWindowHours(config);
        } catch (err) {
          // No window left: configuration is refused, so nothing is ever copied.
          expect(err).toBeInstanceOf(ConfigError);
          expect(s.allHours * 60).toBeLessThan(60 + s.copyMinutes + s.interval);
          return;
        }
        expect(window).toBeGreaterThanOrEqual(1);
        // The copy starts at T0 for a recovery point `age` old (inside the window, as planCopy allows).
        const age = Math.floor(s.ageFraction * window * 60) * MIN;
        const rp = T0 - age;
        // The Janitor runs some time during the interval after the copy finished; by then newer recovery points
        // (one per interval, all copied at once: the worst case for the minKeep and bucket tiers) exist too.
        const janitorAt = T0 + s.copyMinutes * MIN + Math.floor(s.checkFraction * s.interval * MIN);
        const times: string[] = [];
        for (let t = rp; t <= janitorAt; t += s.interval * MIN) times.push(new Date(t).toISOString());
        for (let t = rp - s.interval * MIN, n = 0; n < 20; t -= s.interval * MIN, n++)
          times.push(new Date(t).toISOString());
        const copies = series(times, { stage: "dr", region: "eu-west-1" });
        const target = copies[0]!;
        const actions = planExpire({ snapshots: copies, now: new Date(janitorAt), stage: "dr", policy: retention });
        const mine = actions.find((a) => a.snapshot.id === target.id);
        expect(mine).toBeDefined();
        expect(mine?.type).not.toBe("delete");
      }),
      { seed: 1313, numRuns: 200 },
    );
  });
});
