/**
 * The listings the Copier and the Checker plan from. One place, so both see the same inputs.
 */
import type { AwsClients } from "../lib/clients";
import { listSnapshots } from "../lib/rds";
import type { CopyConfig } from "./config";
import type { CopyPlanInput } from "./plan";

/**
 * Lists shared and manual snapshots in the home region, and manual snapshots in the DR region when configured. The
 * home manual listing doubles as the source listing of a single-account stack (its own `source`-stage snapshots).
 */
export async function listCopyState(
  clients: AwsClients,
  config: CopyConfig,
): Promise<Pick<CopyPlanInput, "shared" | "home" | "regional">> {
  const home = clients.rds(config.region);
  const [shared, homeManual, regional] = await Promise.all([
    listSnapshots(home, { type: "shared" }),
    listSnapshots(home, { type: "manual" }),
    config.drRegion ? listSnapshots(clients.rds(config.drRegion), { type: "manual" }) : Promise.resolve([]),
  ]);
  return { shared, home: homeManual, regional };
}
