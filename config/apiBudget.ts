/**
 * The account's RDS API budget and how much of it a fanned-out sweep may use (issue 10 item 2; docs/steps.md
 * "Sweeps fan out per DB").
 *
 * RDS throttles control-plane requests per account and region with a token bucket: by default a burst of 300
 * requests refilled at 12 per second (RDS user guide, "Request throttling for the Amazon RDS API",
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-api-throttling.html). The simulator's model enforces
 * the same figures (sim/aws/throttle.ts reads them from here).
 *
 * A sweep's Map runs one step Lambda per DB, at most MaxConcurrency at a time. Each run makes its calls one after
 * another (a few in parallel at most), so the sweep's request rate is about MaxConcurrency × the rate of one run:
 *
 *   MaxConcurrency = max(1, floor(refillPerSecond × apiShare / RUN_REQUESTS_PER_SECOND))
 *
 * capped by the Map mode's own limit. `apiShare` leaves the rest of the budget to event-started runs and to every
 * other caller in the account; `sweep.maxConcurrency` overrides the result.
 *
 * The refill alone does not bound a sweep: items whose calls return fast (the simulator's are instant) start the
 * next item at once, and a burst of 10 is gone in a moment. {@link sweepPacing} therefore also bounds the burst and
 * paces items: the sweep keeps to its own token bucket of `apiShare` × the account's (burst and refill). With `c`
 * items at once, each allowed `q` requests, `c × q` fits the sweep's burst share, and every item ends with a pause of
 * `c × q / (apiShare × refill)` seconds (a Wait state, components/shared/sweepMachine.ts), so in any window of `t`
 * seconds the sweep makes at most `apiShare × (burst + refill × t)` requests (retries of throttled calls aside).
 * Items of a share, copy or expire sweep carry several DBs and vary in size: each is packed within `q` and pauses
 * `c × (its own estimated requests) / (apiShare × refill)` (functions/lib/sweep.ts packSweepItems), which keeps the
 * same bound.
 */
import * as z from "zod";

/** Token bucket of an API: `burst` requests at most, refilled at `refillPerSecond`. */
export interface ApiRateLimit {
  readonly burst: number;
  readonly refillPerSecond: number;
}

/** AWS's published default RDS API budget per account and region (rds-api-throttling.html, see the module comment). */
export const RDS_API_RATE_LIMIT: ApiRateLimit = { burst: 300, refillPerSecond: 12 };

/**
 * Requests per second one per-DB step run makes at most (assumption: sequential calls of roughly half a second each
 * including the SDK's overhead, two at a time where a handler reads in parallel; AWS publishes no latency figure).
 */
export const RUN_REQUESTS_PER_SECOND = 2;

/**
 * Requests the smallest item of a share, copy or expire sweep makes, apart from the copy check loop's polls
 * (assumption: a scoped listing of one or two pages per region, one write per snapshot of a small backlog; measured
 * by `npx tsx bench/run.ts calls`, "whole sweeps"): MaxConcurrency leaves each concurrent item at least this much
 * of the sweep's burst. An item carries several DBs (functions/lib/sweep.ts packSweepItems) and is packed within
 * its share of the burst (`maxRequests`); its pause follows its own estimate. A take item only creates: it makes
 * one request per DB of its batch.
 */
export const ITEM_REQUESTS = 6;

/** Longest pause after a sweep's item (one hour); a budget that would need more gets this (and leans on retries). */
export const MAX_SWEEP_PAUSE_SECONDS = 3600;

/** Largest number of DBs in one take batch, so a batch's Lambda run stays short even when its calls are retried. */
export const MAX_TAKE_BATCH = 100;

/** Defaults of the `sweep` stack-config block. */
export const SWEEP_DEFAULTS = {
  /** Each DB's run is a child execution with its own history (no 25,000-event limit shared by 1,000 DBs). */
  mode: "distributed" as const,
  /** Half the account's RDS request rate: the other half stays free for event-started runs and other callers. */
  apiShare: 0.5,
};

/** Largest MaxConcurrency per mode: 40 iterations inline, 10,000 child executions distributed (Step Functions guide). */
export const SWEEP_CONCURRENCY_LIMIT = { inline: 40, distributed: 10_000 } as const;

/** The resolved `sweep` block of a stack config. */
export interface SweepConfig {
  /** Map processing mode: `distributed` (child executions) or `inline` (iterations in the parent's history). */
  readonly mode: "inline" | "distributed";
  /** Share of the account's RDS request rate a sweep may use, in (0, 1]. */
  readonly apiShare: number;
  /** Explicit MaxConcurrency; without it {@link sweepMaxConcurrency} derives one from `apiShare`. */
  readonly maxConcurrency?: number;
}

/** The zod schema of the `sweep` block (config/schema.ts). */
export const sweepSchema = z
  .strictObject(
    {
      mode: z.enum(["inline", "distributed"], 'must be "inline" or "distributed"').default(SWEEP_DEFAULTS.mode),
      apiShare: z
        .number("must be a number greater than 0 and at most 1")
        .gt(0, "must be greater than 0")
        .max(1, "must be at most 1")
        .default(SWEEP_DEFAULTS.apiShare),
      maxConcurrency: z
        .number("must be a whole number of concurrent DB runs")
        .int("must be a whole number of concurrent DB runs")
        .min(1, "must be at least 1")
        .max(SWEEP_CONCURRENCY_LIMIT.distributed, `must be at most ${SWEEP_CONCURRENCY_LIMIT.distributed}`)
        .optional(),
    },
    "must be an object with mode, apiShare, maxConcurrency",
  )
  .default({ mode: SWEEP_DEFAULTS.mode, apiShare: SWEEP_DEFAULTS.apiShare })
  .refine((s) => s.maxConcurrency === undefined || s.maxConcurrency <= SWEEP_CONCURRENCY_LIMIT[s.mode], {
    message: `maxConcurrency must be at most ${SWEEP_CONCURRENCY_LIMIT.inline} in inline mode (Step Functions runs at most 40 inline iterations at once)`,
    path: ["maxConcurrency"],
  });

/**
 * MaxConcurrency of a sweep's Map: `sweep.maxConcurrency` when set, else derived from the RDS API budget (module
 * comment), at least 1 and at most the mode's limit.
 */
export function sweepMaxConcurrency(sweep: SweepConfig, limit: ApiRateLimit = RDS_API_RATE_LIMIT): number {
  const cap = SWEEP_CONCURRENCY_LIMIT[sweep.mode];
  if (sweep.maxConcurrency !== undefined) return Math.min(cap, sweep.maxConcurrency);
  const derived = Math.floor((limit.refillPerSecond * sweep.apiShare) / RUN_REQUESTS_PER_SECOND);
  return Math.min(cap, Math.max(1, derived));
}

/** How a sweep's Map paces its items (see the module comment). */
export interface SweepPacing {
  /** Items at once (ASL `MaxConcurrency`). */
  readonly maxConcurrency: number;
  /** DBs per item: 1, or for a batched (take) sweep the creates one item makes. */
  readonly batchSize: number;
  /** Seconds each item waits after its work, so the sweep's mean rate stays within its share of the refill. */
  readonly pauseSeconds: number;
  /**
   * Share, copy and expire sweeps (not `batched`): requests one item may make, its share of the sweep's burst
   * (`burst × apiShare / maxConcurrency`), and the pause per request it makes (`maxConcurrency / (refill ×
   * apiShare)` seconds), so items of any size keep the sweep within its token bucket (module comment).
   */
  readonly maxRequests: number;
  readonly secondsPerRequest: number;
}

/**
 * Concurrency, batch size and pause of a sweep's Map that keep the sweep within `apiShare` of the account's RDS
 * token bucket, burst and refill both (module comment). `batched` is a take sweep, whose items only create (one
 * request per DB); other sweeps' items are one DB each, allowed {@link ITEM_REQUESTS} requests.
 * `sweep.maxConcurrency`, when set, is kept as is and the pause follows from it.
 */
export function sweepPacing(
  sweep: SweepConfig,
  batched: boolean,
  limit: ApiRateLimit = RDS_API_RATE_LIMIT,
): SweepPacing {
  const burst = Math.max(1, Math.floor(limit.burst * sweep.apiShare));
  const rate = limit.refillPerSecond * sweep.apiShare;
  const perItem = batched ? 1 : ITEM_REQUESTS;
  const byRefill = sweepMaxConcurrency(sweep, limit);
  const maxConcurrency =
    sweep.maxConcurrency !== undefined ? byRefill : Math.max(1, Math.min(byRefill, Math.floor(burst / perItem)));
  const batchSize = batched ? Math.max(1, Math.min(MAX_TAKE_BATCH, Math.floor(burst / maxConcurrency))) : 1;
  const itemRequests = batched ? batchSize : ITEM_REQUESTS;
  const pauseSeconds = Math.min(MAX_SWEEP_PAUSE_SECONDS, Math.ceil((maxConcurrency * itemRequests) / rate));
  const maxRequests = Math.max(1, Math.floor(burst / maxConcurrency));
  const secondsPerRequest = maxConcurrency / rate;
  return { maxConcurrency, batchSize, pauseSeconds, maxRequests, secondsPerRequest };
}
