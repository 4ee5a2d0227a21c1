/**
 * The report's RDS API use per account and region against the budget (sim/apiUsage.ts), on hand-made call records:
 * hourly peak and mean, the busiest minute and second, the token bucket replayed (fewest tokens left), throttled
 * attempts, and which executions count as failed for throttling.
 */
import pc from "picocolors";
import { describe, expect, it } from "vitest";
import { TransientAwsError } from "../../functions/lib/errors";
import { apiUsageOf, failedForThrottling, renderApiUsage, ThrottledRuns } from "../../sim/apiUsage";
import type { ModelCall } from "../../sim/aws/rdsModel";

const START = Date.parse("2026-01-05T00:00:00Z");
const HOUR = 3_600_000;
const call = (ms: number, account = "111111111111", service: ModelCall["service"] = "rds"): ModelCall => ({
  account,
  region: "eu-west-1",
  command: "DescribeDBSnapshots",
  at: new Date(START + ms),
  service,
});
const span = { startMs: START, endMs: START + 3 * HOUR };

describe("apiUsageOf", () => {
  it("counts RDS requests per hour, minute and second, and replays the bucket", () => {
    // Hour 0: 10 calls in one second; hour 2: 4 calls a minute apart. A KMS call does not draw on the RDS budget.
    const calls = [
      ...Array.from({ length: 10 }, (_, i) => call(1000 + i)),
      ...Array.from({ length: 4 }, (_, i) => call(2 * HOUR + i * 60_000)),
      call(5000, "111111111111", "kms"),
    ];
    const u = apiUsageOf(calls, [], [], span, { burst: 8, refillPerSecond: 0.5 });
    expect(u.rows).toHaveLength(1);
    const r = u.rows[0]!;
    expect(r.requests).toBe(14);
    expect(r.hourly).toEqual([10, 0, 4]);
    expect(r.perHour).toEqual({ peak: 10, mean: 4.7, peakHourStart: "2026-01-05T00:00:00.000Z" });
    expect(r.perMinute.peak).toBe(10);
    expect(r.perSecondPeak).toBe(10);
    // 10 calls within 9 ms from a bucket of 8 (refill negligible): it would have gone below zero.
    expect(r.minTokens).toBe(0);
    expect(u.budget).toEqual({ burst: 8, refillPerSecond: 0.5, perMinute: 30, perHour: 1800, enforced: true });
    expect(u.peakPerHour).toBe(10);
    expect(u.belowBudget).toBe(true);
  });

  it("finds the busiest minute and second (the first of equals) whether or not the calls come in time order", () => {
    // Minute 1 and minute 3 have 3 calls each (minute 1 first); second 62 has 2, and so does second 185.
    const times = [60_000, 62_000, 62_500, 120_000, 180_000, 185_000, 185_500];
    for (const order of [times, [...times].reverse(), [185_000, 60_000, 62_000, 120_000, 185_500, 180_000, 62_500]]) {
      const r = apiUsageOf(
        order.map((t) => call(t)),
        [],
        [],
        span,
        undefined,
      ).rows[0]!;
      expect(r.perMinute.peak).toBe(3);
      expect(r.perSecondPeak).toBe(2);
      // A map counts in order of first appearance, so the first of two equal minutes is the one seen first.
      const first = order.find((t) => t < 120_000 || t >= 180_000)! < 120_000 ? 1 : 3;
      expect(r.perMinute.peakAt).toBe(new Date(START + first * 60_000).toISOString());
    }
  });

  it("takes no token for a throttled attempt and counts it per account", () => {
    const calls = [call(0), call(1), call(2), call(3, "222222222222")];
    const u = apiUsageOf(calls, [calls[2]!], [], span, { burst: 2, refillPerSecond: 1 });
    const src = u.rows.find((x) => x.account === "111111111111")!;
    expect(src.throttled).toBe(1);
    expect(src.minTokens).toBe(0);
    expect(u.rows.find((x) => x.account === "222222222222")).toMatchObject({ requests: 1, throttled: 0, minTokens: 1 });
  });

  it("compares with AWS's default budget when the scenario sets none, and sums executions failed for throttling", () => {
    const machines = [
      { name: "111111111111/eu-west-1/take", failedThrottling: 2 },
      { name: "111111111111/eu-west-1/share", failedThrottling: 0 },
    ];
    const u = apiUsageOf([call(0)], [], machines, span, undefined);
    expect(u.budget).toMatchObject({ burst: 300, refillPerSecond: 12, perHour: 43_200, enforced: false });
    expect(u.executionsFailedThrottling).toEqual({ total: 2, byMachine: { "111111111111/eu-west-1/take": 2 } });
    const text = renderApiUsage(u, pc.createColors(false));
    expect(text.title).toContain("AWS default, not enforced in this run");
    expect(text.rows[1]).toEqual(["111111111111/eu-west-1", "1", "0.3", "1", "2026-01-05T00:00", "1", "1", "299", "0"]);
    expect(text.notes[0]).toContain("Executions failed for throttling: 2 (111111111111/eu-west-1/take x2)");
  });
});

describe("failedForThrottling", () => {
  it("counts throttling errors and TransientAwsErrors caused by throttling, nothing else", () => {
    expect(failedForThrottling("Throttling", undefined)).toBe(true);
    expect(failedForThrottling("ThrottlingException", "rate exceeded")).toBe(true);
    expect(
      failedForThrottling("TransientAwsError", "share: ModifyDBSnapshotAttribute failed: Throttling: Rate exceeded"),
    ).toBe(true);
    expect(failedForThrottling("TransientAwsError", "copy failed: InternalFailure: boom")).toBe(false);
    expect(failedForThrottling("States.Timeout", undefined)).toBe(false);
    expect(failedForThrottling(undefined, undefined)).toBe(false);
  });
});

describe("ThrottledRuns", () => {
  const throttled = new TransientAwsError("take app-002: CreateDBSnapshot: Throttling: Rate exceeded");
  const sweepFailed = "take sweep (1 of 3 DBs) failed for 1 item(s): app-002 (TransientAwsError: the DB's run failed)";

  it("blames throttling for a sweep whose failed DB's last run was throttled", () => {
    const runs = new ThrottledRuns();
    runs.note({ sweep: "list" });
    runs.note({ scope: { dbId: "app-001" } });
    runs.note({ scope: { dbId: "app-002" } }, throttled);
    runs.note({ scope: { dbId: "app-003" } }, new Error("Throttling: Rate exceeded"));
    runs.note({ scope: { dbId: "app-003" } });
    expect(failedForThrottling("PartialFailureError", sweepFailed)).toBe(false);
    expect(runs.explains("PartialFailureError", sweepFailed)).toBe(true);
  });

  it("does not when the DB's retry succeeded or its run failed for another reason", () => {
    const runs = new ThrottledRuns();
    runs.note({ dbId: "app-002" }, throttled);
    runs.note({ dbId: "app-002" });
    runs.note({ dbId: "app-004" }, new TransientAwsError("copy app-004: CopyDBSnapshot: InternalFailure: boom"));
    expect(runs.explains("PartialFailureError", sweepFailed)).toBe(false);
    expect(runs.explains("TransientAwsError", "share: Throttling: Rate exceeded")).toBe(true);
  });
});
