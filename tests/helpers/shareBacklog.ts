/**
 * The Sharer backlog fixture shared by tests/handlers/shareBacklog.test.ts (model, no HTTP) and
 * tests/wire/shareOverHttp.test.ts (bundled Sharer over HTTP): `perDb` owned source snapshots for each DB, one every
 * half hour from `t0`, encrypted with a source key the DR accounts may use — what changing `drAccounts` leaves to share.
 */
import { MANAGED_BY_VALUE, TAG } from "../../functions/lib/tags";
import type { RdsWorld } from "../../sim/aws/rdsModel";

const HALF_HOUR = 1_800_000;

/** Adds the backlog to `world`; `ledger` is an Aurora cluster, every other DB an instance. */
export function addShareBacklog(
  world: RdsWorld,
  o: {
    readonly source: string;
    readonly drAccounts: readonly string[];
    readonly region: string;
    readonly dbs: readonly string[];
    readonly perDb: number;
    readonly t0: number;
  },
): void {
  const key = world.createKey(o.source, o.region, { alias: "alias/rpl-source", allowAccounts: [...o.drAccounts] });
  for (const dbId of o.dbs) {
    const kind = dbId === "ledger" ? "cluster" : "instance";
    for (let i = 0; i < o.perDb; i++) {
      const at = new Date(o.t0 + i * HALF_HOUR);
      const id = `rpl-${dbId}-${at.toISOString().slice(0, 16).replace(/[-:]/g, "").replace("T", "-")}`;
      world.addSnapshot(o.source, o.region, {
        kind,
        id,
        dbId,
        createdAt: at,
        kmsKeyArn: key,
        tags: {
          [TAG.managedBy]: MANAGED_BY_VALUE,
          [TAG.sourceDb]: dbId,
          [TAG.sourceKind]: kind,
          [TAG.sourceAccount]: o.source,
          [TAG.sourceRegion]: o.region,
          [TAG.stage]: "source",
          [TAG.recoveryPoint]: at.toISOString(),
        },
      });
    }
  }
}
