/**
 * When the Copier's check loop looks again (functions/copy/nextCheck.ts): from a running copy's PercentProgress and
 * the time since it was requested, else from expectedCopyMinutes; the soonest copy counts, and only a share of the
 * estimate (COPY_ETA_FRACTION) is waited.
 */
import { describe, expect, it } from "vitest";
import { COPY_ETA_FRACTION, COPY_SLOT_RETRY_SHARE, COPY_SLOT_URGENT_SHARE } from "../../config/assumptions";
import { nextCheckSeconds, secondsLeft, slotRetrySeconds } from "../../functions/copy/nextCheck";
import { newestFinalCopy } from "../../functions/copy/state";
import { model, rawCopy } from "./copyFixtures";

const NOW = new Date("2026-03-01T12:00:00.000Z");
const ago = (minutes: number) => new Date(NOW.getTime() - minutes * 60_000);

describe("secondsLeft", () => {
  it("extrapolates progress linearly from the copy's create time", () => {
    // 25 % after 30 minutes: 90 minutes left.
    expect(secondsLeft({ progress: 25, createdAt: ago(30) }, NOW.getTime(), 20)).toBe(90 * 60);
  });

  it("falls back to what is left of expectedCopyMinutes while the copy shows no progress", () => {
    expect(secondsLeft({ progress: 0, createdAt: ago(5) }, NOW.getTime(), 20)).toBe(15 * 60);
    expect(secondsLeft({ progress: 0 }, NOW.getTime(), 20)).toBe(20 * 60);
    // Queued longer than a copy usually takes: look again soon (the loop's shortest wait).
    expect(secondsLeft({ progress: 0, createdAt: ago(45) }, NOW.getTime(), 20)).toBe(0);
  });

  it("does not extrapolate without a create time, and treats 100 % as done", () => {
    expect(secondsLeft({ progress: 50 }, NOW.getTime(), 20)).toBe(20 * 60);
    expect(secondsLeft({ progress: 100, createdAt: ago(30) }, NOW.getTime(), 20)).toBe(0);
  });

  it("never returns a negative time for a create time in the future (clock skew)", () => {
    expect(secondsLeft({ progress: 10, createdAt: new Date(NOW.getTime() + 60_000) }, NOW.getTime(), 20)).toBe(0);
  });
});

describe("nextCheckSeconds", () => {
  it("is undefined when nothing runs (the loop then waits its shortest)", () => {
    expect(nextCheckSeconds([], NOW, 20)).toBeUndefined();
  });

  it("waits a share of the soonest copy's estimate, in whole seconds", () => {
    const running = [
      { progress: 25, createdAt: ago(30) }, // 90 minutes left
      { progress: 50, createdAt: ago(40) }, // 40 minutes left
      { progress: 0, createdAt: ago(2) }, // 18 minutes left by expectedCopyMinutes
    ];
    expect(COPY_ETA_FRACTION).toBe(0.5);
    expect(nextCheckSeconds(running, NOW, 20)).toBe(9 * 60);
    expect(Number.isInteger(nextCheckSeconds([{ progress: 3, createdAt: ago(7) }], NOW, 20))).toBe(true);
  });
});

describe("nextCheckSeconds with copies of one DB queued behind each other (rule COPY-QUEUE-SAME-DB)", () => {
  const tagsOf = (db: string, kind = "cluster", account = "111111111111") => ({
    "rpl-source-db": db,
    "rpl-source-kind": kind,
    "rpl-source-account": account,
  });

  it("does not let a queued copy (no progress, older than expectedCopyMinutes) time the look while its DB's copy runs", () => {
    const running = [
      { progress: 0, createdAt: ago(45), tags: tagsOf("billing") }, // queued: 0 s left by expectedCopyMinutes
      { progress: 20, createdAt: ago(40), tags: tagsOf("billing") }, // 160 minutes left
    ];
    expect(nextCheckSeconds(running, NOW, 20)).toBe(80 * 60);
    // Without the DB in its tags the queued copy cannot be told apart: it times the look as before.
    expect(nextCheckSeconds([{ progress: 0, createdAt: ago(45) }, running[1]!], NOW, 20)).toBe(0);
  });

  it("still times the look by a copy without progress of another DB, or of the same name in another account or kind", () => {
    const progressing = { progress: 20, createdAt: ago(40), tags: tagsOf("billing") };
    for (const other of [tagsOf("orders"), tagsOf("billing", "instance"), tagsOf("billing", "cluster", "222222222222")])
      expect(nextCheckSeconds([progressing, { progress: 0, createdAt: ago(5), tags: other }], NOW, 20)).toBe(
        Math.ceil(15 * 60 * COPY_ETA_FRACTION),
      );
  });

  it("lets a finished copy (100 %) time the look even when its DB has another copy running", () => {
    const running = [
      { progress: 100, createdAt: ago(30), tags: tagsOf("billing") },
      { progress: 20, createdAt: ago(40), tags: tagsOf("billing") },
    ];
    expect(nextCheckSeconds(running, NOW, 20)).toBe(0);
  });
});

describe("slotRetrySeconds", () => {
  // Spread at expectedCopyMinutes 120 (scenarios/thousand-dbs.yaml): a quarter of two hours.
  const SPREAD = COPY_SLOT_RETRY_SHARE * 120 * 60;

  it("waits between half of and the whole of COPY_SLOT_RETRY_SHARE × expectedCopyMinutes for a fresh DB", () => {
    expect(SPREAD).toBe(1800);
    expect(slotRetrySeconds(() => 0, 120)).toBe(SPREAD / 2);
    expect(slotRetrySeconds(() => 0.5, 120)).toBe(SPREAD * 0.75);
    expect(slotRetrySeconds(() => 0.999_999, 120)).toBe(SPREAD);
    expect(slotRetrySeconds(() => 0.123_456, 120, 0)).toBe(Math.ceil(0.561_728 * SPREAD));
    // At the default 20 minutes the spread (150 to 300 s) is within the loop's shortest wait: refused copies retry
    // every 5 minutes, as before.
    expect(slotRetrySeconds(() => 0.999_999, 20)).toBe(300);
  });

  it("shortens the spread linearly with staleness, by COPY_SLOT_URGENT_SHARE at the copy window and beyond", () => {
    const full = (staleness: number) => slotRetrySeconds(() => 0.999_999_999, 120, staleness);
    expect(full(1)).toBe(Math.ceil(SPREAD * (1 - COPY_SLOT_URGENT_SHARE)));
    expect(full(5)).toBe(full(1));
    expect(full(0.5)).toBe(Math.ceil(SPREAD * (1 - COPY_SLOT_URGENT_SHARE / 2)));
    // Nonsense staleness (no recovery point known) counts as fresh.
    expect(full(Number.NEGATIVE_INFINITY)).toBe(SPREAD);
    expect(full(Number.NaN)).toBe(SPREAD);
    expect(full(-3)).toBe(SPREAD);
  });
});

describe("newestFinalCopy (the staleness a refused copy's retry reads)", () => {
  it("is the newest recovery point among available owned copies of the final stage", () => {
    const copies = [
      rawCopy({ id: "a", stage: "dr", at: "2026-03-01T06:00:00.000Z" }),
      rawCopy({ id: "b", stage: "dr", at: "2026-03-01T11:00:00.000Z", status: "copying" }),
      rawCopy({ id: "c", stage: "dr", at: "2026-03-01T09:00:00.000Z", owned: false }),
      rawCopy({ id: "d", stage: "dr-region", at: "2026-03-01T08:00:00.000Z" }),
    ].map(model);
    expect(newestFinalCopy(copies, "dr")).toBe(Date.parse("2026-03-01T06:00:00.000Z"));
    expect(newestFinalCopy(copies, "dr-region")).toBe(Date.parse("2026-03-01T08:00:00.000Z"));
    expect(newestFinalCopy([], "dr")).toBeUndefined();
  });
});
