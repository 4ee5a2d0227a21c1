import { describe, expect, it } from "vitest";

import type { RestoreConfig } from "../../functions/restore/config";
import { makeHandler, type RestoreState } from "../../functions/restore/handler";
import { RdsWorld } from "../../sim/aws/rdsModel";
import { copyTags, DR, HOME, spyObservability } from "../helpers/restoreFixtures";

const NOW = new Date("2026-11-25T06:00:00Z");
const CONFIG: RestoreConfig = {
  region: HOME,
  restoreRegion: HOME,
  subnetGroup: "dr-db-subnets",
  securityGroupIds: [],
  multiAz: false,
  namePrefix: "dr-",
  retired: [],
};

function setup() {
  const world = new RdsWorld({ clock: () => NOW });
  world.addSnapshot(DR, HOME, {
    kind: "instance",
    id: "rpl-111111111111-orders-20261125-0400",
    dbId: "orders",
    createdAt: new Date("2026-11-25T04:20:00Z"),
    tags: copyTags("orders", new Date("2026-11-25T04:00:00Z")),
  });
  const handler = makeHandler({
    clients: world.clients(DR),
    clock: () => NOW,
    config: CONFIG,
    obs: spyObservability().obs,
  });
  return { world, handler };
}

describe("restore handler start", () => {
  it("is safe to retry: a DB created by this same run is recognised by its token", async () => {
    const { world, handler } = setup();
    const state = await handler({ action: "plan", input: { mode: "restore" }, maxChecks: 10 });

    await handler({ action: "start", state });
    await expect(handler({ action: "start", state })).resolves.toEqual(state);

    expect(world.callCount("RestoreDBInstanceFromDBSnapshot")).toBe(2);
    expect(world.dbs(DR, HOME).map((d) => [d.id, d.tags["rpl-restore-token"], d.tags["rpl-drill"]])).toEqual([
      ["dr-orders", NOW.toISOString(), undefined],
    ]);
  });

  it("refuses a DB that appeared after planning and was not created by this run", async () => {
    const { world, handler } = setup();
    const state: RestoreState = await handler({ action: "plan", input: { mode: "restore" }, maxChecks: 10 });
    world.addDbInstance(DR, HOME, { id: "dr-orders" });

    await expect(handler({ action: "start", state })).rejects.toMatchObject({
      name: "RestoreTargetExistsError",
      message: "refusing to overwrite existing DB dr-orders (created outside this run)",
    });
  });

  it("refuses to clean up a failover restore", async () => {
    const { handler } = setup();
    const state = await handler({ action: "plan", input: { mode: "restore" }, maxChecks: 10 });

    await expect(handler({ action: "cleanup", state })).rejects.toThrow("a failover restore is never deleted");
  });

  it("never deletes a non-drill identifier even if the state names one", async () => {
    const { world, handler } = setup();
    world.addDbInstance(DR, HOME, { id: "orders" });
    const state = await handler({ action: "plan", input: { mode: "drill" }, maxChecks: 10 });
    const forged = { ...state, targets: state.targets.map((t) => ({ ...t, targetId: "orders" })) };

    await expect(handler({ action: "cleanup", state: forged })).rejects.toThrow("refusing to delete orders");
    expect(world.callCount("DeleteDBInstance")).toBe(0);
  });
});
