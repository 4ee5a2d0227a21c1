/**
 * The sweep's MaxConcurrency from the RDS API budget (config/apiBudget.ts) and the `sweep` stack-config block.
 */
import { describe, expect, it } from "vitest";
import {
  RDS_API_RATE_LIMIT,
  RUN_REQUESTS_PER_SECOND,
  SWEEP_DEFAULTS,
  sweepMaxConcurrency,
} from "../../config/apiBudget";
import { sweepMapOptions } from "../../config/derive";
import { parseStackConfig } from "../../config/schema";
import { ConfigError } from "../../functions/lib/errors";
import { RDS_API_RATE_LIMIT as MODEL_RATE_LIMIT } from "../../sim/aws/throttle";

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
    expect(sweepMapOptions(c)).toEqual({ mode: "DISTRIBUTED", maxConcurrency: 3 });
  });

  it("accepts inline mode and an explicit concurrency", () => {
    expect(sweepMapOptions(source({ mode: "inline", maxConcurrency: 10 }))).toEqual({
      mode: "INLINE",
      maxConcurrency: 10,
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
