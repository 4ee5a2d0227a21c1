/**
 * The sweep's MaxConcurrency from the RDS API budget (config/apiBudget.ts) and the `sweep` stack-config block.
 */
import { describe, expect, it } from "vitest";
import {
  ITEM_REQUESTS,
  MAX_SWEEP_PAUSE_SECONDS,
  RDS_API_RATE_LIMIT,
  RUN_REQUESTS_PER_SECOND,
  SWEEP_DEFAULTS,
  sweepMaxConcurrency,
  sweepPacing,
} from "../../config/apiBudget";
import { sweepMapOptions } from "../../config/derive";
import { parseStackConfig } from "../../config/schema";
import { ConfigError } from "../../functions/lib/errors";
import { MAX_ITEM_PAUSE_SECONDS } from "../../functions/lib/sweep";
import { RDS_API_RATE_LIMIT as MODEL_RATE_LIMIT, TokenBuckets } from "../../sim/aws/throttle";

const at = { region: "eu-west-1", account: "111111111111" };
const source = (sweep?: unknown) =>
  parseStackConfig(
    { role: "source", drAccounts: ["222222222222"], ...(sweep === undefined ? {} : { sweep }) },
    "Pulumi.test.yaml",
    at,
  );

describe("sweepMaxConcurrency", () => {
  it("derives the default from RDS's 12 requests per second, half of it for the sweep, 2 per run", () => {
    expect(RDS_API_RATE_LIMIT.refillPerSecond).toBe(12);
    expect(RUN_REQUESTS_PER_SECOND).toBe(2);
    expect(sweepMaxConcurrency(SWEEP_DEFAULTS)).toBe(3);
  });

  it("keeps the sweep's request rate within its share of the budget, and runs at least one DB", () => {
    for (const apiShare of [0.01, 0.1, 0.25, 0.5, 0.75, 1]) {
      for (const refillPerSecond of [1, 5, 12, 50, 1000]) {
        const n = sweepMaxConcurrency({ mode: "distributed", apiShare }, { burst: 300, refillPerSecond });
        expect(n).toBeGreaterThanOrEqual(1);
        if (n > 1) expect(n * RUN_REQUESTS_PER_SECOND).toBeLessThanOrEqual(refillPerSecond * apiShare);
      }
    }
  });

  it("caps inline sweeps at 40 concurrent iterations and honours an explicit value", () => {
    expect(sweepMaxConcurrency({ mode: "inline", apiShare: 1 }, { burst: 300, refillPerSecond: 1000 })).toBe(40);
    expect(sweepMaxConcurrency({ mode: "distributed", apiShare: 1, maxConcurrency: 25 })).toBe(25);
  });

  it("is the model's throttling budget too (one constant)", () => {
    expect(MODEL_RATE_LIMIT).toBe(RDS_API_RATE_LIMIT);
  });
});

describe("the sweep stack-config block", () => {
  it("defaults to a distributed Map at the derived concurrency", () => {
    const c = source();
    expect(c.sweep).toEqual({ mode: "distributed", apiShare: 0.5 });
    // Per-DB items: 3 at once, 6 requests each, 3 x 6 / (0.5 x 12) = 3 s pause. Take batches: 150 requests of the
    // sweep's burst share (0.5 x 300) over 3 items of 50 creates, 150 / 6 = 25 s pause. Multi-DB items (share, copy,
    // expire): each within 150 / 3 = 50 requests, pausing 3 / 6 = 0.5 s per request it makes.
    expect(sweepMapOptions(c)).toEqual({
      mode: "DISTRIBUTED",
      maxConcurrency: 3,
      pauseSeconds: 3,
      batch: { size: 50, maxConcurrency: 3, pauseSeconds: 25 },
      items: { maxRequests: 50, secondsPerRequest: 0.5 },
    });
  });

  it("accepts inline mode and an explicit concurrency", () => {
    expect(sweepMapOptions(source({ mode: "inline", maxConcurrency: 10 }))).toEqual({
      mode: "INLINE",
      maxConcurrency: 10,
      pauseSeconds: 10,
      batch: { size: 15, maxConcurrency: 10, pauseSeconds: 25 },
      items: { maxRequests: 15, secondsPerRequest: 10 / 6 },
    });
  });

  it.each([
    [{ mode: "inline", maxConcurrency: 41 }, "rds-pilot-light:sweep.maxConcurrency"],
    [{ mode: "parallel" }, "rds-pilot-light:sweep.mode"],
    [{ apiShare: 0 }, "rds-pilot-light:sweep.apiShare"],
    [{ apiShare: 1.5 }, "rds-pilot-light:sweep.apiShare"],
    [{ maxConcurrency: 0 }, "rds-pilot-light:sweep.maxConcurrency"],
    [{ concurrency: 3 }, "rds-pilot-light:sweep.concurrency"],
  ])("rejects %j with an error naming the field", (sweep, field) => {
    expect(() => source(sweep)).toThrow(ConfigError);
    expect(() => source(sweep)).toThrow(field);
  });
});

/**
 * Runs a sweep of `items` items the way its Map does, with calls that take no time (the simulator's, the worst case):
 * `maxConcurrency` lanes, each item makes its requests at its start and then waits `pauseSeconds`. Returns how many
 * requests the account's token bucket refused and the requests made by each instant.
 */
function runPacedSweep(
  pacing: { maxConcurrency: number; pauseSeconds: number },
  itemRequests: number,
  items: number,
  limit: { burst: number; refillPerSecond: number },
): { throttled: number; starts: number[] } {
  const bucket = new TokenBuckets(limit);
  const lanes = Array.from({ length: pacing.maxConcurrency }, () => 0);
  let throttled = 0;
  const starts: number[] = [];
  for (let i = 0; i < items; i++) {
    const lane = lanes.indexOf(Math.min(...lanes));
    const at = lanes[lane]!;
    for (let r = 0; r < itemRequests; r++) if (!bucket.take("a|r", at * 1000)) throttled++;
    starts.push(at);
    lanes[lane] = at + pacing.pauseSeconds;
  }
  return { throttled, starts };
}

describe("sweepPacing", () => {
  const budgets = [
    { burst: 300, refillPerSecond: 12 },
    { burst: 100, refillPerSecond: 5 },
    { burst: 10, refillPerSecond: 2 },
    { burst: 10, refillPerSecond: 1 },
    { burst: 10, refillPerSecond: 0.3 },
  ];

  it.each(budgets)(
    "keeps a sweep of instant calls within burst %j and the refill (no throttling, mean rate within the share)",
    (limit) => {
      for (const apiShare of [0.25, 0.5, 1]) {
        for (const batched of [true, false]) {
          const sweep = { mode: "distributed" as const, apiShare };
          const p = sweepPacing(sweep, batched, limit);
          const itemRequests = batched ? p.batchSize : ITEM_REQUESTS;
          const { throttled, starts } = runPacedSweep(p, itemRequests, 200, limit);
          // The sweep alone never empties the account's bucket when its share of the burst holds one item.
          if (itemRequests <= limit.burst) expect(throttled).toBe(0);
          // Mean rate over the sweep: at most the share of the refill (plus the first wave, paid from the burst).
          const last = starts[starts.length - 1]!;
          const made = starts.length * itemRequests;
          expect(made).toBeLessThanOrEqual(apiShare * limit.refillPerSecond * last + p.maxConcurrency * itemRequests);
        }
      }
    },
  );

  it("caps the pause at an hour for a budget too small for any sweep", () => {
    const p = sweepPacing({ mode: "distributed", apiShare: 0.5 }, false, { burst: 10, refillPerSecond: 0.0001 });
    expect(p.pauseSeconds).toBe(3600);
  });

  it("runs tight budgets one item at a time, batches of the burst share, paused for the refill", () => {
    expect(sweepPacing({ mode: "distributed", apiShare: 0.5 }, true, { burst: 10, refillPerSecond: 1 })).toEqual({
      maxConcurrency: 1,
      batchSize: 5,
      pauseSeconds: 10,
      maxRequests: 5,
      secondsPerRequest: 2,
    });
    expect(sweepPacing({ mode: "distributed", apiShare: 0.5 }, false, { burst: 10, refillPerSecond: 1 })).toEqual({
      maxConcurrency: 1,
      batchSize: 1,
      pauseSeconds: 12,
      maxRequests: 5,
      secondsPerRequest: 2,
    });
  });

  it("keeps multi-DB items within the sweep's token bucket: c items of at most maxRequests fit the burst share, each paced at the refill share", () => {
    for (const apiShare of [0.1, 0.5, 1]) {
      for (const limit of [
        RDS_API_RATE_LIMIT,
        { burst: 40, refillPerSecond: 2 },
        { burst: 1000, refillPerSecond: 50 },
      ]) {
        const p = sweepPacing({ mode: "distributed", apiShare }, false, limit);
        expect(p.maxConcurrency * p.maxRequests).toBeLessThanOrEqual(
          Math.max(p.maxConcurrency, limit.burst * apiShare),
        );
        // A slot makes an item's q requests, then pauses q x secondsPerRequest: c slots stay at the refill share.
        expect(p.maxConcurrency / p.secondsPerRequest).toBeCloseTo(limit.refillPerSecond * apiShare, 9);
      }
    }
  });

  it("agrees with the step Lambdas on the longest pause", () => {
    expect(MAX_ITEM_PAUSE_SECONDS).toBe(MAX_SWEEP_PAUSE_SECONDS);
  });
});
