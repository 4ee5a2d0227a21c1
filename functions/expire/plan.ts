/**
 * The Janitor's planner: which of our manual snapshots to delete. Pure; the handler, the CLI (dry runs) and the
 * simulator all call it. Safety rules come first and the retention policy (../lib/retention) only ever chooses
 * among snapshots the rules allow deleting:
 *
 * - only snapshots carrying our ownership tag, of type `manual`, in a stage this Janitor manages;
 * - never the source of a copy still in progress (RDS copies read the source until they finish), looking at every
 *   region listed, so a DR-account Janitor protects home-region copies that feed the DR-region copy;
 * - never a snapshot that is not `available`, except `failed` ones, which restore nothing and only use quota;
 * - never an undated one (no recovery point to judge its age by).
 */
import { recoveryTimeOf, type Snapshot, stageOf } from "../lib/model";
import { type RetentionPolicy, type RetentionReason, retentionReasonsNewestFirst } from "../lib/retention";
import { isOwned, type Stage, TAG } from "../lib/tags";

/** Which account's snapshots this Janitor manages: the production (`source`) or the DR account (`dr`). */
export type ExpireStage = "source" | "dr";

/** Why a managed snapshot is kept. */
export type KeepReason = RetentionReason | "copy-source" | "not-available" | "undated";

/** What to do with one managed snapshot. Foreign and out-of-scope snapshots get no action at all. */
export type ExpireAction =
  | { readonly type: "delete"; readonly snapshot: Snapshot; readonly reason: "expired" | "failed" }
  | { readonly type: "keep"; readonly snapshot: Snapshot; readonly reasons: readonly KeepReason[] };

/** Input of {@link planExpire}. */
export interface ExpireInput {
  /** Every manual snapshot listed in every swept region (ours and others'; the planner filters). */
  readonly snapshots: readonly Snapshot[];
  readonly now: Date;
  readonly stage: ExpireStage;
  readonly policy: RetentionPolicy;
  /** Only plan for the snapshots of this DB identifier (all source accounts and regions). */
  readonly dbId?: string;
}

/** Snapshot stages (`rpl-stage` tag values) a Janitor of `stage` manages. */
export function managedStages(stage: ExpireStage): readonly Stage[] {
  return stage === "source" ? ["source"] : ["dr", "dr-region"];
}

/** True when the Janitor of `stage` may ever delete `s` (the retention policy still decides whether it does). */
export function isManaged(s: Snapshot, stage: ExpireStage): boolean {
  const st = stageOf(s);
  return isOwned(s.tags) && s.type === "manual" && st !== undefined && managedStages(stage).includes(st);
}

/**
 * Retention group of a snapshot: one DB's snapshots at one place and stage. `minKeep` and every tier apply per
 * group, so the DR home-region copies and the DR-region copies each keep their own newest `minKeep`.
 */
export function groupKey(s: Snapshot): string {
  const sourceAccount = s.tags[TAG.sourceAccount] ?? s.account;
  return JSON.stringify([s.account, s.region, stageOf(s) ?? "", sourceAccount, s.kind, s.dbId]);
}

/**
 * ARNs or identifiers of snapshots that a copy still in progress reads from. Any copy not yet `available` (and
 * not `failed`) counts: deleting its source would fail it. Both the RDS field and our `rpl-copied-from` tag are
 * used, so a copy is protected whichever of them names its source.
 */
export function copySources(snapshots: readonly Snapshot[]): ReadonlySet<string> {
  const out = new Set<string>();
  for (const t of snapshots) {
    if (t.status === "available" || t.status === "failed") continue;
    if (t.copiedFrom) out.add(t.copiedFrom);
    const tagged = t.tags[TAG.copiedFrom];
    if (tagged) out.add(tagged);
  }
  return out;
}

/** Plans deletions for every managed snapshot in `input.snapshots` (see the module comment for the rules). */
export function planExpire(input: ExpireInput): ExpireAction[] {
  const protectedSources = copySources(input.snapshots);
  // Grouped by DB identifier, then by comparing the other groupKey fields: no key string is built per snapshot.
  // Each group's groupKey, which orders the report, is worked out once.
  type Group = {
    key: string;
    account: string;
    region: string;
    stage: Stage;
    sourceAccount: string;
    kind: Snapshot["kind"];
    members: Snapshot[];
  };
  const byDb = new Map<string, Group[]>();
  const groups: Group[] = [];
  const managed = managedStages(input.stage);
  const snapshots = input.snapshots;
  for (let i = 0; i < snapshots.length; i++) {
    const s = snapshots[i]!;
    if (!isOwned(s.tags) || s.type !== "manual") continue;
    const stage = stageOf(s);
    if (stage === undefined || !managed.includes(stage)) continue;
    if (input.dbId !== undefined && s.dbId !== input.dbId) continue;
    const sourceAccount = s.tags[TAG.sourceAccount] ?? s.account;
    let sameDb = byDb.get(s.dbId);
    if (!sameDb) {
      sameDb = [];
      byDb.set(s.dbId, sameDb);
    }
    let group: Group | undefined;
    for (let j = 0; j < sameDb.length; j++) {
      const g = sameDb[j]!;
      if (
        g.account === s.account &&
        g.region === s.region &&
        g.stage === stage &&
        g.sourceAccount === sourceAccount &&
        g.kind === s.kind
      ) {
        group = g;
        break;
      }
    }
    if (group) group.members.push(s);
    else {
      const g = {
        key: groupKey(s),
        account: s.account,
        region: s.region,
        stage,
        sourceAccount,
        kind: s.kind,
        members: [s],
      };
      sameDb.push(g);
      groups.push(g);
    }
  }

  const actions: ExpireAction[] = [];
  const ordered = groups.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const protects = protectedSources.size > 0;
  for (const group of ordered) {
    // Each snapshot's recovery point is read (its tag parsed) once, as a number.
    const members = sortNewestFirst(group.members);
    const datedTimes: number[] = [];
    for (let i = 0; i < members.length; i++) {
      const m = members[i]!;
      if (m.s.status === "available" && m.t !== undefined) datedTimes.push(m.t);
    }
    // The dated members keep their newest-first order, which is the policy's order too.
    const tierReasons = retentionReasonsNewestFirst(datedTimes, input.policy, input.now);
    let rank = 0;
    for (let i = 0; i < members.length; i++) {
      const { s, t } = members[i]!;
      const copySource = protects && (protectedSources.has(s.arn) || protectedSources.has(s.id));
      if (s.status === "failed") {
        actions.push(copySource ? keep(s, ["copy-source"]) : { type: "delete", snapshot: s, reason: "failed" });
        continue;
      }
      let reasons: KeepReason[];
      if (s.status !== "available") reasons = ["not-available"];
      else if (t === undefined) reasons = ["undated"];
      else reasons = tierReasons[rank++]!;
      if (copySource) reasons = ["copy-source", ...reasons];
      actions.push(reasons.length > 0 ? keep(s, reasons) : { type: "delete", snapshot: s, reason: "expired" });
    }
  }
  return actions;
}

/** The snapshots a plan deletes. */
export function deletions(actions: readonly ExpireAction[]): Snapshot[] {
  return actions.flatMap((a) => (a.type === "delete" ? [a.snapshot] : []));
}

function keep(snapshot: Snapshot, reasons: readonly KeepReason[]): ExpireAction {
  return { type: "keep", snapshot, reasons };
}

/** Newest recovery point first, undated last, ties by id: the order actions are reported in. */
function sortNewestFirst(list: readonly Snapshot[]): { s: Snapshot; t: number | undefined; k: number }[] {
  const out = new Array<{ s: Snapshot; t: number | undefined; k: number }>(list.length);
  for (let i = 0; i < list.length; i++) {
    const s = list[i]!;
    const t = recoveryTimeOf(s);
    out[i] = { s, t, k: t ?? Number.NEGATIVE_INFINITY };
  }
  return out.sort((a, b) => b.k - a.k || (a.s.id < b.s.id ? -1 : a.s.id > b.s.id ? 1 : 0));
}
