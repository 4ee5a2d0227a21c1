/**
 * Deletions audited from the model's record (issue 13): how many snapshots were deleted per owner (the tool's, by its
 * ownership tag, or anyone else's), and every owned DR copy deleted less than one snapshot interval after it became
 * available (copy/delete churn at the retention boundary: a full copy paid for and thrown away).
 */
import { MANAGED_BY_VALUE, TAG } from "../functions/lib/tags";
import { MINUTE, type SimContext } from "./simContext";

/** The report's `deletions` section. */
export interface DeletionAudit {
  /** Snapshots deleted, by owner: `owned` carry `rpl-managed-by`, `unowned` do not (someone else's). */
  readonly byOwner: { readonly owned: number; readonly unowned: number };
  /** Unowned snapshots deleted by the tool's steps (must stay empty); the scenario's own fault clean-up excluded. */
  readonly unownedByTool: readonly string[];
  /** Owned DR copies deleted within one snapshot interval of becoming available (`account/region/id`, minutes lived). */
  readonly churn: readonly string[];
}

/** Prefix of the filler snapshots a scenario's quota fault creates and removes itself (sim/faults.ts). */
const QUOTA_FILLER_PREFIX = "other-";

/** Audits the model's deletions at the end of a run. */
export function auditDeletions(ctx: SimContext): DeletionAudit {
  let owned = 0;
  let unowned = 0;
  const unownedByTool: string[] = [];
  const churn: string[] = [];
  const intervalOf = (account: string) =>
    Math.min(...ctx.stacks.filter((s) => s.account === account).map((s) => s.config.snapshotIntervalMinutes));
  for (const d of ctx.world.deletions()) {
    const where = `${d.account}/${d.region}/${d.id}`;
    if (d.tags[TAG.managedBy] !== MANAGED_BY_VALUE) {
      unowned++;
      if (!d.id.startsWith(QUOTA_FILLER_PREFIX)) unownedByTool.push(where);
      continue;
    }
    owned++;
    const stage = d.tags[TAG.stage];
    const lived = (d.deletedAt - d.doneAt) / MINUTE;
    if ((stage === "dr" || stage === "dr-region") && lived < intervalOf(d.account)) {
      churn.push(`${where} (${Math.round(lived)} min)`);
    }
  }
  return { byOwner: { owned, unowned }, unownedByTool, churn };
}
