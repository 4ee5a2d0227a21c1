/**
 * Account-wide API request budget: one token bucket per account and region, shared by every caller there (rule
 * API-THROTTLING; RDS user guide, "Request throttling for the Amazon RDS API": by default a burst of 300 requests and
 * a sustained 12 requests per second, per account and region). Time is the model's virtual clock.
 */

import type { ApiRateLimit } from "../../config/apiBudget";

// AWS's published default for the RDS API (rds-api-throttling.html), in one place: config/apiBudget.ts, where the
// sweeps' MaxConcurrency is derived from it as well.
export { type ApiRateLimit, RDS_API_RATE_LIMIT } from "../../config/apiBudget";

/** Validates a rate limit, naming the field. */
export function checkRateLimit(limit: ApiRateLimit, field = "apiRateLimit"): ApiRateLimit {
  if (!Number.isFinite(limit.burst) || limit.burst < 1) {
    throw new Error(`${field}.burst must be a number >= 1 (got ${limit.burst})`);
  }
  if (!Number.isFinite(limit.refillPerSecond) || limit.refillPerSecond <= 0) {
    throw new Error(`${field}.refillPerSecond must be a number > 0 (got ${limit.refillPerSecond})`);
  }
  return limit;
}

/** One token bucket per key (`account|region`). */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(private readonly limit: ApiRateLimit) {
    checkRateLimit(limit);
  }

  /** Takes one token from `key`'s bucket at `now` (epoch ms); false when the bucket is empty (throttled). */
  take(key: string, now: number): boolean {
    let b = this.buckets.get(key);
    if (!b) {
      b = { tokens: this.limit.burst, at: now };
      this.buckets.set(key, b);
    }
    if (now > b.at) {
      b.tokens = Math.min(this.limit.burst, b.tokens + ((now - b.at) / 1000) * this.limit.refillPerSecond);
    }
    // A clock that went back (tests reset it) refills nothing and keeps the later instant as reference.
    b.at = Math.max(b.at, now);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}
