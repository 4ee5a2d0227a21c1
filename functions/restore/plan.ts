/**
 * Pure restore planner: which copy of each requested DB to restore, under which new identifier. Used by the
 * restorer Lambda (inside the restore state machine) and by the CLI to validate a request before starting it.
 * No I/O, no clock.
 *
 * Candidates are owned copies (stage `dr` or `dr-region`) that are `available` in the restore region. The newest
 * wins; with `before`, the newest whose recovery point is at or before that instant (recovering from data
 * corruption that reached the copies).
 */
import { type DbRef, dbKey, parseDbRef, refMatches, sourceAccountOf } from "../freshness/dbRefs";
import { ConfigError, SnapshotNotFoundError } from "../lib/errors";
import { sanitize, shortHash } from "../lib/identifiers";
import { type DbKind, recoveryPointOf, type Snapshot, stageOf } from "../lib/model";
import { isOwned } from "../lib/tags";
import { DRILL_PREFIX } from "./config";
import { RestoreTargetExistsError } from "./errors";

/** `restore`: real failover (deletion protection on, kept). `drill`: temporary DB, checked, then deleted. */
export type RestoreMode = "restore" | "drill";

/** Longest RDS DB instance / cluster identifier. */
export const MAX_DB_ID_LENGTH = 63;

/** What to restore (the state machine's execution input). */
export interface RestoreRequest {
  readonly mode: RestoreMode;
  /** DBs to restore (`dbId` or `account/dbId`); empty or absent = every non-retired DB with a copy. */
  readonly dbIds?: readonly string[];
  /** ISO instant: restore the newest copy whose recovery point is at or before it. */
  readonly before?: string;
}

/** Settings the planner needs (a subset of the restorer config). */
export interface RestoreSettings {
  /** Region whose copies are restored. */
  readonly region: string;
  /** Prefix of failover target identifiers. */
  readonly namePrefix: string;
  /** Aurora members per restored cluster. */
  readonly clusterInstances: number;
  /** Instance class for this mode (required for Aurora: CreateDBInstance needs one). */
  readonly instanceClass?: string;
  /** DBs left out of "all". */
  readonly retired: readonly DbRef[];
}

/** One DB to restore. */
export interface RestoreTarget {
  /** `account/dbId` of the source DB. */
  readonly key: string;
  readonly dbId: string;
  readonly sourceAccount: string;
  readonly kind: DbKind;
  readonly snapshotId: string;
  readonly snapshotArn: string;
  /** ISO recovery point of the chosen copy. */
  readonly recoveryPoint: string;
  /** Identifier of the new DB instance, or of the new cluster. */
  readonly targetId: string;
  /** Identifiers of the Aurora instances to create in the new cluster (empty for instances). */
  readonly memberIds: readonly string[];
}

/** Validates an execution input; errors name the field. */
export function parseRestoreRequest(input: unknown): RestoreRequest {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    throw new ConfigError('restore input must be a JSON object such as { "mode": "drill" }');
  }
  const o = input as Record<string, unknown>;
  // No default: a schedule or a stray StartExecution with `{}` must never start a failover of every DB.
  const mode = o.mode;
  if (mode !== "restore" && mode !== "drill") {
    throw new ConfigError(`restore input.mode must be "restore" or "drill" (got ${JSON.stringify(mode)})`);
  }
  let dbIds: string[] | undefined;
  if (o.dbIds !== undefined && o.dbIds !== null) {
    if (!Array.isArray(o.dbIds) || o.dbIds.some((d) => typeof d !== "string")) {
      throw new ConfigError("restore input.dbIds must be a list of DB identifiers");
    }
    for (const d of o.dbIds as string[]) {
      const r = parseDbRef(d);
      if (typeof r === "string") throw new ConfigError(`restore input.dbIds: ${r}`);
    }
    dbIds = o.dbIds as string[];
  }
  let before: string | undefined;
  if (o.before !== undefined && o.before !== null) {
    if (typeof o.before !== "string" || Number.isNaN(Date.parse(o.before))) {
      throw new ConfigError(`restore input.before must be an ISO-8601 time (got ${JSON.stringify(o.before)})`);
    }
    before = new Date(o.before).toISOString();
  }
  return { mode, ...(dbIds && dbIds.length > 0 ? { dbIds } : {}), ...(before ? { before } : {}) };
}

/** `2026-11-25T06:30:12Z` -> `202611250630`. */
function compactMinute(at: Date): string {
  return at.toISOString().slice(0, 16).replace(/[-T:]/g, "");
}

/**
 * Shortens `base` to `max` characters, replacing the cut part by a hash so two long names stay distinct and the
 * result stays a valid identifier (no trailing or double hyphen).
 */
export function fitId(base: string, max: number): string {
  if (base.length <= max) return base;
  const hash = shortHash(base);
  const head = base
    .slice(0, max - hash.length - 1)
    .replace(/-+$/, "")
    .replace(/-{2,}/g, "-");
  return `${head}-${hash}`;
}

/**
 * Identifier of a drill's temporary DB: `rpl-drill-<db>-<yyyymmddhhmm>`, at most 61 characters so that Aurora
 * member ids (`-1`, `-2`) still fit in 63.
 */
export function drillTargetId(dbId: string, now: Date): string {
  const tail = `-${compactMinute(now)}`;
  const room = MAX_DB_ID_LENGTH - 2 - DRILL_PREFIX.length - tail.length;
  return `${DRILL_PREFIX}${fitId(sanitize(dbId), room)}${tail}`;
}

/** Identifier of the `n`th Aurora member of `clusterId` (1-based), at most 63 characters. */
export function memberId(clusterId: string, n: number): string {
  const suffix = `-${n}`;
  return `${fitId(clusterId, MAX_DB_ID_LENGTH - suffix.length)}${suffix}`;
}

/** True for identifiers of drill DBs (the only ones the restorer may ever delete). */
export function isDrillId(id: string): boolean {
  return id.startsWith(DRILL_PREFIX);
}

/** Input of {@link planRestore}. */
export interface RestorePlanInput {
  /** Snapshots listed in the restore region (any; non-candidates are ignored). */
  readonly snapshots: readonly Snapshot[];
  readonly request: RestoreRequest;
  readonly settings: RestoreSettings;
  readonly now: Date;
}

/** True when a snapshot can be restored: an owned DR copy, available, in the restore region. */
export function isRestorable(s: Snapshot, region: string): boolean {
  const stage = stageOf(s);
  return (
    isOwned(s.tags) && (stage === "dr" || stage === "dr-region") && s.status === "available" && s.region === region
  );
}

/**
 * Picks one copy per requested DB and names its target. Throws a ConfigError for an unknown or ambiguous DB, a
 * SnapshotNotFoundError when no copy is old enough for `before`, and a ConfigError when an Aurora cluster has no
 * instance class to create its members with.
 */
export function planRestore(input: RestorePlanInput): RestoreTarget[] {
  const { request, settings } = input;
  const byKey = new Map<string, { account: string; dbId: string; kind: DbKind; copies: Snapshot[] }>();
  for (const s of input.snapshots) {
    if (!isRestorable(s, settings.region)) continue;
    const account = sourceAccountOf(s);
    if (!account || !s.dbId) continue;
    const key = dbKey(account, s.dbId);
    const g = byKey.get(key) ?? { account, dbId: s.dbId, kind: s.kind, copies: [] };
    g.copies.push(s);
    byKey.set(key, g);
  }

  let keys: string[];
  if (request.dbIds && request.dbIds.length > 0) {
    keys = [];
    for (const text of request.dbIds) {
      const ref = parseDbRef(text);
      if (typeof ref === "string") throw new ConfigError(`restore dbIds: ${ref}`);
      const matches = [...byKey.entries()].filter(([, g]) => refMatches(ref, g.account, g.dbId)).map(([k]) => k);
      if (matches.length === 0) {
        const known = [...byKey.keys()].sort().join(", ") || "none";
        throw new ConfigError(
          `unknown DB "${text}": no available copy of it in ${settings.region} (DBs with copies: ${known})`,
        );
      }
      if (matches.length > 1) {
        throw new ConfigError(
          `DB "${text}" is ambiguous: copies exist for ${matches.sort().join(" and ")}; name one of them`,
        );
      }
      if (!keys.includes(matches[0]!)) keys.push(matches[0]!);
    }
  } else {
    keys = [...byKey.entries()]
      .filter(([, g]) => !settings.retired.some((r) => refMatches(r, g.account, g.dbId)))
      .map(([k]) => k)
      .sort();
  }
  if (keys.length === 0) throw new SnapshotNotFoundError(`no available copies to restore in ${settings.region}`);

  const before = request.before ? new Date(request.before) : undefined;
  const targets: RestoreTarget[] = [];
  for (const key of keys) {
    const g = byKey.get(key)!;
    const chosen = newestAtOrBefore(g.copies, before);
    if (!chosen) {
      throw new SnapshotNotFoundError(
        `no copy of ${key} at or before ${before?.toISOString()} in ${settings.region} (oldest is ${oldest(g.copies)})`,
      );
    }
    if (g.kind === "cluster" && !settings.instanceClass) {
      throw new ConfigError(
        `restoring Aurora cluster ${key} needs an instance class for its instances; set restore.instanceClass (RPL_INSTANCE_CLASS)`,
      );
    }
    const targetId = request.mode === "drill" ? drillTargetId(g.dbId, input.now) : `${settings.namePrefix}${g.dbId}`;
    if (request.mode === "restore" && isDrillId(targetId)) {
      // Drill names are deletable by the restorer's role; a failover DB must never carry one.
      throw new ConfigError(
        `restore target "${targetId}" would start with the drill prefix ${DRILL_PREFIX}; set restore.namePrefix`,
      );
    }
    if (targetId.length > MAX_DB_ID_LENGTH) {
      throw new ConfigError(
        `restore target "${targetId}" is longer than ${MAX_DB_ID_LENGTH} characters; shorten restore.namePrefix`,
      );
    }
    const memberIds =
      g.kind === "cluster"
        ? Array.from({ length: settings.clusterInstances }, (_, i) => memberId(targetId, i + 1))
        : [];
    targets.push({
      key,
      dbId: g.dbId,
      sourceAccount: g.account,
      kind: g.kind,
      snapshotId: chosen.s.id,
      snapshotArn: chosen.s.arn,
      recoveryPoint: chosen.at.toISOString(),
      targetId,
      memberIds,
    });
  }
  const seen = new Map<string, string>();
  for (const t of targets) {
    const other = seen.get(t.targetId);
    if (other) {
      throw new ConfigError(`${other} and ${t.key} would both restore to "${t.targetId}"; restore them one at a time`);
    }
    seen.set(t.targetId, t.key);
  }
  return targets;
}

/** Throws a RestoreTargetExistsError naming every target identifier that already exists. */
export function assertTargetsFree(targets: readonly RestoreTarget[], existing: ReadonlySet<string>): void {
  const taken = targets.flatMap((t) => [t.targetId, ...t.memberIds]).filter((id) => existing.has(id));
  if (taken.length > 0) {
    throw new RestoreTargetExistsError(
      `refusing to overwrite existing DB(s): ${taken.join(", ")}; delete or rename them, or set restore.namePrefix`,
    );
  }
}

function newestAtOrBefore(
  copies: readonly Snapshot[],
  before: Date | undefined,
): { s: Snapshot; at: Date } | undefined {
  let best: { s: Snapshot; at: Date } | undefined;
  for (const s of copies) {
    const at = recoveryPointOf(s);
    if (!at || (before && at.getTime() > before.getTime())) continue;
    if (!best || at.getTime() > best.at.getTime() || (at.getTime() === best.at.getTime() && s.id > best.s.id)) {
      best = { s, at };
    }
  }
  return best;
}

function oldest(copies: readonly Snapshot[]): string {
  const times = copies.map((s) => recoveryPointOf(s)?.getTime()).filter((t): t is number => t !== undefined);
  return times.length > 0 ? new Date(Math.min(...times)).toISOString() : "unknown";
}
