/**
 * Time budget of one handler run (issue 13 item 1: bounded, resumable steps). A handler takes new work only while
 * its budget lasts, so it returns (with `leftPending`) well before the Lambda's own timeout instead of being killed
 * mid-run with nothing recorded.
 *
 * The deadline is fixed when the run starts, from the Lambda context's `getRemainingTimeInMillis()`, and measured
 * against the injected {@link Clock} afterwards: tests and the simulator control time with a fake clock, and a run
 * without a Lambda context (tests, the simulator, the CLI) has no deadline at all. The abort signal is the one middy
 * fires just before the Lambda times out (functions/lib/lambda.ts); once it fired, no new call is started.
 */
import type { Clock } from "./clock";
import { StepTimeoutError } from "./errors";

/** What the Lambda runtime (through middy) tells a handler core about its time. */
export interface RunContext {
  /** Milliseconds left before the Lambda times out (`context.getRemainingTimeInMillis`). */
  readonly remainingMs?: () => number;
  /** Aborted by middy shortly before the Lambda's timeout. */
  readonly signal?: AbortSignal;
  /**
   * Whether `signal` was aborted, for a runtime that makes its signal only when read (the simulator's,
   * sim/lambdaRuntime.ts): the budget asks this instead of reading `signal`. Must agree with `signal.aborted`.
   */
  aborted?(): boolean;
}

/**
 * Smallest safety margin (ms): time kept free at the end of a run for the item in progress (a share is up to four
 * calls, each with up to `SDK_MAX_ATTEMPTS` (functions/lib/clients.ts) attempts and adaptive backoff) and for the summary, events and
 * metrics flush.
 */
export const MIN_SAFETY_MARGIN_MS = 20_000;

/** The safety margin is at least this fraction of the time the run started with (60 s of a 300 s Lambda). */
export const SAFETY_MARGIN_FRACTION = 0.2;

/** A run's time budget. */
export interface Budget {
  /** True once no new work should start: the margin before the deadline is reached, or the abort signal fired. */
  exhausted(): boolean;
  /** True once the abort signal fired (the Lambda is about to time out). */
  aborted(): boolean;
  /** Milliseconds left before the margin (Infinity without a deadline); for logs. */
  remainingMs(): number;
  /** Throws a StepTimeoutError naming `step` and what was being done when the abort signal fired. */
  throwIfAborted(step: string, doing: string): void;
}

/** The safety margin for a run that starts with `totalMs` before its timeout. */
export function safetyMarginMs(totalMs: number): number {
  return Math.max(MIN_SAFETY_MARGIN_MS, Math.round(totalMs * SAFETY_MARGIN_FRACTION));
}

/** Budget of a run starting now on `clock`, with the Lambda context's remaining time and abort signal, if any. */
export function makeBudget(clock: Clock, ctx?: RunContext): Budget {
  const total = ctx?.remainingMs?.();
  const start = clock().getTime();
  const stopAt =
    total === undefined || !Number.isFinite(total) ? Number.POSITIVE_INFINITY : start + total - safetyMarginMs(total);
  const aborted = ctx?.aborted ? () => ctx.aborted?.() === true : () => ctx?.signal?.aborted === true;
  return {
    aborted,
    exhausted: () => aborted() || clock().getTime() >= stopAt,
    remainingMs: () => stopAt - clock().getTime(),
    throwIfAborted(step, doing) {
      if (aborted()) throw new StepTimeoutError(`${step}: the Lambda is about to time out while ${doing}`);
    },
  };
}

/** A budget that never runs out (runs without a Lambda context). */
export const UNLIMITED: Budget = makeBudget(() => new Date(0));
