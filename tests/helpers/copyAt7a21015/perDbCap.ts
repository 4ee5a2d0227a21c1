// Verbatim copy of functions/copy/perDbCap.ts at main 7a21015 (branch `handlers` start), with only its imports rewritten, so
// tests/unit/plannerEquivalence.test.ts ("copy runs decide as at 7a21015") can check scoped runs decide as before.
/**
 * The per-DB cap on copies in flight (`RPL_MAX_COPIES_IN_FLIGHT_PER_DB`): one source DB may hold at most this many
 * of a destination region's copy slots (`RPL_MAX_COPIES_IN_FLIGHT`) at once. Without it a DB whose copies cannot keep
 * up with its snapshots (an Aurora cluster whose every copy is full, a two-step copy of a copy) keeps asking for
 * copies of its growing backlog; RDS queues them one after the other per DB, and every queued copy holds a slot until
 * it completes, so the DB ends up holding every slot and starves the DBs that could meet their RPO
 * (docs/limitations.md, `scenarios/twenty-dbs.yaml`).
 *
 * The cap only removes copies from the candidates of the DB that hit it; the order of everything else (newest
 * waiting recovery point of every DB first, the DB whose newest finished copy is oldest first, ...) is unchanged.
 * A scoped (event-started) Copier run lists its own DB's copies, so the cap is exact there too; the region-wide limit
 * it cannot count is enforced by RDS (`SnapshotQuotaExceeded`, copy/handler.ts).
 */
import type { DbKind, Snapshot } from "../../../functions/lib/model";
import { isCopyInFlight } from "../../../functions/lib/rds";
import { TAG } from "../../../functions/lib/tags";

/** Default of `RPL_MAX_COPIES_IN_FLIGHT_PER_DB` and of the stack key `maxCopiesInFlightPerDb`. */
export const DEFAULT_MAX_COPIES_IN_FLIGHT_PER_DB = 1;

/** Key of one source DB: kind, account and identifier (an instance and a cluster may share an identifier). */
export function dbKeyOf(kind: DbKind | string, account: string, dbId: string): string {
  return `${kind}:${account}:${dbId}`;
}

/**
 * Owned copies in progress per source DB ({@link dbKeyOf}) in one region's listing: the same copies
 * `countInFlight` (copy/plan.ts) counts for the region, attributed to the DB their `rpl-source-*` tags name.
 */
export function inFlightPerDb(snapshots: readonly Snapshot[]): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = 0; i < snapshots.length; i++) {
    const s = snapshots[i]!;
    if (!isCopyInFlight(s.status, (k) => s.tags[k])) continue;
    const account = s.tags[TAG.sourceAccount];
    const dbId = s.tags[TAG.sourceDb];
    if (account === undefined || dbId === undefined) continue;
    const key = dbKeyOf(s.kind, account, dbId);
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

/**
 * How many more copies into a region a DB may start now: the cap less the copies it already has in flight there
 * (never negative). `cap` undefined: no per-DB cap (every free slot of the region is open to the DB).
 */
export function dbAllowance(cap: number | undefined, inFlight: number): number {
  return cap === undefined ? Number.POSITIVE_INFINITY : Math.max(0, cap - inFlight);
}
