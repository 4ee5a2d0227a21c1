/**
 * Faults by time window and target (`faults.scheduled` of a scenario, docs/faults.md): a copy the DR account may not
 * make because it cannot use the source key, and a share someone revokes. Each returns its line for the report.
 */

import { ModifyDBClusterSnapshotAttributeCommand, ModifyDBSnapshotAttributeCommand } from "@aws-sdk/client-rds";
import { errorName } from "../functions/lib/errors";
import { recoveryTimeOf } from "../functions/lib/model";
import { TAG } from "../functions/lib/tags";
import type { ScenarioFaults } from "./scenario";
import { HOUR, MINUTE, type SimContext } from "./simContext";
import { debugLog } from "./stepHandlers";

/** One scheduled fault of a scenario. */
export type ScheduledFault = NonNullable<ScenarioFaults["scheduled"]>[number];

/** The report's line for a scheduled fault (also what tests match the report against). */
export function scheduledFaultNote(f: ScheduledFault, startMs: number): string {
  const from = new Date(startMs + f.startHours * HOUR).toISOString();
  return f.kind === "kmsDenied"
    ? `KMS access denied for copies of ${f.db} into ${f.account} from ${from} for ${f.hours} h`
    : `share of ${f.db} snapshots with ${f.account} revoked from ${from} for ${f.hours} h (every ${f.everyMinutes} min)`;
}

/** Hours after a revocation window the simulator judges whether the pipeline restored the DB's newest share. */
export const REVOCATION_OUTCOME_AFTER_HOURS = 3;

/**
 * Arms `faults.scheduled` on the engine and the world; returns the report lines. A `shareRevoked` fault adds a second
 * line, {@link REVOCATION_OUTCOME_AFTER_HOURS} after its window (or at the end of the run), saying what the pipeline
 * made of it ({@link revocationOutcome}); `notes` is the array the report reads at the end.
 */
export function armScheduledFaults(ctx: SimContext, notes: string[] = []): string[] {
  const { scenario, engine, startMs, world, dbStates, inWindow } = ctx;
  const scheduled = scenario.faults.scheduled ?? [];
  const denied = scheduled.filter((f) => f.kind === "kmsDenied");
  if (denied.length > 0) {
    world.faults.copyKeyDenied = ({ account, sourceAccount, dbId, now }) =>
      denied.some((f) => f.account === account && f.db === `${sourceAccount}/${dbId}` && inWindow(f, now.getTime()));
  }
  for (const f of scheduled) {
    notes.push(scheduledFaultNote(f, startMs));
    if (f.kind !== "shareRevoked") continue;
    const st = dbStates.find((d) => `${d.account}/${d.db.id}` === f.db)!;
    const end = startMs + (f.startHours + f.hours) * HOUR;
    const revoked = new Map<string, { arn: string; createdAt: number }>();
    engine.at(Math.min(ctx.endMs, end + REVOCATION_OUTCOME_AFTER_HOURS * HOUR), () =>
      notes.push(revocationOutcome(ctx, f, st.region, revoked)),
    );
    const revoke = (t: number) => {
      if (t >= end) return;
      engine.at(t, () => {
        // An operator's calls: subject to the same throttling and outages; one that fails is retried next tick.
        const shared = world
          .snapshots(st.account, st.region)
          .filter((s) => s.dbId === st.db.id && s.sharedWith.includes(f.account));
        if (shared.length > 0) {
          const rds = world.clients(st.account).rds(st.region);
          engine.spawn("share-revoke", async () => {
            for (const s of shared) {
              const change = { AttributeName: "restore", ValuesToRemove: [f.account] };
              await (s.kind === "cluster"
                ? rds.send(
                    new ModifyDBClusterSnapshotAttributeCommand({ DBClusterSnapshotIdentifier: s.id, ...change }),
                  )
                : rds.send(new ModifyDBSnapshotAttributeCommand({ DBSnapshotIdentifier: s.id, ...change }))
              ).then(
                () => revoked.set(s.id, { arn: s.arn, createdAt: s.createdAt?.getTime() ?? 0 }),
                (err: unknown) => debugLog(`share-revoke ${s.id}: ${errorName(err)} (retried next tick)`),
              );
            }
          });
        }
        revoke(t + f.everyMinutes * MINUTE);
      });
    };
    revoke(startMs + f.startHours * HOUR);
  }
  return notes;
}

/**
 * What the pipeline made of a revocation, judged on the DB's newest snapshot the fault revoked: whether the source's
 * Sharer shared it with the DR account again (its sweep reads each DB's newest share, functions/share/revoked.ts),
 * and whether the DR account holds a copy of it or of a newer recovery point of the DB.
 */
export function revocationOutcome(
  ctx: SimContext,
  f: ScheduledFault,
  region: string,
  revoked: ReadonlyMap<string, { arn: string; createdAt: number }>,
): string {
  const head = `share of ${f.db} snapshots with ${f.account} revoked`;
  if (revoked.size === 0) return `${head}: nothing was shared with ${f.account} during the window, nothing revoked`;
  const [account, dbId] = f.db.split("/") as [string, string];
  const [newestId, newest] = [...revoked].reduce((a, b) => (b[1].createdAt > a[1].createdAt ? b : a));
  const now = ctx.world.snapshot(account, region, newestId);
  const sharedAgain = now?.sharedWith.includes(f.account) ?? false;
  const copies = ctx.world
    .snapshotsOf(f.account, region, dbId)
    .filter((s) => s.status === "available" && s.tags[TAG.sourceAccount] === account);
  const copied = copies.some((s) => s.copiedFrom === newest.arn || s.tags[TAG.copiedFrom] === newest.arn);
  const newer = !copied && copies.some((s) => (recoveryTimeOf(s) ?? 0) > newest.createdAt);
  const at = new Date(ctx.engine.now).toISOString();
  return (
    `${head}: ${revoked.size} snapshot(s) revoked; the newest, ${newestId}, ` +
    `${sharedAgain ? "shared again by the Sharer" : now ? "NOT shared again" : "deleted since"} and ` +
    `${copied ? `copied into ${f.account}` : newer ? `superseded in ${f.account} by a newer copy` : `NOT copied into ${f.account}`}` +
    ` (checked ${at})`
  );
}
