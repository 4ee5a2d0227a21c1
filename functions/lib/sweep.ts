/**
 * The list step of a fanned-out sweep (issue 10 item 2; docs/steps.md "Sweeps fan out per DB").
 *
 * A schedule-started run of take, share, copy or expire no longer does every DB in one Lambda: the state machine
 * first invokes the step's own Lambda with {@link SWEEP_LIST_INPUT}; that run makes the sweep's one listing pass,
 * asks the step's own planner which DBs have work, and returns `{ items: [...] }`: share, copy and expire items of
 * several DBs whose snapshots fill about one page ({@link packSweepItems}; issue 10 item 1, "page once"), take items
 * of creates (functions/take/batch.ts). A Map state then runs the step once per item, scoped to its DBs (`{ dbIds }`,
 * one listing with a multi-valued filter), with a MaxConcurrency derived from the account's RDS API budget
 * (config/apiBudget.ts) and a pause per item that follows its own requests.
 *
 * The list run never changes anything in AWS: it only reads and plans.
 */
import { SNAPSHOT_FILTER_MAX_VALUES } from "../../config/assumptions";
import type { RunContext } from "./deadline";
import { ConfigError, type ItemFailure, PartialFailureError } from "./errors";
import type { HandlerCore } from "./lambda";
import type { DbKind, Snapshot } from "./model";
import { PAGE_SIZE } from "./rds";

/** Input that asks a step Lambda for its sweep items instead of running the step. */
export const SWEEP_LIST_INPUT = { sweep: "list" } as const;

/** `sweep` value of the input that asks a step Lambda to report the Map's results ({@link reportSweep}). */
export const SWEEP_REPORT = "report";

/**
 * What one Map iteration returns: its (first) DB, every DB of a multi-DB item, and, when the item's run failed, the
 * error name and what the iteration caught (`{ Error, Cause }`; a Lambda error's Cause is the JSON string
 * `{"errorMessage","errorType",...}`) or a Fail state's own `cause`.
 */
export interface SweepItemResult {
  readonly dbId: string;
  readonly dbIds?: readonly string[];
  readonly error?: string;
  readonly caught?: { readonly Error?: unknown; readonly Cause?: unknown };
  readonly cause?: string;
}

/** What a sweep's report step returns when every DB's run succeeded. */
export interface SweepReport {
  /** DBs run. */
  readonly dbs: number;
  /** Map items run (as many as `dbs` unless items carry several DBs). */
  readonly items: number;
  readonly failed: 0;
}

/** DBs named in the error of a sweep with failures (the rest are counted): Step Functions keeps 32,768 characters of a cause. */
export const REPORTED_FAILURES = 100;

/**
 * One Map item: the scope of one run. `dbKind`, when the list step knows it, narrows the item's listings to that kind
 * (one listing per region instead of one per kind: issue 10, reads bounded by the work). A share, copy or expire
 * sweep's item names several DBs of one kind (`dbIds`, {@link packSweepItems}): its listings ask for all of them with
 * one multi-valued `db-instance-id` / `db-cluster-id` filter, so their snapshots fill about one page per listing.
 */
export interface SweepItem {
  /** The item's first DB (its only one without `dbIds`): names the item in the sweep's report. */
  readonly dbId: string;
  readonly dbKind?: DbKind;
  /** Every DB of the item (sorted, `dbId` first), at most {@link SNAPSHOT_FILTER_MAX_VALUES}. */
  readonly dbIds?: readonly string[];
  /** Seconds the item waits after its run (its own requests at the sweep's pace; config/apiBudget.ts). */
  readonly pauseSeconds?: number;
}

/** Result of a list run. */
export interface SweepList<I extends SweepItem = SweepItem> {
  /** One item per DB with work (sorted by DB identifier, no duplicates), or per batch of DBs (the Taker's). */
  readonly items: readonly I[];
}

/**
 * How a share, copy or expire sweep paces its items (config/apiBudget.ts sweepPacing), sent by the machine in the
 * list input: an item makes at most `maxRequests` RDS requests (its DBs are packed so its estimate fits, a DB that
 * alone needs more gets an item of its own), and waits `secondsPerRequest` × its estimate after its run.
 */
export interface SweepItemPacing {
  readonly maxRequests: number;
  readonly secondsPerRequest: number;
}

/**
 * What the list input may ask for: `batchSize`, DBs per item of a batched sweep (the Taker's); `pacing`, the item
 * pacing of a share, copy or expire sweep.
 */
export interface SweepListInput {
  readonly batchSize?: number;
  readonly pacing?: SweepItemPacing;
}

/** The list input's options; a malformed `batchSize` or `pacing` is a ConfigError naming the field. */
export function parseSweepListInput(event: unknown, step: string): SweepListInput {
  const e = event as { batchSize?: unknown; pacing?: unknown };
  const out: { batchSize?: number; pacing?: SweepItemPacing } = {};
  const v = e.batchSize;
  if (v !== undefined) {
    if (typeof v !== "number" || !Number.isInteger(v) || v < 1) {
      throw new ConfigError(
        `${step} sweep list input.batchSize must be a whole number of at least 1 (got ${JSON.stringify(v)})`,
      );
    }
    out.batchSize = v;
  }
  if (e.pacing !== undefined) {
    const p = (e.pacing ?? {}) as Record<string, unknown>;
    const { maxRequests, secondsPerRequest } = p;
    if (typeof maxRequests !== "number" || !Number.isInteger(maxRequests) || maxRequests < 1) {
      throw new ConfigError(
        `${step} sweep list input.pacing.maxRequests must be a whole number of at least 1 (got ${JSON.stringify(maxRequests)})`,
      );
    }
    if (typeof secondsPerRequest !== "number" || !Number.isFinite(secondsPerRequest) || secondsPerRequest < 0) {
      throw new ConfigError(
        `${step} sweep list input.pacing.secondsPerRequest must be a number of at least 0 (got ${JSON.stringify(secondsPerRequest)})`,
      );
    }
    out.pacing = { maxRequests, secondsPerRequest };
  }
  return out;
}

/**
 * Longest pause after an item: config/apiBudget.ts MAX_SWEEP_PAUSE_SECONDS (one hour), repeated here so the step
 * Lambdas do not bundle the config schema (tests/unit/apiBudget.test.ts checks they agree).
 */
export const MAX_ITEM_PAUSE_SECONDS = 3600;

/** One DB with work, as the list step of a share, copy or expire sweep knows it ({@link packSweepItems}). */
export interface SweepDb {
  readonly dbId: string;
  readonly kind: DbKind;
  /**
   * Per listing the item will make (in a fixed order: per region and snapshot type), how many of this DB's
   * snapshots the list step's own listing held: the pages the item reads follow from them.
   */
  readonly listed: readonly number[];
  /** RDS requests other than listings the item makes for this DB (the writes the plan has for it). */
  readonly requests: number;
}

/** Listing pages of an item whose DBs had `listed` snapshots per listing: one page at least per listing. */
export function itemPages(listed: readonly number[]): number {
  let pages = 0;
  for (const n of listed) pages += Math.max(1, Math.ceil(n / PAGE_SIZE));
  return pages;
}

/**
 * The items of a share, copy or expire sweep (issue 10 item 1, "page once"): DBs of one kind packed, in identifier
 * order, into items whose snapshots fill about one page per listing ({@link PAGE_SIZE} items: the item's listing
 * with one multi-valued `db-instance-id` / `db-cluster-id` filter then reads one page, as the list step's listing
 * of those snapshots did). Precisely, a DB joins the current item while the item then reads fewer pages than the two
 * would apart ({@link itemPages}): with one listing (share, source expire) that is "at most one page", and where an
 * item makes several listings of which some hold few snapshots (copy: its home and DR-region manual listings), it
 * keeps filling those near-empty pages even once the fullest listing takes more than one page. Items have at most
 * {@link SNAPSHOT_FILTER_MAX_VALUES} DBs (config/assumptions.ts), and, with `pacing`, estimated requests (pages plus
 * each DB's `requests`) within `pacing.maxRequests`; each such item also gets its `pauseSeconds`. A DB whose requests
 * alone exceed the allowance gets an item of its own. Items are sorted by kind (instances first), then first DB;
 * duplicates (same DB and kind: one entry per snapshot or action) are merged, their requests added.
 */
export function packSweepItems(dbs: Iterable<SweepDb>, pacing?: SweepItemPacing): SweepList {
  const merged = new Map<string, SweepDb>();
  for (const d of dbs) {
    if (d.dbId === "") continue;
    const key = `${d.kind}|${d.dbId}`;
    const prev = merged.get(key);
    merged.set(
      key,
      prev
        ? {
            ...d,
            listed: d.listed.map((n, i) => Math.max(n, prev.listed[i] ?? 0)),
            requests: prev.requests + d.requests,
          }
        : d,
    );
  }
  const sorted = [...merged.values()].sort((a, b) =>
    a.kind !== b.kind ? (a.kind < b.kind ? 1 : -1) : a.dbId < b.dbId ? -1 : a.dbId > b.dbId ? 1 : 0,
  );
  const items: SweepItem[] = [];
  let current: { kind: DbKind; dbIds: string[]; listed: number[]; requests: number } | undefined;
  const cost = (c: { listed: readonly number[]; requests: number }) => itemPages(c.listed) + c.requests;
  const flush = () => {
    if (!current) return;
    const pause = pacing
      ? { pauseSeconds: Math.min(MAX_ITEM_PAUSE_SECONDS, Math.ceil(cost(current) * pacing.secondsPerRequest)) }
      : {};
    items.push({ dbId: current.dbIds[0]!, dbKind: current.kind, dbIds: current.dbIds, ...pause });
    current = undefined;
  };
  for (const d of sorted) {
    if (current) {
      const listed = current.listed.map((n, i) => n + (d.listed[i] ?? 0));
      const fits =
        current.kind === d.kind &&
        current.dbIds.length < SNAPSHOT_FILTER_MAX_VALUES &&
        // Together they read fewer pages than apart: a listing's page holds the newcomer's snapshots (or the
        // newcomer has none there), and no other listing needs more pages than that saves.
        itemPages(listed) < itemPages(current.listed) + itemPages(d.listed) &&
        (!pacing || cost({ listed, requests: current.requests + d.requests }) <= pacing.maxRequests);
      if (fits) {
        current.dbIds.push(d.dbId);
        current.listed = listed;
        current.requests += d.requests;
        continue;
      }
      flush();
    }
    current = { kind: d.kind, dbIds: [d.dbId], listed: [...d.listed], requests: d.requests };
  }
  flush();
  return { items };
}

/** The DBs a multi-DB item input names (`dbIds`, with its `dbKind`), or undefined when it names none. */
export interface DbsScope {
  readonly dbIds: readonly string[];
  readonly dbKind?: DbKind;
}

/**
 * The `dbIds` of a multi-DB item input ({@link packSweepItems}), or undefined when the input has none; a malformed
 * list (not 1 to {@link SNAPSHOT_FILTER_MAX_VALUES} DB identifiers) or `dbKind` is a ConfigError naming the field.
 */
export function parseDbsScope(event: unknown, step: string): DbsScope | undefined {
  if (!event || typeof event !== "object" || Array.isArray(event)) return undefined;
  const v = (event as Record<string, unknown>).dbIds;
  if (v === undefined) return undefined;
  if (
    !Array.isArray(v) ||
    v.length === 0 ||
    v.length > SNAPSHOT_FILTER_MAX_VALUES ||
    v.some((id) => typeof id !== "string" || !DB_ID.test(id))
  ) {
    throw new ConfigError(
      `${step} input dbIds must be 1 to ${SNAPSHOT_FILTER_MAX_VALUES} DB instance or cluster identifiers (got ${JSON.stringify(v)})`,
    );
  }
  const dbKind = parseDbKind(event, step);
  return { dbIds: [...new Set(v as string[])], ...(dbKind ? { dbKind } : {}) };
}

const DB_ID = /^[A-Za-z][A-Za-z0-9-]{0,62}$/;

/**
 * The failures of a multi-DB item's run with each one's DB in its message (`DB <id>: ...`), so the sweep's report
 * names the failed DBs of the item ({@link reportSweep}); `dbOf` maps a failure's id (a snapshot) to its DB.
 */
export function withDbNames(failures: readonly ItemFailure[], dbOf: (id: string) => string | undefined): ItemFailure[] {
  return failures.map((f) => {
    const db = dbOf(f.id);
    return db ? { ...f, message: `DB ${db}: ${f.message}` } : f;
  });
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
  const dbsOf = (r: SweepItemResult) => (Array.isArray(r?.dbIds) && r.dbIds.length > 0 ? r.dbIds : [r?.dbId]);
  const dbs = (results as SweepItemResult[]).reduce((n, r) => n + dbsOf(r).length, 0);
  const failedDbs = (results as SweepItemResult[])
    .filter((r) => r && typeof r.error === "string")
    .flatMap((r) => failedDbsOf(r, dbsOf(r).map(String)));
  if (failedDbs.length === 0) return { dbs, items: results.length, failed: 0 };
  const named = failedDbs.slice(0, REPORTED_FAILURES);
  const more = failedDbs.length - named.length;
  throw new PartialFailureError(
    `${step} sweep (${failedDbs.length} of ${dbs} DBs${more > 0 ? `, first ${named.length} named` : ""})`,
    named,
  );
}

/** Characters of a failed item's cause kept in each failure's message. */
const CAUSE_EXCERPT = 300;

/**
 * The DBs of a failed item, each with the item's error: every DB of the item that its error message names (the
 * handlers name a failed item's DB), or every DB of the item when the message names none of them (the item failed
 * as a whole: a listing, a timeout) or it has one DB only.
 */
function failedDbsOf(r: SweepItemResult, dbs: readonly string[]): ItemFailure[] {
  const text = causeText(r);
  const named = dbs.length > 1 && text ? dbs.filter((id) => namesDb(text, id)) : [];
  const which = named.length > 0 ? named : dbs;
  const excerpt = text ? `: ${text.length > CAUSE_EXCERPT ? `${text.slice(0, CAUSE_EXCERPT)}...` : text}` : "";
  const message =
    dbs.length > 1
      ? `its item (${dbs.length} DBs from ${dbs[0]}) failed${excerpt}; the item's iteration (or child execution) and the Lambda log have the cause`
      : `the DB's run failed${excerpt}; its iteration (or child execution) and the Lambda log have the cause`;
  return which.map((id) => ({ id, error: String(r.error), message }));
}

/** A failed item's error message: a Lambda error's `errorMessage`, a Fail state's cause, or "". */
function causeText(r: SweepItemResult): string {
  const cause = r.caught?.Cause ?? r.cause;
  if (typeof cause !== "string") return "";
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    if (parsed && typeof parsed === "object" && typeof parsed.errorMessage === "string") return parsed.errorMessage;
  } catch {
    // Not JSON: a Fail state's own text.
  }
  return cause;
}

/** Whether `text` names DB `id` as a whole identifier (not inside a longer identifier or snapshot name). */
function namesDb(text: string, id: string): boolean {
  const lower = text.toLowerCase();
  const want = id.toLowerCase();
  for (let at = lower.indexOf(want); at >= 0; at = lower.indexOf(want, at + 1)) {
    const before = at > 0 ? lower[at - 1]! : " ";
    const after = lower[at + want.length] ?? " ";
    if (!/[a-z0-9-]/.test(before) && !/[a-z0-9-]/.test(after)) return true;
  }
  return false;
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

/**
 * Listed snapshots per kind and DB: `<kind>|<dbId>` (with `lower`, the identifier lowercased) -> how many. Counted per
 * kind and identifier as listed first, so a key string is made once per DB, not once per listed snapshot (a list
 * step counts every snapshot of its region); keys that lowercase alike are summed.
 */
export function countListed(snapshots: readonly Snapshot[], lower = false): Map<string, number> {
  // One counter object per kind and DB, so a snapshot costs one lookup (no get-then-set); consecutive snapshots of
  // one kind (the listings return instances, then clusters) reuse the kind's map.
  const byKind = new Map<string, Map<string, { n: number }>>();
  let lastKind: string | undefined;
  let byDb: Map<string, { n: number }> | undefined;
  for (let i = 0; i < snapshots.length; i++) {
    const s = snapshots[i]!;
    if (s.kind !== lastKind || byDb === undefined) {
      lastKind = s.kind;
      byDb = byKind.get(s.kind);
      if (byDb === undefined) {
        byDb = new Map();
        byKind.set(s.kind, byDb);
      }
    }
    const c = byDb.get(s.dbId);
    if (c === undefined) byDb.set(s.dbId, { n: 1 });
    else c.n++;
  }
  const counts = new Map<string, number>();
  for (const [kind, dbs] of byKind) {
    for (const [dbId, c] of dbs) {
      const k = `${kind}|${lower ? dbId.toLowerCase() : dbId}`;
      counts.set(k, (counts.get(k) ?? 0) + c.n);
    }
  }
  return counts;
}
