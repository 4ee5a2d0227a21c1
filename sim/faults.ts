/**
 * Faults on a timetable: the scenario's DB deletions and manual snapshot quota squeezes, armed on the engine, and a
 * line per fault for the report. (Throttling, failed copies and account outages are rules of the world itself.)
 */

import { armScheduledFaults } from "./scheduledFaults";
import { HOUR, type SimContext } from "./simContext";

/** Arms the scenario's timed faults; returns their descriptions for the report. */
export function armFaults(ctx: SimContext): string[] {
  const { scenario, engine, startMs, world, dbStates, sourceStacks, stacks, worldQuota } = ctx;
  const faultNotes: string[] = [];
  const f = scenario.faults;
  const rates = typeof f.throttleRate === "number" ? { all: f.throttleRate } : f.throttleRate;
  for (const [service, rate] of Object.entries(rates)) {
    if (rate && rate > 0) {
      faultNotes.push(
        `${rate * 100}% of ${service === "all" ? "API" : service} attempts throttled (SDK retries apply)`,
      );
    }
  }
  if (f.failedCopyRate > 0) faultNotes.push(`${f.failedCopyRate * 100}% of copies fail`);
  for (const o of f.outages) {
    faultNotes.push(
      `${o.region ? `region ${o.region} (every account)` : o.account ? `account ${o.account}` : `state machine ${o.stateMachine}${o.inAccount ? ` in ${o.inAccount}` : ""}`} down ` +
        `${new Date(startMs + o.startHours * HOUR).toISOString()} for ${o.hours} h`,
    );
  }
  for (const d of f.deleteDbs) {
    const st = dbStates.find((x) => x.account === d.account && x.db.id === d.id)!;
    faultNotes.push(`DB ${d.account}/${d.id} deleted at ${new Date(startMs + d.atHours * HOUR).toISOString()}`);
    engine.at(startMs + d.atHours * HOUR, () => {
      world.deleteDb(st.account, st.region, st.db.id);
      st.deletedAt = engine.now;
    });
  }
  for (const [i, q] of f.snapshotQuotas.entries()) {
    const stack = sourceStacks.find((s) => s.account === q.account) ?? stacks.find((s) => s.account === q.account);
    const region = q.region ?? stack?.config.region;
    if (!region)
      throw new Error(`${scenario.source}: faults.snapshotQuotas[${i}]: no stack deploys into account ${q.account}`);
    const fillers = Math.max(0, worldQuota - q.max);
    const kinds = q.kind ? [q.kind] : (["instance", "cluster"] as const);
    faultNotes.push(
      `manual ${q.kind ? `${q.kind} ` : ""}snapshot quota of ${q.account}/${region} left to the tool: ${q.max}` +
        `${q.hours !== undefined ? ` for ${q.hours} h` : ""} from ${new Date(startMs + q.startHours * HOUR).toISOString()}`,
    );
    // Someone else's manual snapshots occupy the rest of the quota (of one kind or both), then are removed.
    const ids = (kind: string) => Array.from({ length: fillers }, (_, n) => `other-${kind}-${i}-${n}`);
    engine.at(startMs + q.startHours * HOUR, () => {
      for (const kind of kinds) {
        for (const id of ids(kind)) world.addSnapshot(q.account, region, { kind, id, dbId: "someone-elses-db" });
      }
    });
    if (q.hours !== undefined) {
      engine.at(startMs + (q.startHours + q.hours) * HOUR, () => {
        const saved = world.faults;
        world.faults = {};
        const rds = world.clients(q.account).rds(region);
        engine.spawn("quota-release", async () => {
          try {
            const { DeleteDBSnapshotCommand, DeleteDBClusterSnapshotCommand } = await import("@aws-sdk/client-rds");
            if (kinds.includes("instance"))
              for (const id of ids("instance"))
                await rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: id }));
            if (kinds.includes("cluster"))
              for (const id of ids("cluster"))
                await rds.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: id }));
          } finally {
            world.faults = saved;
          }
        });
      });
    }
  }
  // Pushes its lines into faultNotes, including a revocation's outcome later in the run.
  armScheduledFaults(ctx, faultNotes);
  return faultNotes;
}
