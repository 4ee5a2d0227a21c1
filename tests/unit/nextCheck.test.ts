/**
 * When the Copier's check loop looks again (functions/copy/nextCheck.ts): from a running copy's PercentProgress and
 * the time since it was requested, else from expectedCopyMinutes; the soonest copy counts, and only a share of the
 * estimate (COPY_ETA_FRACTION) is waited.
 */
import { describe, expect, it } from "vitest";
import { COPY_ETA_FRACTION, COPY_SLOT_RETRY_SPREAD_SECONDS } from "../../config/assumptions";
import { nextCheckSeconds, secondsLeft, slotRetrySeconds } from "../../functions/copy/nextCheck";

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

describe("slotRetrySeconds", () => {
  it("spreads the retries of refused copies uniformly over COPY_SLOT_RETRY_SPREAD_SECONDS, in whole seconds", () => {
    expect(slotRetrySeconds(() => 0)).toBe(0);
    expect(slotRetrySeconds(() => 0.5)).toBe(COPY_SLOT_RETRY_SPREAD_SECONDS / 2);
    expect(slotRetrySeconds(() => 0.999_999)).toBe(COPY_SLOT_RETRY_SPREAD_SECONDS);
    expect(slotRetrySeconds(() => 0.123_456)).toBe(Math.ceil(0.123_456 * COPY_SLOT_RETRY_SPREAD_SECONDS));
  });
});
