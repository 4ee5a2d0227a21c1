// Test oracle: the Copier's planner as it was before its second performance pass (issue 10 item 5), after fan-out
// rewrote it (git show 0bfffca:functions/copy/plan.ts), kept verbatim (only the import paths changed) so
// tests/unit/plannerEquivalence.test.ts can check that the faster planner decides the same in every mode.
/**
 * The Copier's pure planner. From what RDS lists (snapshots shared with the DR account, and the manual snapshots in
 * the home and DR regions) it derives, per recovery point, where its copy stands and which copy or delete to start
 * now. The Copier applies {@link CopyPlan.actions}; the Checker returns only {@link CopyPlan.progress}, so both
 * always agree on what "pending" and "waiting" mean.
 *
 * Pipeline per recovery point (identifier `drCopyId(sourceAccount, dbId, recoveryPoint)` in every region;
 * docs/copy-topology.md):
 * - fan-out (default): shared snapshot -> home-region copy (stage `dr`) and, at the same time, shared snapshot ->
 *   DR-region copy (stage `dr-region`) in one cross-account cross-region CopyDBSnapshot. DB instances only: DB
 *   clusters follow two-step (see {@link isFanOut}).
 * - two-step: shared snapshot -> home-region copy (stage `dr`, DR key) -> DR-region copy (stage `dr-region`, DR-region
 *   key) -> optionally delete the home copy.
 * - direct: shared snapshot -> DR-region copy in one CopyDBSnapshot/CopyDBClusterSnapshot call. The API accepts a
 *   source ARN in another account *and* another region for both kinds:
 *   https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CopyDBSnapshot.html and
 *   https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CopyDBClusterSnapshot.html
 *   (SourceDBSnapshotIdentifier / SourceDBClusterSnapshotIdentifier).
 * - single account (stack role `both`): when `RPL_SOURCE_ACCOUNTS` lists the Lambda's own account, its own manual
 *   `rpl-*` snapshots of stage `source` are sources too. There is no cross-account hop, so they always go straight
 *   into the DR region (stage `dr-region`, DR-region key), whatever the mode.
 *
 * Copy window: a copy *from a source snapshot* of a recovery point older than `RPL_COPY_WINDOW_HOURS` is never
 * started (skipped, `outside-copy-window`). The DR Janitor keeps every copy inside that window, so a copy it deleted
 * by retention is never made again while the source still holds the original.
 */

import type { CopyConfig } from "../../../functions/copy/config";
import type { CopyScope } from "../../../functions/copy/event";
import type { ItemFailure } from "../../../functions/lib/errors";
import { drCopyId, ID_PREFIX } from "../../../functions/lib/identifiers";
import { type DbKind, recoveryPointOf, type Snapshot, stageOf } from "../../../functions/lib/model";
import { IN_PROGRESS_STATUSES, isCopyInFlight } from "../../../functions/lib/rds";
import { isOwned, MANAGED_BY_VALUE, TAG } from "../../../functions/lib/tags";

/** Snapshot statuses that mean "a copy is still running" (defined with the raw count in lib/rds.ts). */
export { IN_PROGRESS_STATUSES };

/** Where the planner's inputs come from (all listed by the handler, nothing else is read). */
export interface CopyPlanInput {
  readonly config: CopyConfig;
  readonly scope: CopyScope;
  /** The run's time (from the handler's clock): the copy window is measured back from it. */
  readonly now: Date;
  /** Snapshots shared with this account, listed in the home region (`SnapshotType: shared`). Tags are empty. */
  readonly shared: readonly Snapshot[];
  /**
   * Manual snapshots in the home region, owned or not (a foreign one can block our identifier). They belong to the
   * Lambda's own account, so in a single-account stack the source-stage ones among them are sources too.
   */
  readonly home: readonly Snapshot[];
  /** Manual snapshots in the DR region; empty when no DR region is configured. */
  readonly regional: readonly Snapshot[];
  /**
   * Owned copies in progress per destination region, counted over a full listing, for a run whose `home`/`regional`
   * listings were narrowed to its scope (the limit counts copies of every DB). Regions left out are counted from
   * `home`/`regional`.
   */
  readonly inFlight?: Readonly<Record<string, number>>;
}

/** Pipeline stage a copy lands in. */
export type CopyStage = "dr" | "dr-region";

/** Start one CopyDBSnapshot / CopyDBClusterSnapshot in `region`. */
export interface CopyAction {
  readonly type: "copy";
  /** `<sourceAccount>/<dbId>`: what a failure is reported against. */
  readonly item: string;
  readonly kind: DbKind;
  readonly stage: CopyStage;
  /** Destination region (the client the call is sent with). */
  readonly region: string;
  /** ARN of the snapshot copied from (always an ARN: the source is shared, or in another region). */
  readonly sourceArn: string;
  readonly targetId: string;
  /** The DR key of the destination region, from the config. Never the source snapshot's key. */
  readonly kmsKeyId: string;
  /** The complete `rpl-*` tag set written on the copy. */
  readonly tags: Readonly<Record<string, string>>;
}

/** Delete the intermediate home-region copy of a recovery point whose DR-region copy is available. */
export interface DeleteIntermediateAction {
  readonly type: "delete-intermediate";
  readonly item: string;
  readonly kind: DbKind;
  readonly region: string;
  readonly snapshotId: string;
  readonly arn: string;
}

/** Anything the Copier does. */
export type CopyPlanAction = CopyAction | DeleteIntermediateAction;

/** Where one recovery point stands. */
export type CopyPhase =
  /** The cross-account copy (home region, or DR region in direct mode) has not started. */
  | "copy-needed"
  /** The home-region copy is running. */
  | "home-in-progress"
  /** The home-region copy is available; the DR-region copy has not started. */
  | "region-copy-needed"
  /** The DR-region copy is running (two-step second leg, or direct copy). */
  | "region-in-progress"
  /** The final copy (DR region if configured, else home region) is available. */
  | "done"
  /** Something needs an operator; see `reason`. */
  | "failed";

/** One recovery point of one source DB. */
export interface CopyItemView {
  readonly item: string;
  readonly targetId: string;
  readonly kind: DbKind;
  readonly sourceAccount: string;
  readonly dbId: string;
  readonly recoveryPoint: Date;
  readonly phase: CopyPhase;
  /** Why the item failed (phase `failed`). */
  readonly failure?: ItemFailure;
}

/** Reason of a snapshot skipped because its recovery point is older than `RPL_COPY_WINDOW_HOURS`. */
export const OUTSIDE_COPY_WINDOW = "outside-copy-window";

/** A source snapshot (shared, or the account's own) that was looked at and left alone, with the reason. */
export interface SkippedSnapshot {
  /** ARN of the source snapshot. */
  readonly id: string;
  readonly reason: string;
  /** Extra context (e.g. the recovery point and the window for {@link OUTSIDE_COPY_WINDOW}). */
  readonly detail?: string;
}

/** What the Checker reports and the Copier's summary is built from. */
export interface CopyProgress {
  /** Recovery points in scope. */
  readonly items: readonly CopyItemView[];
  /** Items neither done nor failed: the state machine should wait and check again while this is > 0. */
  readonly pending: number;
  /** Identifiers of in-scope copies that are running now. */
  readonly inProgress: readonly string[];
  /** Owned copies in progress per destination region (all scopes: the limit is per region). */
  readonly inFlight: Readonly<Record<string, number>>;
  /** Copies that should start but have no free slot (they start on a later run). */
  readonly waiting: number;
  /** Number of actions the Copier would take now (copies within the limit, intermediate deletes). */
  readonly ready: number;
  /** Items the planner already knows cannot proceed. */
  readonly failures: readonly ItemFailure[];
  readonly skipped: readonly SkippedSnapshot[];
  /** False when a scope was given and nothing (shared snapshot or copy) matched it. */
  readonly scopeMatched: boolean;
}

/** The planner's result. */
export interface CopyPlan {
  /** In execution order: intermediate deletes first (they free snapshot quota), then copies by priority. */
  readonly actions: readonly CopyPlanAction[];
  readonly progress: CopyProgress;
}

interface Item {
  readonly key: string;
  readonly item: string;
  readonly targetId: string;
  readonly kind: DbKind;
  readonly sourceAccount: string;
  readonly sourceRegion: string;
  readonly dbId: string;
  readonly recoveryPoint: Date;
  /** The source is the account's own `source`-stage snapshot (single-account stack): copy straight to the DR region. */
  readonly ownSource: boolean;
  source?: Snapshot;
  home?: Snapshot;
  regional?: Snapshot;
}

interface Need {
  readonly item: Item;
  readonly action: CopyAction;
}

const OWN_PREFIX = `${ID_PREFIX}-`;
const HOUR_MS = 3_600_000;

/** Plans one Copier run (pure: no I/O, no clock). */
export function planCopy(input: CopyPlanInput): CopyPlan {
  const { config, scope } = input;
  const skipped: SkippedSnapshot[] = [];
  const items = new Map<string, Item>();
  const keyOf = (kind: DbKind, id: string) => `${kind}:${id}`;

  const addSource = (s: Snapshot, dbId: string, recoveryPoint: Date, ownSource: boolean) => {
    const targetId = drCopyId(s.account, dbId, recoveryPoint);
    const key = keyOf(s.kind, targetId);
    const existing = items.get(key);
    if (existing?.source) {
      skipped.push({ id: s.arn, reason: `maps to ${targetId}, the same DR copy as ${existing.source.arn}` });
      return;
    }
    items.set(key, {
      key,
      item: `${s.account}/${dbId}`,
      targetId,
      kind: s.kind,
      sourceAccount: s.account,
      sourceRegion: s.region,
      dbId,
      recoveryPoint,
      ownSource,
      source: s,
    });
  };
  const inScopeArn = (s: Snapshot) => scope.kind === "snapshot" && scope.snapshotArn === s.arn;
  // Out-of-scope sources are dropped before any identifier is computed: a scoped run costs its own DB, not a sweep.
  const sourceInScope = (s: Snapshot) =>
    scope.kind === "sweep" ||
    (scope.kind === "db"
      ? s.dbId.toLowerCase() === scope.dbId
      : scope.kind === "dbs"
        ? scope.dbIds.includes(s.dbId.toLowerCase())
        : scope.snapshotArn === s.arn);

  for (const s of input.shared) {
    if (!sourceInScope(s)) continue;
    // Other people's shares are none of our business; only report them when the run was asked about them.
    const ignore = (reason: string) => {
      if (inScopeArn(s)) skipped.push({ id: s.arn, reason });
    };
    if (!s.id.startsWith(OWN_PREFIX)) {
      ignore(`identifier does not start with "${OWN_PREFIX}", so rds-pilot-light did not create it`);
      continue;
    }
    if (!config.sourceAccounts.includes(s.account)) {
      ignore(`owner account ${s.account} is not in RPL_SOURCE_ACCOUNTS`);
      continue;
    }
    if (s.status !== "available") {
      ignore(`status is ${s.status}, not available`);
      continue;
    }
    // Shares carry no tags for the receiving account, so the DB and recovery point come from the snapshot itself.
    if (!s.dbId || !s.createdAt) {
      skipped.push({ id: s.arn, reason: "RDS returned no DB identifier or SnapshotCreateTime for it" });
      continue;
    }
    addSource(s, s.dbId, s.createdAt, false);
  }

  // Single account (role `both`): a manual snapshot listed in the home region is owned by the Lambda's own account
  // (its ARN says so), and our Taker tagged it, so the tags give the DB and the recovery point.
  for (const s of input.home) {
    if (s.type !== "manual" || stageOf(s) !== "source" || !config.sourceAccounts.includes(s.account)) continue;
    if (!sourceInScope(s)) continue;
    const ignore = (reason: string) => {
      if (inScopeArn(s)) skipped.push({ id: s.arn, reason });
    };
    if (!s.id.startsWith(OWN_PREFIX)) {
      ignore(`identifier does not start with "${OWN_PREFIX}", so rds-pilot-light did not create it`);
      continue;
    }
    if (s.tags[TAG.sourceAccount] !== s.account) {
      ignore(
        `tag ${TAG.sourceAccount} is ${JSON.stringify(s.tags[TAG.sourceAccount] ?? "")}, not its owner ${s.account}`,
      );
      continue;
    }
    if (!config.drRegion) {
      ignore("the account's own snapshots are copied only into another region; set RPL_DR_REGION");
      continue;
    }
    if (s.status !== "available") {
      ignore(`status is ${s.status}, not available`);
      continue;
    }
    const recoveryPoint = recoveryPointOf(s);
    if (!s.dbId || !recoveryPoint) {
      skipped.push({ id: s.arn, reason: `has no ${TAG.sourceDb} tag or DB identifier, or no recovery point` });
      continue;
    }
    addSource(s, s.dbId, recoveryPoint, true);
  }

  // Our own copies keep their pipeline going even after the shared original has expired at the source.
  const adopt = (s: Snapshot, stage: CopyStage) => {
    if (stageOf(s) !== stage) return;
    if (scope.kind === "db" && s.tags[TAG.sourceDb]?.toLowerCase() !== scope.dbId) return;
    if (scope.kind === "dbs" && !scope.dbIds.includes(s.tags[TAG.sourceDb]?.toLowerCase() ?? "")) return;
    const key = keyOf(s.kind, s.id);
    if (items.has(key)) return;
    const recoveryPoint = recoveryPointOf(s);
    const account = s.tags[TAG.sourceAccount];
    const dbId = s.tags[TAG.sourceDb];
    if (!recoveryPoint || !account || !dbId) return;
    items.set(key, {
      key,
      item: `${account}/${dbId}`,
      targetId: s.id,
      kind: s.kind,
      sourceAccount: account,
      sourceRegion: s.tags[TAG.sourceRegion] ?? "",
      dbId,
      recoveryPoint,
      // The DR-region leg of an adopted item starts from its home copy, never from a source.
      ownSource: false,
    });
  };
  for (const s of input.home) adopt(s, "dr");
  if (config.drRegion) for (const s of input.regional) adopt(s, "dr-region");

  const homeById = new Map(input.home.map((s) => [keyOf(s.kind, s.id), s]));
  const regionalById = new Map(input.regional.map((s) => [keyOf(s.kind, s.id), s]));
  for (const it of items.values()) {
    const h = homeById.get(it.key);
    const r = config.drRegion ? regionalById.get(it.key) : undefined;
    if (h) it.home = h;
    if (r) it.regional = r;
  }

  const inFlight: Record<string, number> = {
    [config.region]: input.inFlight?.[config.region] ?? countInFlight(input.home),
  };
  if (config.drRegion) inFlight[config.drRegion] = input.inFlight?.[config.drRegion] ?? countInFlight(input.regional);

  const scoped = [...items.values()].filter((it) => inScopeOf(it, scope));
  const views: CopyItemView[] = [];
  const needs: Need[] = [];
  const windowStart = input.now.getTime() - config.copyWindowHours * HOUR_MS;
  for (const it of scoped) {
    const outsideWindow = it.recoveryPoint.getTime() < windowStart;
    const assessed = isFanOut(it, config) ? assessFanOut(it, config, outsideWindow) : assess(it, config);
    const { phase, failure } = assessed;
    const itemNeeds = assessed.needs ?? (assessed.need ? [assessed.need] : []);
    // Outside the window the DR Janitor may already have deleted this recovery point's copy by retention; copying it
    // from the source again would only be deleted again, on every sweep. A source-side failure there is moot for the
    // same reason. The DR-region leg from our own home copy is still finished: that copy exists, so retention has
    // not removed this recovery point, and a slow home copy must not strand it without its DR-region copy.
    const fromSourceNow =
      itemNeeds.some((n) => n.sourceArn === it.source?.arn) ||
      failure?.error === "UnencryptedSource" ||
      assessed.outsideWindow === true;
    if (fromSourceNow && outsideWindow) {
      skipped.push({
        // Only copies from a source get here, so the source is set; the identifier is a defensive fallback.
        id: it.source?.arn ?? it.targetId,
        reason: OUTSIDE_COPY_WINDOW,
        detail:
          `recovery point ${it.recoveryPoint.toISOString()} is older than the ${config.copyWindowHours}-hour copy ` +
          `window (RPL_COPY_WINDOW_HOURS) that starts at ${new Date(windowStart).toISOString()}`,
      });
      continue;
    }
    views.push({
      item: it.item,
      targetId: it.targetId,
      kind: it.kind,
      sourceAccount: it.sourceAccount,
      dbId: it.dbId,
      recoveryPoint: it.recoveryPoint,
      phase,
      ...(failure ? { failure } : {}),
    });
    for (const action of itemNeeds) needs.push({ item: it, action });
  }

  // Intermediate deletes: only our own `dr` copy, only once its DR-region copy is available, and never while any
  // copy still reads from it (deleting a copy's source fails or cancels that copy).
  const deletes: DeleteIntermediateAction[] = [];
  if (config.deleteIntermediate && config.drRegion) {
    const sources = new Set<string>();
    for (const s of [...input.home, ...input.regional]) {
      if (!IN_PROGRESS_STATUSES.has(s.status)) continue;
      if (s.copiedFrom) sources.add(s.copiedFrom);
      const tagged = s.tags[TAG.copiedFrom];
      if (tagged) sources.add(tagged);
    }
    for (const it of scoped) {
      const h = it.home;
      const r = it.regional;
      if (!h || !r || r.status !== "available" || !isOwnedCopy(r, "dr-region")) continue;
      if (!isOwnedCopy(h, "dr") || h.status !== "available" || sources.has(h.arn)) continue;
      deletes.push({
        type: "delete-intermediate",
        item: it.item,
        kind: h.kind,
        region: config.region,
        snapshotId: h.id,
        arn: h.arn,
      });
    }
  }

  const copies: CopyAction[] = [];
  let waiting = 0;
  const newestDone = newestDonePerDb(views);
  for (const region of Object.keys(inFlight)) {
    const inRegion = needs.filter((n) => n.action.region === region);
    const ordered = prioritize(inRegion, newestDone);
    const free = Math.max(0, config.maxCopiesInFlight - (inFlight[region] ?? 0));
    copies.push(...ordered.slice(0, free).map((n) => n.action));
    waiting += Math.max(0, ordered.length - free);
  }

  const failures = views.flatMap((v) => (v.failure ? [v.failure] : []));
  const scopeMatched = scope.kind === "sweep" || scoped.length > 0 || skipped.length > 0;
  return {
    actions: [...deletes, ...copies],
    progress: {
      items: views,
      pending: views.filter((v) => v.phase !== "done" && v.phase !== "failed").length,
      inProgress: views.filter((v) => v.phase.endsWith("in-progress")).map((v) => v.targetId),
      inFlight,
      waiting,
      ready: deletes.length + copies.length,
      failures,
      skipped,
      scopeMatched,
    },
  };
}

/**
 * Owned copies running in one region. A Taker snapshot being created (stage `source`) is not a copy. Same rule as
 * the raw count `countCopiesInFlight` (lib/rds.ts): both use {@link isCopyInFlight}.
 */
export function countInFlight(snapshots: readonly Snapshot[]): number {
  return snapshots.filter((s) => isCopyInFlight(s.status, (k) => s.tags[k])).length;
}

function isOwnedCopy(s: Snapshot, stage: CopyStage): boolean {
  return isOwned(s.tags) && stageOf(s) === stage;
}

function inScopeOf(it: Item, scope: CopyScope): boolean {
  switch (scope.kind) {
    case "sweep":
      return true;
    case "db":
      return it.dbId.toLowerCase() === scope.dbId;
    case "dbs":
      return scope.dbIds.includes(it.dbId.toLowerCase());
    case "snapshot":
      return [it.source?.arn, it.home?.tags[TAG.copiedFrom], it.regional?.tags[TAG.copiedFrom]].includes(
        scope.snapshotArn,
      );
  }
}

/** Decides the phase of one item and, when a copy should start, which one. */
function assess(it: Item, config: CopyConfig): Assessment {
  const fail = (error: string, message: string) => ({
    phase: "failed" as const,
    failure: { id: it.item, error, message: `${it.targetId}: ${message}` },
  });
  const drRegion = config.drRegion;
  for (const [s, where] of [
    [it.home, config.region],
    [it.regional, drRegion],
  ] as const) {
    if (!s) continue;
    if (!isOwned(s.tags)) {
      return fail(
        "ForeignSnapshotExists",
        `a snapshot with this identifier already exists in ${where} but is not tagged ` +
          `${TAG.managedBy}=${MANAGED_BY_VALUE}; rename or delete it so the DR copy can be made`,
      );
    }
    const tagged = recoveryPointOf(s);
    if (it.source && tagged && tagged.getTime() !== it.recoveryPoint.getTime()) {
      return fail(
        "IdentifierCollision",
        `the copy in ${where} holds recovery point ${tagged.toISOString()}, but shared snapshot ${it.source.arn} ` +
          `was taken at ${it.recoveryPoint.toISOString()} (two snapshots of one DB in the same minute); only the first is copied`,
      );
    }
  }
  const stuck = (s: Snapshot, where: string) =>
    fail(
      "CopyFailed",
      `the copy in ${where} has status ${s.status}; delete it to let rds-pilot-light copy this recovery point again`,
    );

  const fromSource = (
    region: string,
    kmsKeyId: string,
    stage: CopyStage,
  ): { phase: CopyPhase; failure?: ItemFailure; need?: CopyAction } => {
    const src = it.source;
    if (!src) return fail("SourceGone", "the shared snapshot is no longer shared and no copy exists");
    // CopyDBClusterSnapshot rejects KmsKeyId for an unencrypted source, and a DR copy must carry the DR key.
    if (src.kind === "cluster" && !src.encrypted) {
      return fail(
        "UnencryptedSource",
        `source cluster snapshot ${src.arn} is not encrypted, so it cannot be copied under the DR key; ` +
          "encrypt the source cluster with a customer-managed KMS key",
      );
    }
    return { phase: "copy-needed", need: copyAction(it, { region, kmsKeyId, stage, sourceArn: src.arn }) };
  };

  if (!drRegion) {
    const h = it.home;
    if (!h) return fromSource(config.region, config.drKmsKeyArn, "dr");
    if (IN_PROGRESS_STATUSES.has(h.status)) return { phase: "home-in-progress" };
    if (h.status === "available") return { phase: "done" };
    return stuck(h, config.region);
  }

  const regionKey = config.drRegionKmsKeyArn ?? "";
  const r = it.regional;
  if (r) {
    if (IN_PROGRESS_STATUSES.has(r.status)) return { phase: "region-in-progress" };
    if (r.status === "available") return { phase: "done" };
    return stuck(r, drRegion);
  }
  const h = it.home;
  if (h) {
    if (IN_PROGRESS_STATUSES.has(h.status)) return { phase: "home-in-progress" };
    if (h.status !== "available") return stuck(h, config.region);
    return {
      phase: "region-copy-needed",
      need: copyAction(it, { region: drRegion, kmsKeyId: regionKey, stage: "dr-region", sourceArn: h.arn }),
    };
  }
  // An own-account source needs no cross-account hop into the home region: it is already there.
  return config.mode === "direct" || it.ownSource
    ? fromSource(drRegion, regionKey, "dr-region")
    : fromSource(config.region, config.drKmsKeyArn, "dr");
}

/** Result of assessing one item: its phase, and the copies to start now (fan-out may start two at once). */
interface Assessment {
  readonly phase: CopyPhase;
  readonly failure?: ItemFailure;
  readonly need?: CopyAction;
  readonly needs?: readonly CopyAction[];
  /** Fan-out: a copy from the source is due but the recovery point is outside the copy window. */
  readonly outsideWindow?: boolean;
}

/**
 * Fan-out applies to DB instance snapshots shared from another account when a DR region is configured. DB cluster
 * snapshots fall back to two-step: Aurora cannot copy a cluster snapshot across account and region in one step
 * ("You can't copy a DB cluster snapshot across Regions and accounts in a single step",
 * https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/USER_CopySnapshot.html). An own-account source
 * (single-account stack) already goes straight into the DR region.
 */
function isFanOut(it: Item, config: CopyConfig): boolean {
  return config.mode === "fan-out" && config.drRegion !== undefined && it.kind === "instance" && !it.ownSource;
}

/**
 * Fan-out: the home-region copy and the DR-region copy both come from the shared snapshot, and both are requested
 * as soon as the share is seen. CopyDBSnapshot accepts a source ARN in another account and another region
 * (https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CopyDBSnapshot.html, SourceDBSnapshotIdentifier),
 * so the DR-region copy is not a copy of a copy and can be incremental. The item is done when both copies are
 * available. When the share is gone (or outside the copy window) before the DR-region copy started, that copy is
 * made from the home-region copy instead (a full copy, but the recovery point is not lost).
 */
function assessFanOut(it: Item, config: CopyConfig, outsideWindow: boolean): Assessment {
  const drRegion = config.drRegion ?? "";
  const fail = (error: string, message: string): Assessment => ({
    phase: "failed",
    failure: { id: it.item, error, message: `${it.targetId}: ${message}` },
  });
  const base = assess(it, config);
  // Foreign or colliding identifiers fail before anything else (assess checks them first).
  if (
    base.phase === "failed" &&
    base.failure &&
    base.failure.error !== "CopyFailed" &&
    base.failure.error !== "SourceGone"
  ) {
    return base;
  }
  const h = it.home;
  const r = it.regional;
  for (const [s, where] of [
    [h, config.region],
    [r, drRegion],
  ] as const) {
    if (s && !IN_PROGRESS_STATUSES.has(s.status) && s.status !== "available") {
      return fail(
        "CopyFailed",
        `the copy in ${where} has status ${s.status}; delete it to let rds-pilot-light copy this recovery point again`,
      );
    }
  }
  const src = outsideWindow ? undefined : it.source;
  const needs: CopyAction[] = [];
  let dueFromSource = false;
  if (!h) {
    if (src)
      needs.push(
        copyAction(it, { region: config.region, kmsKeyId: config.drKmsKeyArn, stage: "dr", sourceArn: src.arn }),
      );
    else if (it.source && !r) dueFromSource = true;
  }
  if (!r) {
    const regionKey = config.drRegionKmsKeyArn ?? "";
    if (src)
      needs.push(copyAction(it, { region: drRegion, kmsKeyId: regionKey, stage: "dr-region", sourceArn: src.arn }));
    else if (h?.status === "available") {
      needs.push(copyAction(it, { region: drRegion, kmsKeyId: regionKey, stage: "dr-region", sourceArn: h.arn }));
    } else if (!h) {
      if (it.source) dueFromSource = true;
      else return fail("SourceGone", "the shared snapshot is no longer shared and no copy exists");
    }
  }
  const running = (s: Snapshot | undefined) => s !== undefined && IN_PROGRESS_STATUSES.has(s.status);
  let phase: CopyPhase;
  if (running(r)) phase = "region-in-progress";
  else if (running(h)) phase = "home-in-progress";
  else if (!h && needs.some((n) => n.stage === "dr")) phase = "copy-needed";
  else if (!r) phase = h ? "region-copy-needed" : "copy-needed";
  else phase = "done";
  return { phase, needs, ...(dueFromSource ? { outsideWindow: true } : {}) };
}

function copyAction(
  it: Item,
  to: { region: string; kmsKeyId: string; stage: CopyStage; sourceArn: string },
): CopyAction {
  return {
    type: "copy",
    item: it.item,
    kind: it.kind,
    stage: to.stage,
    region: to.region,
    sourceArn: to.sourceArn,
    targetId: it.targetId,
    kmsKeyId: to.kmsKeyId,
    tags: {
      [TAG.managedBy]: MANAGED_BY_VALUE,
      [TAG.sourceDb]: it.dbId,
      [TAG.sourceKind]: it.kind,
      [TAG.sourceAccount]: it.sourceAccount,
      [TAG.sourceRegion]: it.sourceRegion,
      [TAG.recoveryPoint]: it.recoveryPoint.toISOString(),
      [TAG.stage]: to.stage,
      [TAG.copiedFrom]: to.sourceArn,
    },
  };
}

function dbKeyOf(v: { kind: DbKind; sourceAccount: string; dbId: string }): string {
  return `${v.kind}:${v.sourceAccount}:${v.dbId}`;
}

/** Newest fully copied recovery point per DB (ms); a DB without one is the most behind. */
function newestDonePerDb(views: readonly CopyItemView[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const v of views) {
    if (v.phase !== "done") continue;
    const k = dbKeyOf(v);
    out.set(k, Math.max(out.get(k) ?? Number.NEGATIVE_INFINITY, v.recoveryPoint.getTime()));
  }
  return out;
}

/**
 * @internal Orders the copies waiting for one destination region: first the newest waiting recovery point of every DB (so
 * each DB's DR copy gets fresher before any backlog is filled), then the older ones; within each tier the DB whose
 * newest finished copy is oldest goes first; then newer recovery points; then the identifier, for determinism.
 */
function prioritize<T extends { item: Item }>(needs: readonly T[], newestDone: ReadonlyMap<string, number>): T[] {
  const newestNeeded = new Map<string, number>();
  for (const n of needs) {
    const k = dbKeyOf(n.item);
    newestNeeded.set(k, Math.max(newestNeeded.get(k) ?? Number.NEGATIVE_INFINITY, n.item.recoveryPoint.getTime()));
  }
  const rank = (n: T) => {
    const k = dbKeyOf(n.item);
    const rp = n.item.recoveryPoint.getTime();
    return {
      tier: rp === newestNeeded.get(k) ? 0 : 1,
      done: newestDone.get(k) ?? Number.NEGATIVE_INFINITY,
      rp,
      id: n.item.targetId,
    };
  };
  return [...needs]
    .map((n) => ({ n, r: rank(n) }))
    .sort(
      (a, b) =>
        a.r.tier - b.r.tier ||
        compareNumbers(a.r.done, b.r.done) ||
        compareNumbers(b.r.rp, a.r.rp) ||
        a.r.id.localeCompare(b.r.id),
    )
    .map(({ n }) => n);
}

function compareNumbers(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
