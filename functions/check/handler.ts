/**
 * Checker (DR account): read-only companion of the Copier. The state machine calls it after a wait while copies are
 * pending. It lists the same snapshots and runs the same planner as the Copier ({@link planCopyRun}), but uses only the
 * progress view and never changes anything.
 *
 * A scoped check does not count other DBs' copies in flight (`countGlobalInFlight: false`): it runs after every wait,
 * and that count needs a full listing of each destination region. So its `ready` counts copies that are startable if
 * a slot is free; the Copier the state machine then re-runs counts every DB's copies before starting anything and
 * reports `waiting` when no slot is free. A sweep lists everything anyway, so its `ready`/`waiting` are exact.
 *
 * A check whose input is the Sharer's event (it names the recovery point) first describes that recovery point's
 * final copy by identifier (check/read.ts): while that copy runs, the poll costs one read and reports it pending.
 */

import { DEFAULT_EXPECTED_COPY_MINUTES } from "../copy/config";
import { namedRecoveryPoint, parseCopyScope } from "../copy/event";
import { scopeLabel } from "../copy/handler";
import { nextCheckSeconds } from "../copy/nextCheck";
import { planCopyRun } from "../copy/state";
import { inContext } from "../lib/errors";
import type { HandlerDeps } from "../lib/lambda";
import type { CheckConfig } from "./config";
import { runningCopyOf } from "./read";

/** What the Checker returns to the state machine's Choice state. */
export interface CheckSummary {
  /** Recovery points in scope whose final copy is not available yet (and that have not failed). */
  readonly pending: number;
  /** Identifiers of in-scope copies running now. */
  readonly inProgress: readonly string[];
  /** Copies that should start but have no free slot (a scoped check counts only its own DB's copies in flight). */
  readonly waiting: number;
  /**
   * Actions the Copier would take if called now (copies with a free slot, intermediate deletes): call it when > 0. A
   * scoped check ignores other DBs' copies in flight, so the Copier may then find no slot and report `waiting`.
   */
  readonly ready: number;
  /** Items that need an operator (the Copier reports them as failures). */
  readonly failed: number;
  /**
   * Seconds until the in-scope copies running now should be worth another look (copy/nextCheck.ts); 0 when none runs
   * (no estimate: the loop waits its minimum). The state machine waits this long before the next check, clamped to its
   * minimum and maximum wait.
   */
  readonly nextCheckSeconds: number;
}

/** Builds the Checker handler. */
export function makeHandler(deps: HandlerDeps<CheckConfig>): (event: unknown) => Promise<CheckSummary> {
  const { clients, clock, config, obs } = deps;
  return async (event) => {
    const scope = parseCopyScope(event);
    // Started by a "snapshot shared" event: one describe by identifier settles most polls (check/read.ts).
    const named = namedRecoveryPoint(event);
    const running = named
      ? await inContext(
          `check: DescribeDBSnapshots/DescribeDBClusterSnapshots by identifier for ${named.snapshotArn}`,
          () => runningCopyOf(clients, config, named),
        )
      : undefined;
    const expected = config.expectedCopyMinutes ?? DEFAULT_EXPECTED_COPY_MINUTES;
    if (running) {
      const next = nextCheckSeconds([running.copy], clock(), expected);
      const summary: CheckSummary = {
        pending: 1,
        inProgress: [running.targetId],
        waiting: 0,
        ready: 0,
        failed: 0,
        nextCheckSeconds: next ?? 0,
      };
      obs.logger.info("check finished", { ...summary, inProgress: 1, reads: running.reads });
      return summary;
    }
    const now = clock();
    const { progress } = await inContext(
      `check: DescribeDBSnapshots/DescribeDBClusterSnapshots (shared and manual) for ${scopeLabel(scope)} in ${config.region}`,
      () => planCopyRun(clients, config, scope, now, { countGlobalInFlight: false }),
    );
    const next = nextCheckSeconds(progress.running, now, expected);
    const summary: CheckSummary = {
      pending: progress.pending,
      inProgress: progress.inProgress,
      waiting: progress.waiting,
      ready: progress.ready,
      failed: progress.failures.length,
      nextCheckSeconds: next ?? 0,
    };
    obs.logger.info("check finished", { ...summary, inProgress: summary.inProgress.length });
    return summary;
  };
}
