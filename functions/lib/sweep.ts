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
import { ConfigError, type ItemFailure, PartialFailureError } from "./errors";
import type { HandlerCore } from "./lambda";
import type { DbKind } from "./model";

/** Input that asks a step Lambda for its sweep items instead of running the step. */
export const SWEEP_LIST_INPUT = { sweep: "list" } as const;

/** `sweep` value of the input that asks a step Lambda to report the Map's results ({@link reportSweep}). */
export const SWEEP_REPORT = "report";

/** What one Map iteration returns: its DB, and the error name when that DB's run failed. */
export interface SweepItemResult {
  readonly dbId: string;
  readonly error?: string;
}

/** What a sweep's report step returns when every DB's run succeeded. */
export interface SweepReport {
  /** DBs run. */
  readonly dbs: number;
  readonly failed: 0;
}

/** DBs named in the error of a sweep with failures (the rest are counted): Step Functions keeps 32,768 characters of a cause. */
export const REPORTED_FAILURES = 100;

/**
 * One Map item: the scope of one per-DB run. `dbKind`, when the list step knows it, narrows the item's listings to
 * that kind (one listing per region instead of one per kind: issue 10, reads bounded by the work).
 */
export interface SweepItem {
  readonly dbId: string;
  readonly dbKind?: DbKind;
}

/** Result of a list run. */
export interface SweepList<I extends SweepItem = SweepItem> {
  /** One item per DB with work (sorted by DB identifier, no duplicates), or per batch of DBs (the Taker's). */
  readonly items: readonly I[];
}

/** What the list input may ask for: `batchSize`, DBs per item of a batched sweep (the Taker's). */
export interface SweepListInput {
  readonly batchSize?: number;
}

/** The list input's options; a malformed `batchSize` is a ConfigError naming the field. */
export function parseSweepListInput(event: unknown, step: string): SweepListInput {
  const v = (event as { batchSize?: unknown }).batchSize;
  if (v === undefined) return {};
  if (typeof v !== "number" || !Number.isInteger(v) || v < 1) {
    throw new ConfigError(
      `${step} sweep list input.batchSize must be a whole number of at least 1 (got ${JSON.stringify(v)})`,
    );
  }
  return { batchSize: v };
}

/** Whether `event` is {@link SWEEP_LIST_INPUT}. */
export function isSweepListInput(event: unknown): boolean {
  return sweepField(event) === SWEEP_LIST_INPUT.sweep;
}

function sweepField(event: unknown): unknown {
  return event && typeof event === "object" && !Array.isArray(event)
    ? (event as Record<string, unknown>).sweep
    : undefined;
}

/**
 * The report step of a sweep: `{ sweep: "report", results }`, where `results` is the Map's output (one
 * {@link SweepItemResult} per DB). Returns `{ dbs, failed: 0 }` when every DB's run succeeded; otherwise throws a
 * PartialFailureError naming each failed DB and its error (the first {@link REPORTED_FAILURES}), so the execution
 * fails, after every DB ran, with the error a one-Lambda sweep reported for the same outcome.
 */
export function reportSweep(step: string, event: unknown): SweepReport {
  const results = (event as { results?: unknown }).results;
  if (!Array.isArray(results)) {
    throw new ConfigError(`${step} sweep report input.results must be the Map state's output array`);
  }
  const failed = (results as SweepItemResult[]).filter((r) => r && typeof r.error === "string");
  if (failed.length === 0) return { dbs: results.length, failed: 0 };
  const named: ItemFailure[] = failed.slice(0, REPORTED_FAILURES).map((f) => ({
    id: String(f.dbId),
    error: String(f.error),
    message: "the DB's run failed; its iteration (or child execution) and the Lambda log have the cause",
  }));
  const more = failed.length - named.length;
  throw new PartialFailureError(
    `${step} sweep (${failed.length} of ${results.length} DBs${more > 0 ? `, first ${named.length} named` : ""})`,
    named,
  );
}

/** The items of a list run from DB identifiers (any order, duplicates allowed); empty identifiers are dropped. */
export function sweepItems(dbIds: Iterable<string>): SweepList {
  const unique = [...new Set([...dbIds].filter((id) => id !== ""))].sort();
  return { items: unique.map((dbId) => ({ dbId })) };
}

/**
 * The items of a list run from DBs of known kind (any order, duplicates allowed): one `{ dbId, dbKind }` per DB and
 * kind, sorted by identifier then kind; empty identifiers are dropped.
 */
export function sweepItemsOfKind(dbs: Iterable<{ readonly dbId: string; readonly kind: DbKind }>): SweepList {
  const seen = new Map<string, SweepItem>();
  for (const d of dbs) if (d.dbId !== "") seen.set(`${d.dbId}|${d.kind}`, { dbId: d.dbId, dbKind: d.kind });
  const items = [...seen.values()].sort((a, b) =>
    a.dbId < b.dbId ? -1 : a.dbId > b.dbId ? 1 : String(a.dbKind).localeCompare(String(b.dbKind)),
  );
  return { items };
}

/** The `dbKind` of a per-DB item input, or undefined; a value other than "instance"/"cluster" is a ConfigError. */
export function parseDbKind(event: unknown, step: string): DbKind | undefined {
  if (!event || typeof event !== "object" || Array.isArray(event)) return undefined;
  const v = (event as Record<string, unknown>).dbKind;
  if (v === undefined) return undefined;
  if (v !== "instance" && v !== "cluster") {
    throw new ConfigError(`${step} input dbKind must be "instance" or "cluster" (got ${JSON.stringify(v)})`);
  }
  return v;
}

/**
 * A handler core that answers {@link SWEEP_LIST_INPUT} with `list`, a report input with {@link reportSweep}, and
 * passes every other input to `core` unchanged. Used by each step's Lambda entry point and by the simulator, so
 * both run the same list and report steps.
 */
export function withSweepList<E, R>(
  core: HandlerCore<E, R>,
  list: (run?: RunContext, input?: SweepListInput) => Promise<SweepList>,
  step: string,
): HandlerCore<E, R | SweepList | SweepReport> {
  return async (event, run) => {
    const mode = sweepField(event);
    if (mode === SWEEP_LIST_INPUT.sweep) return list(run, parseSweepListInput(event, step));
    if (mode === SWEEP_REPORT) return reportSweep(step, event);
    return core(event, run);
  };
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
