import { describe, expect, it } from "vitest";
import {
  buildIdentifier,
  drCopyId,
  isValidSnapshotId,
  MAX_ID_LENGTH,
  sanitize,
  slotStart,
  sourceSnapshotId,
  timeSlug,
} from "../../functions/lib/identifiers";

const at = new Date("2026-11-25T06:37:12Z");

describe("timeSlug", () => {
  it.each([
    ["2026-11-25T06:37:12Z", "20261125-0637"],
    // Europe leaves summer time at 01:00 UTC on 2026-10-25; identifiers stay in UTC either side.
    ["2026-10-25T00:59:00Z", "20261025-0059"],
    ["2026-10-25T01:01:00Z", "20261025-0101"],
    ["2026-12-31T23:59:59.999Z", "20261231-2359"],
  ])("formats %s as %s", (iso, slug) => {
    expect(timeSlug(new Date(iso))).toBe(slug);
  });

  it("gives every instant of a minute that minute's slug, before and after caching it, also before 1970", () => {
    for (const iso of ["2026-11-25T06:37:59.999Z", "2026-11-25T06:37:00.000Z", "1969-12-31T23:59:30Z"]) {
      const d = new Date(iso);
      const expected = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}`;
      expect(timeSlug(d)).toBe(expected);
      expect(timeSlug(new Date(d.getTime() - (d.getTime() % 1000)))).toBe(expected);
    }
    expect(timeSlug(new Date("2026-11-25T06:38:00.000Z"))).toBe("20261125-0638");
  });

  it("throws for an invalid date every time, as toISOString does", () => {
    expect(() => timeSlug(new Date(Number.NaN))).toThrow(RangeError);
    expect(() => timeSlug(new Date(Number.NaN))).toThrow(RangeError);
  });
});

describe("sourceSnapshotId", () => {
  it("joins prefix, DB and UTC slot", () => {
    expect(sourceSnapshotId("orders-db", at)).toBe("rpl-orders-db-20261125-0637");
  });

  it("lowercases (cluster snapshot ids are stored lowercase)", () => {
    expect(sourceSnapshotId("Orders-DB", at)).toBe("rpl-orders-db-20261125-0637");
  });

  it("keeps 63-character DB names within 63 characters and valid for clusters", () => {
    const db = `a${"b".repeat(61)}c`;
    const id = sourceSnapshotId(db, at);
    expect(id.length).toBeLessThanOrEqual(MAX_ID_LENGTH);
    expect(isValidSnapshotId(id, "cluster")).toBe(true);
  });

  it("keeps long DB names that share a prefix distinct", () => {
    const a = sourceSnapshotId(`${"x".repeat(60)}-a1`, at);
    const b = sourceSnapshotId(`${"x".repeat(60)}-b2`, at);
    expect(a).not.toBe(b);
    expect(a.length).toBeLessThanOrEqual(MAX_ID_LENGTH);
  });
});

describe("drCopyId", () => {
  it("includes the source account so many sources cannot collide", () => {
    expect(drCopyId("111111111111", "app", at)).toBe("rpl-111111111111-app-20261125-0637");
    expect(drCopyId("333333333333", "app", at)).not.toBe(drCopyId("111111111111", "app", at));
  });

  it("is valid for a 63-character cluster name", () => {
    const id = drCopyId("111111111111", `c${"-d".repeat(31)}`, at);
    expect(isValidSnapshotId(id, "cluster")).toBe(true);
  });
});

describe("isValidSnapshotId", () => {
  it.each([
    ["rpl-a-1", "instance", true],
    ["1abc", "instance", false],
    ["a--b", "instance", false],
    ["ab-", "instance", false],
    ["a_b", "instance", false],
    ["a".repeat(64), "cluster", false],
    ["a".repeat(255), "instance", true],
    ["a".repeat(256), "instance", false],
  ] as const)("%s (%s) -> %s", (id, kind, ok) => {
    expect(isValidSnapshotId(id, kind)).toBe(ok);
  });
});

describe("buildIdentifier and sanitize", () => {
  it("drops characters RDS refuses and collapses hyphens", () => {
    expect(sanitize("My_DB..prod--1-")).toBe("my-db-prod-1");
    expect(buildIdentifier(["a_b", "", "C"], at)).toBe("rpl-a-b-c-20261125-0637");
  });
});

describe("slotStart", () => {
  it.each([
    [60, "2026-11-25T06:00:00.000Z"],
    [15, "2026-11-25T06:30:00.000Z"],
    [1440, "2026-11-25T00:00:00.000Z"],
  ])("aligns to %i-minute slots", (minutes, iso) => {
    expect(slotStart(at, minutes).toISOString()).toBe(iso);
  });
});
