/**
 * Runs one action per item so that one item's failure never stops the others; after all have run, throws a
 * PartialFailureError naming every failed item (so Step Functions and the alarm see the run fail).
 */
import type { Budget } from "./deadline";
import { errorMessage, errorName, type ItemFailure, PartialFailureError, TransientAwsError } from "./errors";

export interface ItemResult<R> {
  readonly id: string;
  readonly ok: boolean;
  readonly value?: R;
  readonly failure?: ItemFailure;
}

/**
 * Applies `fn` to each item in order, collecting failures instead of stopping. With a `budget`, no item starts once
 * it is exhausted (the deadline's margin is reached or the abort signal fired): `leftPending` counts the items not
 * started, for the next run (or the state machine's resume loop) to do.
 */
export async function forEachItem<T, R>(
  items: readonly T[],
  idOf: (item: T) => string,
  fn: (item: T) => Promise<R>,
  budget?: Budget,
): Promise<{ results: ItemResult<R>[]; failures: ItemFailure[]; leftPending: number }> {
  const results: ItemResult<R>[] = [];
  const failures: ItemFailure[] = [];
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    if (budget?.exhausted()) return { results, failures, leftPending: items.length - i };
    const id = idOf(item);
    try {
      results.push({ id, ok: true, value: await fn(item) });
    } catch (err) {
      const failure = { id, error: errorName(err), message: errorMessage(err) };
      failures.push(failure);
      results.push({ id, ok: false, failure });
    }
  }
  return { results, failures, leftPending: 0 };
}

/** Throws a PartialFailureError when any item failed. */
export function throwIfFailed(step: string, failures: readonly ItemFailure[]): void {
  if (failures.length > 0) throw new PartialFailureError(step, failures);
}

/**
 * Like {@link throwIfFailed}, but when every failure was transient (`TransientAwsError`) throws a
 * TransientAwsError naming them, so the state machine retries the whole (idempotent) step; any permanent failure
 * makes it a PartialFailureError, which is not retried.
 */
export function throwIfFailedOrRetry(step: string, failures: readonly ItemFailure[]): void {
  if (failures.length === 0) return;
  if (failures.every((f) => f.error === "TransientAwsError")) {
    throw new TransientAwsError(new PartialFailureError(step, failures).message);
  }
  throw new PartialFailureError(step, failures);
}
