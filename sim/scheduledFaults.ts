/**
 * Faults by time window and target (`faults.scheduled` of a scenario, docs/faults.md): a copy the DR account may not
 * make because it cannot use the source key, and a share someone revokes. Each returns its line for the report.
 */

import { ModifyDBClusterSnapshotAttributeCommand, ModifyDBSnapshotAttributeCommand } from "@aws-sdk/client-rds";
import { errorName } from "../functions/lib/errors";
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

/** Arms `faults.scheduled` on the engine and the world; returns the report lines. */
export function armScheduledFaults(ctx: SimContext): string[] {
  const { scenario, engine, startMs, world, dbStates, inWindow } = ctx;
  const notes: string[] = [];
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
              ).catch((err: unknown) => debugLog(`share-revoke ${s.id}: ${errorName(err)} (retried next tick)`));
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
