/**
 * Sharer (source account): shares our available source snapshots with every DR account, tells the DR accounts'
 * event buses, and marks each snapshot so later sweeps skip it without an attribute call.
 *
 * Order per snapshot: check the key (KeyManager, cached per container) -> add the DR accounts (idempotent, no read
 * first) -> announce -> tag. The tag comes last so a snapshot
 * whose announcement failed is announced again by the next run (the Copier is idempotent: its copy ids are
 * deterministic), rather than silently never copied.
 */
import { PutEventsCommand, type PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import {
  AddTagsToResourceCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBClusterSnapshotAttributeCommand,
  ModifyDBSnapshotAttributeCommand,
  type RDSClient,
} from "@aws-sdk/client-rds";
import { SHARED_SNAPSHOT_QUOTA_EXCEEDED, SNAPSHOT_INVALID_STATE, SNAPSHOT_NOT_FOUND } from "../lib/awsErrors";
import type { AwsClients } from "../lib/clients";
import { makeBudget, type RunContext } from "../lib/deadline";
import {
  asTransient,
  ConfigError,
  errorMessage,
  errorName,
  type ItemFailure,
  inContext,
  ShareLimitError,
  SnapshotNotFoundError,
  TransientAwsError,
  withContext,
} from "../lib/errors";
import { isValidSnapshotId } from "../lib/identifiers";
import { type KeyManagerCache, keyManagerCache } from "../lib/keyManagers";
import type { HandlerDeps } from "../lib/lambda";
import { type DbKind, fromDbClusterSnapshot, fromDbSnapshot, parseArn, type Snapshot } from "../lib/model";
import { MetricUnit } from "../lib/powertools";
import { listSnapshots } from "../lib/rds";
import { forEachItem, throwIfFailedOrRetry } from "../lib/runner";
import { parseDbKind, parseDbScope, parseDbsScope, withDbNames } from "../lib/sweep";
import { TAG } from "../lib/tags";
import type { ShareConfig } from "./config";
import { reportDeletedDbs } from "./deletedDbs";
import {
  accountsToAdd,
  chunk,
  MAX_PUT_EVENTS_ENTRIES,
  planShare,
  SHARED_EVENT_DETAIL_TYPE,
  SHARED_EVENT_SOURCE,
  sharedEventDetail,
  sharedSetValue,
} from "./plan";
import { findRevokedShares, newestTaggedPerDb, readRestoreAccounts } from "./revoked";

/** Step name used in errors and logs. */
export const STEP = "share";

/** RDS EventBridge detail-types that start the Sharer, and the snapshot kind each one is about. */
export const RDS_SNAPSHOT_EVENT_KINDS: Readonly<Record<string, DbKind>> = {
  "RDS DB Snapshot Event": "instance",
  "RDS DB Cluster Snapshot Event": "cluster",
};

/** What the event asks for: one snapshot (from a scope or an RDS event) or a sweep (undefined). */
export interface ShareScope {
  readonly snapshotId: string;
  /** Known from an RDS event's detail-type; undefined for `{ snapshotId }` (both kinds are looked up). */
  readonly kind?: DbKind;
  /** `event` when an RDS event named it: a missing or foreign snapshot is then ignored, not an error. */
  readonly from: "scope" | "event";
}

/** What a run did; small enough for a Choice state. Counts are snapshots. */
export interface ShareSummary {
  /**
   * Snapshots whose `restore` attribute this run made include every DR account (one idempotent
   * ModifyDB(Cluster)SnapshotAttribute each; an account that was there already is not told apart).
   */
  readonly shared: number;
  /** Snapshots already shared with every DR account, known from their `rpl-shared-set` tag (no call made). */
  readonly alreadyShared: number;
  /** Our source snapshots still `creating`: run again later. */
  readonly pending: number;
  /** Snapshots announced on every configured DR event bus this run. */
  readonly notified: number;
  /** Snapshots that failed (the run then fails naming them). */
  readonly failed: number;
  /** Listed snapshots that are not ours, not source copies or not in a shareable state. */
  readonly ignored: number;
  /**
   * Snapshots to share that this run did not start because its time budget ran out (newest of every DB first, so
   * these are the oldest); the state machine runs the step again while > 0 (bounded), else the next run does them.
   */
  readonly leftPending: number;
  /** Identifiers of the snapshots shared (or found shared), announced and tagged in this run. */
  readonly snapshotIds: readonly string[];
}

/** PutEvents per-entry error codes worth a retry. */
const TRANSIENT_ENTRY_ERRORS: ReadonlySet<string> = new Set([
  "ThrottlingException",
  "InternalFailure",
  "InternalException",
]);

type ShareOutcome = {
  readonly snapshot: Snapshot;
  readonly state: "shared" | "pending" | "gone";
  readonly added: readonly string[];
};

/** Builds the Sharer around injected clients, clock, config and observability. */
export function makeHandler(
  deps: HandlerDeps<ShareConfig>,
): (event?: unknown, run?: RunContext) => Promise<ShareSummary> {
  const { config, obs } = deps;
  // One DescribeKey per key for the life of this handler, i.e. of the Lambda container (lib/keyManagers.ts).
  const keyManagers = keyManagerCache(deps.clients);
  return async (event, run) => {
    const budget = makeBudget(deps.clock, run);
    const scope = parseShareEvent(event);
    const rds = deps.clients.rds(config.region);
    if (scope) obs.logger.appendKeys({ snapshotId: scope.snapshotId });

    // A sweep item of the fanned-out sweep (functions/lib/sweep.ts) is `{ dbIds, dbKind }` (several DBs, one
    // listing with a multi-valued filter) or `{ dbId }`: list those DBs' snapshots only. Its `dbKind` (when the list
    // step sends it) narrows the listing to that kind.
    const dbs = scope ? undefined : parseDbsScope(event, STEP);
    const dbId = scope || dbs ? undefined : parseDbScope(event, STEP);
    const dbKind = dbs ? dbs.dbKind : dbId ? parseDbKind(event, STEP) : undefined;
    const only = dbs ? { dbIds: dbs.dbIds } : dbId ? { dbId } : {};
    const revokedIds = dbs ? revokedOfItem(event) : undefined;
    const snapshots = scope
      ? await findSnapshot(rds, scope)
      : await aws(`${STEP}: DescribeDBSnapshots/DescribeDBClusterSnapshots (manual) in ${config.region}`, () =>
          listSnapshots(rds, { type: "manual", ...only, ...(dbKind ? { kind: dbKind } : {}) }),
        );
    let plan = planShare({ snapshots, drAccounts: config.drAccounts });
    if (scope) for (const i of plan.ignored) obs.logger.info("snapshot ignored", { ...i });
    // A sweep (or a sweep's DB) also checks that each DB's newest tagged share still names every DR account. A
    // multi-DB item does not read the attributes again: its list step did, and the item carries what it found.
    const verifying = scope
      ? undefined
      : revokedIds
        ? { revoked: revokedIds.size > 0 ? snapshots.filter((s) => revokedIds.has(s.id)) : [], failures: [] }
        : await findRevokedShares(rds, newestTaggedPerDb(plan, snapshots), config.drAccounts);
    // A check that failed leaves the tag trusted until the next sweep: logged and counted, not a failed run.
    const checkFailures = verifying?.failures ?? [];
    for (const f of checkFailures) obs.logger.error("share check failed", { ...f });
    if (verifying && verifying.revoked.length > 0) {
      obs.logger.warn("share revoked outside the tool; sharing again", {
        snapshotIds: verifying.revoked.map((s) => s.id),
      });
      obs.metrics.addMetric("SharesRevoked", MetricUnit.Count, verifying.revoked.length);
      plan = planShare({
        snapshots,
        drAccounts: config.drAccounts,
        revoked: new Set(verifying.revoked.map((s) => s.id)),
      });
    }

    // Batches of one PutEvents call: each batch is shared, announced and tagged before the next starts, so a run cut
    // short by its budget has recorded everything it finished (the tag makes the next run skip it without a call).
    const outcomes: ShareOutcome[] = [];
    const announced: Snapshot[] = [];
    const allFailures: ItemFailure[] = [];
    let leftPending = 0;
    for (const [b, batch] of chunk(plan.toShare, MAX_PUT_EVENTS_ENTRIES).entries()) {
      const sharing = await forEachItem(
        batch,
        (s) => s.id,
        (s) => shareOne(rds, keyManagers, config, s),
        budget,
      );
      const done = sharing.results.flatMap((r) => (r.ok && r.value ? [r.value] : []));
      for (const o of done) {
        if (o.state === "shared")
          obs.logger.info("snapshot shared", {
            snapshotId: o.snapshot.id,
            dbId: o.snapshot.dbId,
            accounts: o.added,
          });
      }
      outcomes.push(...done);
      const toAnnounce = done.filter((o) => o.state === "shared").map((o) => o.snapshot);
      const eventFailures = await announce(deps.clients, config.eventBusArns, toAnnounce);
      const batchAnnounced = toAnnounce.filter((s) => !eventFailures.has(s.id));
      // Tagging is cheap and marks the work done: it is not cut short by the budget (only by the abort signal).
      const tagging = await forEachItem(
        batchAnnounced,
        (s) => s.id,
        (s) => markShared(rds, s, config.drAccounts),
      );
      const tagged = new Set(tagging.results.filter((r) => r.ok).map((r) => r.id));
      announced.push(...batchAnnounced.filter((s) => tagged.has(s.id)));
      allFailures.push(
        ...sharing.failures,
        ...[...eventFailures].map(([id, f]) => ({ id, ...f })),
        ...tagging.failures,
      );
      if (sharing.leftPending > 0 || budget.exhausted()) {
        const started = b * MAX_PUT_EVENTS_ENTRIES + batch.length - sharing.leftPending;
        leftPending = plan.toShare.length - started;
        break;
      }
    }
    // A sweep that finished its shares also reports DBs deleted in production (functions/share/deletedDbs.ts); a
    // per-DB item does not (it saw one DB's snapshots only; the sweep's list step reports them, functions/share/sweep.ts).
    if (!scope && dbId === undefined && !dbs && leftPending === 0 && !budget.exhausted()) {
      const now = deps.clock();
      const deleted = await reportDeletedDbs(deps, rds, { ...config, now }, snapshots);
      allFailures.push(...deleted.failures);
    }
    for (const f of allFailures)
      obs.logger.error("snapshot share failed", { snapshotId: f.id, error: f.error, message: f.message });
    if (leftPending > 0) {
      obs.logger.warn("share stopped before its deadline; the rest is left for the next run", {
        leftPending,
        aborted: budget.aborted(),
      });
    }

    const shared = outcomes.filter((o) => o.state === "shared").length;
    obs.metrics.addMetric("SnapshotsShared", MetricUnit.Count, shared);
    obs.metrics.addMetric("StepFailures", MetricUnit.Count, allFailures.length + checkFailures.length);
    if (allFailures.length > 0) obs.metrics.addMetadata("failedSnapshots", allFailures.map((f) => f.id).join(","));

    const summary: ShareSummary = {
      shared,
      alreadyShared: plan.alreadyShared.length,
      pending: plan.pending.length + outcomes.filter((o) => o.state === "pending").length,
      notified: config.eventBusArns.length > 0 ? announced.length : 0,
      failed: new Set(allFailures.map((f) => f.id)).size,
      ignored: plan.ignored.length + outcomes.filter((o) => o.state === "gone").length,
      leftPending,
      snapshotIds: announced.map((s) => s.id),
    };
    obs.logger.info("share finished", { summary });
    // A multi-DB item names each failure's DB, so the sweep's report names the DBs that failed (functions/lib/sweep.ts).
    if (dbs && allFailures.length > 0) {
      const dbOf = new Map(snapshots.map((s) => [s.id, s.dbId]));
      throwIfFailedOrRetry(
        STEP,
        withDbNames(allFailures, (id) => dbOf.get(id)),
      );
    }
    throwIfFailedOrRetry(STEP, allFailures);
    return summary;
  };
}

/**
 * Reads the scope from `{ snapshotId }` or an RDS snapshot event (`detail.SourceIdentifier`); anything else
 * without those fields is a sweep. A malformed scope is a ConfigError naming the field.
 */
export function parseShareEvent(event: unknown): ShareScope | undefined {
  if (!event || typeof event !== "object") return undefined;
  const e = event as Record<string, unknown>;
  if ("detail-type" in e) {
    const detailType = e["detail-type"];
    const kind = typeof detailType === "string" ? RDS_SNAPSHOT_EVENT_KINDS[detailType] : undefined;
    if (!kind) {
      throw new ConfigError(
        `share event detail-type must be one of ${Object.keys(RDS_SNAPSHOT_EVENT_KINDS)
          .map((k) => `"${k}"`)
          .join(", ")} (got ${JSON.stringify(detailType)}); fix the EventBridge rule pattern`,
      );
    }
    const detail = e.detail as Record<string, unknown> | undefined;
    const raw = detail?.SourceIdentifier;
    if (typeof raw !== "string" || raw === "") {
      throw new ConfigError(
        `share event detail.SourceIdentifier must be the snapshot identifier (got ${JSON.stringify(raw)})`,
      );
    }
    // Some RDS events carry the ARN; the identifier is its last segment.
    const snapshotId = raw.startsWith("arn:") ? (raw.split(":").pop() ?? raw) : raw;
    return { snapshotId, kind, from: "event" };
  }
  if (e.snapshotId === undefined) return undefined;
  const v = e.snapshotId;
  if (typeof v !== "string" || !isValidSnapshotId(v, "instance")) {
    throw new ConfigError(`share event.snapshotId must be an RDS snapshot identifier (got ${JSON.stringify(v)})`);
  }
  return { snapshotId: v, from: "scope" };
}

/**
 * The snapshots a multi-DB sweep item's list step found revoked (`revoked`, functions/share/sweep.ts); a malformed
 * value is a ConfigError naming the field.
 */
export function revokedOfItem(event: unknown): ReadonlySet<string> {
  const v = (event as { revoked?: unknown }).revoked;
  if (v === undefined) return new Set();
  if (!Array.isArray(v) || v.some((id) => typeof id !== "string" || !isValidSnapshotId(id, "instance"))) {
    throw new ConfigError(`${STEP} input revoked must be a list of snapshot identifiers (got ${JSON.stringify(v)})`);
  }
  return new Set(v as string[]);
}

/** Looks up one snapshot by identifier (both kinds unless the event says which). */
async function findSnapshot(rds: RDSClient, scope: ShareScope): Promise<Snapshot[]> {
  const out: Snapshot[] = [];
  const notFound = (err: unknown) => {
    if (!SNAPSHOT_NOT_FOUND.has(errorName(err)))
      throw withContext(err, `${STEP}: DescribeDBSnapshots/DescribeDBClusterSnapshots for ${scope.snapshotId}`);
  };
  if (scope.kind !== "cluster") {
    try {
      const r = await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: scope.snapshotId }));
      out.push(...(r.DBSnapshots ?? []).map(fromDbSnapshot));
    } catch (err) {
      notFound(err);
    }
  }
  if (scope.kind !== "instance") {
    try {
      const r = await rds.send(
        new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: scope.snapshotId }),
      );
      out.push(...(r.DBClusterSnapshots ?? []).map(fromDbClusterSnapshot));
    } catch (err) {
      notFound(err);
    }
  }
  if (out.length === 0 && scope.from === "scope") {
    throw new SnapshotNotFoundError(
      `share: no DB snapshot or DB cluster snapshot named ${scope.snapshotId} in this account and region`,
    );
  }
  return out;
}

async function shareOne(
  rds: RDSClient,
  keyManagers: KeyManagerCache,
  config: ShareConfig,
  s: Snapshot,
): Promise<ShareOutcome> {
  if (s.encrypted && s.kmsKeyId) {
    let km: string | undefined;
    try {
      km = await keyManagers.get(s.region || config.region, s.kmsKeyId);
    } catch (err) {
      throw withContext(err, `${STEP}: KMS DescribeKey ${s.kmsKeyId} for ${s.id} (DB ${s.dbId})`);
    }
    // RDS cannot share snapshots encrypted with the AWS managed key aws/rds (sharing user guide).
    if (km === "AWS") {
      throw new ShareLimitError(
        `snapshot ${s.id} is encrypted with the AWS managed key aws/rds (${s.kmsKeyId}), which cannot be shared with another account; ` +
          `encrypt DB ${s.dbId} with a customer managed KMS key whose policy allows the DR accounts`,
      );
    }
  }
  // No DescribeDBSnapshotAttributes first: `ValuesToAdd` adds the accounts to the `restore` attribute, so naming an
  // account that is already there changes nothing (ModifyDBSnapshotAttribute API reference), and RDS itself refuses
  // a 21st account with SharedSnapshotQuotaExceeded. The attribute is read only then, to name the accounts.
  const accounts = [...new Set(config.drAccounts)].sort();
  try {
    if (s.kind === "instance") {
      await rds.send(
        new ModifyDBSnapshotAttributeCommand({
          DBSnapshotIdentifier: s.id,
          AttributeName: "restore",
          ValuesToAdd: accounts,
        }),
      );
    } else {
      await rds.send(
        new ModifyDBClusterSnapshotAttributeCommand({
          DBClusterSnapshotIdentifier: s.id,
          AttributeName: "restore",
          ValuesToAdd: accounts,
        }),
      );
    }
    return { snapshot: s, state: "shared", added: accounts };
  } catch (err) {
    const name = errorName(err);
    if (SNAPSHOT_NOT_FOUND.has(name)) return { snapshot: s, state: "gone", added: [] };
    if (SNAPSHOT_INVALID_STATE.has(name)) return { snapshot: s, state: "pending", added: [] };
    if (SHARED_SNAPSHOT_QUOTA_EXCEEDED.has(name)) throw await shareLimitError(rds, s, config, err);
    throw withContext(
      err,
      `${STEP}: ${s.kind === "instance" ? "ModifyDBSnapshotAttribute" : "ModifyDBClusterSnapshotAttribute"} for ${s.id} (DB ${s.dbId})`,
    );
  }
}

/**
 * The error for a share RDS refused with SharedSnapshotQuotaExceeded: reads the `restore` attribute (the one read
 * this path needs) so the message names the accounts already there and the ones that did not fit.
 */
async function shareLimitError(rds: RDSClient, s: Snapshot, config: ShareConfig, cause: unknown): Promise<Error> {
  const rdsSays = `sharing ${s.id} hit the RDS shared-snapshot quota: ${errorMessage(cause)}`;
  let current: string[];
  try {
    current = await readRestoreAccounts(rds, s);
  } catch {
    return new ShareLimitError(rdsSays, { cause });
  }
  try {
    accountsToAdd(s.id, current, config.drAccounts);
  } catch (limit) {
    if (limit instanceof ShareLimitError) return new ShareLimitError(limit.message, { cause });
    throw limit;
  }
  return new ShareLimitError(rdsSays, { cause });
}

/**
 * Puts one event per snapshot on every bus, 10 entries per call, in the bus's own region. Returns the failures
 * per snapshot id (a snapshot fails when any bus did not take its event).
 */
async function announce(
  clients: AwsClients,
  busArns: readonly string[],
  snapshots: readonly Snapshot[],
): Promise<Map<string, { error: string; message: string }>> {
  const failed = new Map<string, { error: string; message: string }>();
  const fail = (id: string, error: string, message: string) => {
    const prev = failed.get(id);
    // Permanent beats transient, so a mixed failure is not retried forever.
    const err = prev && prev.error !== "TransientAwsError" ? prev.error : error;
    failed.set(id, { error: err, message: prev ? `${prev.message}; ${message}` : message });
  };
  for (const bus of busArns) {
    const events = clients.events(parseArn(bus).region);
    for (const batch of chunk(snapshots, MAX_PUT_EVENTS_ENTRIES)) {
      const Entries: PutEventsRequestEntry[] = batch.map((s) => ({
        EventBusName: bus,
        Source: SHARED_EVENT_SOURCE,
        DetailType: SHARED_EVENT_DETAIL_TYPE,
        Resources: [s.arn],
        Detail: JSON.stringify(sharedEventDetail(s)),
      }));
      try {
        const r = await events.send(new PutEventsCommand({ Entries }));
        if ((r.FailedEntryCount ?? 0) === 0) continue;
        batch.forEach((s, i) => {
          const entry = r.Entries?.[i];
          if (entry && !entry.ErrorCode && entry.EventId) return;
          const code = entry?.ErrorCode ?? "UnknownError";
          fail(
            s.id,
            TRANSIENT_ENTRY_ERRORS.has(code) ? "TransientAwsError" : "EventDeliveryError",
            `event to ${bus} rejected: ${code}: ${entry?.ErrorMessage ?? ""}`,
          );
        });
      } catch (err) {
        const mapped = asTransient(err, `put events to ${bus}`);
        for (const s of batch) {
          fail(
            s.id,
            mapped instanceof TransientAwsError ? "TransientAwsError" : errorName(err),
            `event to ${bus} failed: ${errorMessage(err)}`,
          );
        }
      }
    }
  }
  return failed;
}

async function markShared(rds: RDSClient, s: Snapshot, accounts: readonly string[]): Promise<void> {
  try {
    await rds.send(
      new AddTagsToResourceCommand({
        ResourceName: s.arn,
        Tags: [{ Key: TAG.sharedSet, Value: sharedSetValue(accounts) }],
      }),
    );
  } catch (err) {
    throw withContext(err, `${STEP}: AddTagsToResource (${TAG.sharedSet}) for ${s.id}`);
  }
}

/** Runs one AWS call (or listing), naming step, call and item in any error it throws. */
const aws = inContext;
