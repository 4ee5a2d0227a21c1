/**
 * The list step of a fanned-out sweep (issue 10 item 2; docs/steps.md "Sweeps fan out per DB").
 *
 * A schedule-started run of take, share, copy or expire no longer does every DB in one Lambda: the state machine
 * first invokes the step's own Lambda with {@link SWEEP_LIST_INPUT}; that run makes the sweep's one listing pass,
 * asks the step's own planner which DBs have work, and returns `{ items: [{ dbId }, ...] }`. A Map state then runs
 * the step once per item, scoped to that DB (the `{ dbId }` scope every step handler already accepts), with a
 * MaxConcurrency derived from the account's RDS API budget (config/apiBudget.ts).
 *
 * The list run never changes anything in AWS: it only reads and plans.
 */
import type { RunContext } from "./deadline";
import { ConfigError } from "./errors";
import type { HandlerCore } from "./lambda";

/** Input that asks a step Lambda for its sweep items instead of running the step. */
export const SWEEP_LIST_INPUT = { sweep: "list" } as const;

/** One Map item: the scope of one per-DB run. */
export interface SweepItem {
  readonly dbId: string;
}

/** Result of a list run. */
export interface SweepList {
  /** One item per DB with work, sorted by DB identifier, no duplicates. */
  readonly items: readonly SweepItem[];
}

/** Whether `event` is {@link SWEEP_LIST_INPUT}. */
export function isSweepListInput(event: unknown): boolean {
  return (
    !!event &&
    typeof event === "object" &&
    !Array.isArray(event) &&
    (event as Record<string, unknown>).sweep === SWEEP_LIST_INPUT.sweep
  );
}

/** The items of a list run from DB identifiers (any order, duplicates allowed); empty identifiers are dropped. */
export function sweepItems(dbIds: Iterable<string>): SweepList {
  const unique = [...new Set([...dbIds].filter((id) => id !== ""))].sort();
  return { items: unique.map((dbId) => ({ dbId })) };
}

/**
 * A handler core that answers {@link SWEEP_LIST_INPUT} with `list` and passes every other input to `core`
 * unchanged. Used by each step's Lambda entry point and by the simulator, so both run the same list step.
 */
export function withSweepList<E, R>(
  core: HandlerCore<E, R>,
  list: (run?: RunContext) => Promise<SweepList>,
): HandlerCore<E, R | SweepList> {
  return (event, run) => (isSweepListInput(event) ? list(run) : core(event, run));
}

/**
 * The DB a `{ dbId }` input scopes a run to (a Map item), or undefined when the input has no `dbId`. For steps whose
 * own input parser does not know `dbId` (the Sharer); a malformed value is a ConfigError naming the field.
 */
export function parseDbScope(event: unknown, step: string): string | undefined {
  if (!event || typeof event !== "object" || Array.isArray(event)) return undefined;
  const v = (event as Record<string, unknown>).dbId;
  if (v === undefined) return undefined;
  if (typeof v !== "string" || !/^[A-Za-z][A-Za-z0-9-]{0,62}$/.test(v)) {
    throw new ConfigError(
      `${step} input dbId must be a DB instance or cluster identifier (1-63 letters, digits, hyphens; got ${JSON.stringify(v)})`,
    );
  }
  return v;
}
