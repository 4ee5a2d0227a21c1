/**
 * The items of a take sweep (issue 10; docs/steps.md "Sweeps fan out per DB"): the list step plans the whole sweep
 * once (one DB listing, the quota read, the snapshot listing only when the headroom is short) and hands each Map item
 * a batch of creates, stalest DBs first (planTake's order). An item only creates: RDS refuses a second create under
 * the slot's identifier (DBSnapshotAlreadyExists = the slot is covered,
 * https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBSnapshot.html), so it needs no read.
 *
 * An item carries only what the creates need, so 1,000 DBs stay far below Step Functions' 256 KiB payload limit
 * (https://docs.aws.amazon.com/step-functions/latest/dg/limits-overview.html): per DB its identifier and kind, per
 * batch the recovery point and the DBs' account and region; the snapshot identifier and tags are rebuilt from them
 * with the planner's own functions. DBs the quota headroom holds back travel in one last item, which fails naming
 * them (as a one-Lambda sweep did).
 */
import { ConfigError } from "../lib/errors";
import { slotStart, sourceSnapshotId } from "../lib/identifiers";
import type { DbKind } from "../lib/model";
import type { SweepItem, SweepList } from "../lib/sweep";
import { TAG } from "../lib/tags";
import type { TakeConfig } from "./config";
import { type CreateAction, type QuotaBlock, type TakePlan, takeTagsFor } from "./plan";

/** One create of a batch. */
export interface BatchCreate {
  readonly dbId: string;
  readonly kind: DbKind;
}

/** A take sweep's Map item: creates for up to `batchSize` DBs, or the DBs the quota headroom held back. */
export interface TakeBatch extends SweepItem {
  /** The batch's first DB: names the item in the sweep's report. */
  readonly dbId: string;
  /** The list step's instant: the recovery point (tag) and, through its slot, each snapshot's identifier. */
  readonly at: string;
  /** Account and region of the DBs (their ARNs'): the snapshots' source tags. */
  readonly account: string;
  readonly region: string;
  /** Creates, stalest DB first. */
  readonly creates: readonly BatchCreate[];
  /** DBs held back by the quota headroom (last item only): the item fails naming them. */
  readonly blocked?: readonly QuotaBlock[];
}

/** Splits a sweep's plan into items of at most `batchSize` creates each, in the plan's (stalest-first) order. */
export function takeBatches(plan: TakePlan, at: Date, batchSize: number): SweepList<TakeBatch> {
  const size = Math.max(1, Math.floor(batchSize));
  const items: TakeBatch[] = [];
  let current: { account: string; region: string; creates: BatchCreate[] } | undefined;
  const flush = () => {
    if (current && current.creates.length > 0) {
      items.push({ dbId: current.creates[0]!.dbId, at: at.toISOString(), ...current });
    }
    current = undefined;
  };
  for (const a of plan.create) {
    const account = a.tags[TAG.sourceAccount] ?? "";
    const region = a.tags[TAG.sourceRegion] ?? "";
    if (current && (current.creates.length >= size || current.account !== account || current.region !== region)) {
      flush();
    }
    current ??= { account, region, creates: [] };
    current.creates.push({ dbId: a.dbId, kind: a.kind });
  }
  flush();
  if (plan.quotaBlocked.length > 0) {
    const first = plan.quotaBlocked[0]!;
    items.push({
      dbId: first.dbId,
      at: at.toISOString(),
      account: "",
      region: "",
      creates: [],
      blocked: plan.quotaBlocked,
    });
  }
  return { items };
}

/** The plan of one batch item: its creates rebuilt as the planner made them, and its quota-blocked DBs. */
export function planOfBatch(batch: TakeBatch, config: Pick<TakeConfig, "intervalMinutes">): TakePlan {
  const at = new Date(batch.at);
  const slot = slotStart(at, config.intervalMinutes);
  const create: CreateAction[] = batch.creates.map((c) => ({
    kind: c.kind,
    dbId: c.dbId,
    snapshotId: sourceSnapshotId(c.dbId, slot),
    tags: takeTagsFor(c.dbId, c.kind, batch.account, batch.region, at.toISOString()),
  }));
  return { create, skipped: [], quotaBlocked: [...(batch.blocked ?? [])], upToDate: [], pending: [], ignored: 0 };
}

const DB_ID = /^[A-Za-z][A-Za-z0-9-]{0,62}$/;

/** Reads a batch item from a take input (`creates` present), or undefined for any other input. */
export function parseTakeBatch(event: unknown): TakeBatch | undefined {
  if (!event || typeof event !== "object" || Array.isArray(event) || !("creates" in event)) return undefined;
  const e = event as Record<string, unknown>;
  const fail = (field: string, want: string, got: unknown): never => {
    throw new ConfigError(`take batch input.${field} must be ${want} (got ${JSON.stringify(got)})`);
  };
  if (!Array.isArray(e.creates)) fail("creates", "an array of { dbId, kind }", e.creates);
  (e.creates as unknown[]).forEach((c, i) => {
    const x = (c ?? {}) as Record<string, unknown>;
    if (typeof x.dbId !== "string" || !DB_ID.test(x.dbId)) fail(`creates[${i}].dbId`, "a DB identifier", x.dbId);
    if (x.kind !== "instance" && x.kind !== "cluster") fail(`creates[${i}].kind`, '"instance" or "cluster"', x.kind);
  });
  if (typeof e.at !== "string" || Number.isNaN(Date.parse(e.at))) fail("at", "an ISO 8601 instant", e.at);
  if ((e.creates as unknown[]).length > 0) {
    if (typeof e.account !== "string" || !/^\d{12}$/.test(e.account))
      fail("account", "a 12-digit account id", e.account);
    if (typeof e.region !== "string" || e.region === "") fail("region", "an AWS region", e.region);
  }
  if (e.blocked !== undefined && !Array.isArray(e.blocked)) fail("blocked", "an array of quota blocks", e.blocked);
  if (typeof e.dbId !== "string") fail("dbId", "the batch's first DB identifier", e.dbId);
  return e as unknown as TakeBatch;
}
