/**
 * A source DB deleted in production and retired by the freshness monitor (issue 13): the Janitor keeps treating its
 * copies like any other, so its newest `minKeep` copies stay, in each region, however old they get.
 */
import { describe, expect, it } from "vitest";
import { deletions, planExpire } from "../../functions/expire/plan";
import type { Snapshot } from "../../functions/lib/model";
import { SOURCE_DELETED_TAG } from "../../functions/lib/sourceDeleted";
import { DR, HOME, policy, series } from "./expireFixtures";

const marked = (s: Snapshot): Snapshot => ({
  ...s,
  tags: { ...s.tags, [SOURCE_DELETED_TAG]: "2026-01-01T00:00:00.000Z" },
});
const TIMES = ["2026-01-01T00:00:00Z", "2025-12-31T23:00:00Z", "2025-12-31T22:00:00Z", "2025-12-31T21:00:00Z"];

describe("planExpire: copies of a deleted (retired) source DB", () => {
  it.each([1, 2, 3])("keeps the newest minKeep=%i copies in each region a year after the deletion", (minKeep) => {
    const home = series(TIMES, { region: HOME, stage: "dr" }).map(marked);
    const drRegion = series(TIMES, { region: DR, stage: "dr-region" }).map(marked);

    const actions = planExpire({
      snapshots: [...home, ...drRegion],
      now: new Date("2027-01-01T00:00:00Z"),
      stage: "dr",
      policy: policy({ allHours: 24, dailyDays: 7, minKeep }),
    });

    const deleted = new Set(deletions(actions).map((s) => s.id));
    for (const group of [home, drRegion]) {
      const newestFirst = [...group].sort((a, b) => b.createdAt!.getTime() - a.createdAt!.getTime());
      expect(newestFirst.slice(0, minKeep).filter((s) => deleted.has(s.id))).toEqual([]);
      expect(newestFirst.slice(minKeep).every((s) => deleted.has(s.id))).toBe(true);
    }
  });
});
