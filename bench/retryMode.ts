/**
 * `npx tsx bench/run.ts retry`: the SDK's `adaptive` vs `standard` retry mode under the model's rate-based throttling
 * (issue 10 item 2). Same workload for both: ITEMS per-DB items of READS_PER_ITEM DescribeDBSnapshots each (what a
 * scoped Copier reads), worked by W concurrent workers (a Map state's MaxConcurrency), each with its own SDK clients
 * (one Lambda container each: adaptive mode's client-side rate limiter is per client), against one account and
 * region whose RDS API budget is AWS's default token bucket (sim/aws/throttle.ts: burst 300, 12 per second).
 *
 * Time: adaptive mode measures rates with `Date.now()` and waits with `setTimeout`, and both modes back off with
 * `setTimeout`. On the real clock a 5-minute budget takes 5 minutes, and the model's token bucket (which refills
 * on the clock it is given) and the limiter would disagree about time. So the whole run is on fake timers
 * (@sinonjs/fake-timers: `Date`, `setTimeout` and friends are virtual; promises and `setImmediate` stay real): the
 * model's clock, the bucket's refill, the SDK's backoff and adaptive mode's limiter all read one virtual clock,
 * advanced in 50 ms steps. `Math.random` (the SDK's backoff jitter) is a seeded generator during a run, so the
 * figures are the same on every run.
 *
 * Counted per mode: items finished within the budget, items failed (a call still throttled after SDK_MAX_ATTEMPTS,
 * or refused by the SDK's retry quota), throttled attempts (the model's record), attempts in all, and the virtual
 * time the last item finished.
 */

import { DescribeDBSnapshotsCommand } from "@aws-sdk/client-rds";
import FakeTimers from "@sinonjs/fake-timers";
import { SDK_MAX_ATTEMPTS } from "../functions/lib/clients";
import { RdsWorld } from "../sim/aws/rdsModel";
import { RDS_API_RATE_LIMIT } from "../sim/aws/throttle";

const ACCOUNT = "111111111111";
const REGION = "eu-west-1";
const DBS = 50;
/** Per-DB items in the workload. */
export const ITEMS = 1_000;
/** Calls per item. */
export const READS_PER_ITEM = 3;
/** Virtual seconds the work may take (the Lambda timeout the issue names). */
export const BUDGET_SECONDS = 300;
/** Concurrent workers compared. */
export const CONCURRENCY = [10, 50, 150] as const;
const STEP_MS = 50;
const T0 = Date.parse("2026-01-06T00:00:00Z");

/** `rate`: the account's token bucket (rule API-THROTTLING); `fraction`: a fixed share of attempts throttled at any rate. */
export type Throttling = "rate" | "fraction";
/** Share of attempts throttled in the `fraction` comparison (the kind of fault the earlier wire-level run injected). */
export const FIXED_FRACTION = 0.2;

/** Result of one mode at one concurrency. */
export interface RetryRun {
  readonly mode: "standard" | "adaptive";
  readonly workers: number;
  readonly finished: number;
  readonly failed: number;
  readonly throttled: number;
  readonly attempts: number;
  /** Virtual seconds until every item finished or failed; undefined when items were left at the budget's end. */
  readonly allDoneSeconds?: number;
}

/** mulberry32: a small seeded PRNG, so the SDK's backoff jitter is the same on every run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Runs the workload once in `mode` with `workers` concurrent workers, on virtual time. */
export async function runRetryWorkload(
  mode: "standard" | "adaptive",
  workers: number,
  throttling: Throttling = "rate",
): Promise<RetryRun> {
  const clock = FakeTimers.install({
    now: T0,
    toFake: ["Date", "setTimeout", "clearTimeout", "setInterval", "clearInterval"],
  });
  const realRandom = Math.random;
  Math.random = seeded(42);
  try {
    const world = new RdsWorld({
      clock: () => new Date(Date.now()),
      ...(throttling === "rate"
        ? { apiRateLimit: RDS_API_RATE_LIMIT }
        : { faults: { throttleRate: { rds: FIXED_FRACTION }, random: seeded(7) } }),
      sdkRetries: true,
      sdkRetryMode: mode,
    });
    for (let i = 0; i < DBS; i++) {
      const dbId = `db-${String(i).padStart(3, "0")}`;
      world.addDbInstance(ACCOUNT, REGION, { id: dbId, sizeGb: 10 });
      world.addSnapshot(ACCOUNT, REGION, { kind: "instance", id: `rpl-${dbId}-a`, dbId });
    }
    const deadline = T0 + BUDGET_SECONDS * 1000;
    let next = 0;
    let finished = 0;
    let failed = 0;
    let lastDone = T0;
    let answered = 0;
    const worker = async () => {
      const rds = world.clients(ACCOUNT, { fresh: true }).rds(REGION);
      while (next < ITEMS && Date.now() < deadline) {
        const item = next++;
        const dbId = `db-${String(item % DBS).padStart(3, "0")}`;
        try {
          for (let r = 0; r < READS_PER_ITEM; r++) {
            await rds.send(
              new DescribeDBSnapshotsCommand({
                SnapshotType: "manual",
                Filters: [{ Name: "db-instance-id", Values: [dbId] }],
              }),
            );
            answered++;
          }
          if (Date.now() <= deadline) finished++;
        } catch {
          failed++;
        }
        lastDone = Date.now();
      }
    };
    let running = workers;
    const all = Array.from({ length: workers }, () => worker().finally(() => running--));
    // Advance virtual time until every worker stopped (no new item starts after the deadline).
    while (running > 0) await clock.tickAsync(STEP_MS);
    await Promise.all(all);
    return {
      mode,
      workers,
      finished,
      failed,
      // Every attempt the model did not answer was throttled (the only fault injected here).
      throttled: world.calls.length - answered,
      attempts: world.calls.length,
      ...(next >= ITEMS && lastDone <= deadline ? { allDoneSeconds: (lastDone - T0) / 1000 } : {}),
    };
  } finally {
    Math.random = realRandom;
    clock.uninstall();
  }
}

/** Prints the comparison (bench/run.ts section `retry`). */
export async function retryFigures(): Promise<void> {
  console.log(
    `== SDK retry mode under the model's API budget (burst ${RDS_API_RATE_LIMIT.burst}, ${RDS_API_RATE_LIMIT.refillPerSecond}/s per account and region)`,
  );
  console.log(
    `  ${ITEMS} items x ${READS_PER_ITEM} DescribeDBSnapshots, W workers with their own clients (maxAttempts ${SDK_MAX_ATTEMPTS}),\n` +
      `  ${BUDGET_SECONDS} s virtual budget; fake timers (Date, setTimeout) so adaptive mode's limiter and the bucket share one clock.`,
  );
  console.log("  W     mode      finished  failed  throttled  attempts  all settled at (virtual s)");
  const row = (r: RetryRun) =>
    console.log(
      `  ${String(r.workers).padEnd(5)} ${r.mode.padEnd(9)} ${String(r.finished).padStart(8)}  ${String(r.failed).padStart(6)}  ${String(r.throttled).padStart(9)}  ${String(r.attempts).padStart(8)}  ${r.allDoneSeconds === undefined ? "not within budget" : r.allDoneSeconds.toFixed(1)}`,
    );
  for (const w of CONCURRENCY) {
    for (const mode of ["standard", "adaptive"] as const) row(await runRetryWorkload(mode, w));
  }
  console.log(`  For contrast, no budget but ${FIXED_FRACTION * 100} % of attempts throttled at any rate:`);
  for (const mode of ["standard", "adaptive"] as const) row(await runRetryWorkload(mode, 50, "fraction"));
}
