import { describe, expect, it } from "vitest";
import type { FreshnessConfig } from "../../functions/freshness/config";
import { listWatchedRegions, makeHandler } from "../../functions/freshness/handler";
import { TAG } from "../../functions/lib/tags";
import { RdsWorld } from "../../sim/aws/rdsModel";
import { copyTags, DR, DR_REGION, HOME, SOURCE, spyObservability } from "../helpers/restoreFixtures";

const NOW = new Date("2026-11-25T12:00:00Z");
const CONFIG: FreshnessConfig = {
  region: HOME,
  drRegion: DR_REGION,
  stages: ["dr", "dr-region"],
  expected: [],
  retired: [{ dbId: "legacy" }],
  rpoMinutes: 120,
};

function world(): RdsWorld {
  const w = new RdsWorld({ clock: () => NOW });
  const add = (region: string, dbId: string, at: string, stage: "dr" | "dr-region") =>
    w.addSnapshot(DR, region, {
      kind: "instance",
      id: `rpl-${SOURCE}-${dbId}-${at.slice(11, 13)}${stage === "dr" ? "" : "-r"}`,
      dbId,
      createdAt: new Date(at),
      tags: copyTags(dbId, new Date(at), { stage }),
    });
  add(HOME, "orders", "2026-11-25T11:00:00Z", "dr");
  add(HOME, "orders", "2026-11-25T09:00:00Z", "dr");
  add(DR_REGION, "orders", "2026-11-25T09:00:00Z", "dr-region");
  add(HOME, "legacy", "2026-10-01T00:00:00Z", "dr");
  // Not ours: never measured.
  w.addSnapshot(DR, HOME, { kind: "instance", id: "manual-orders", dbId: "orders", createdAt: NOW });
  return w;
}

describe("freshness handler", () => {
  it("publishes per-DB ages and per-stage maxima from both regions, leaving retired DBs out", async () => {
    const spy = spyObservability();
    const handler = makeHandler({ clients: world().clients(DR), clock: () => NOW, config: CONFIG, obs: spy.obs });

    const summary = await handler({});

    expect(summary).toEqual({
      dbs: 1,
      stale: 1,
      missing: 0,
      maxAgeMinutes: { dr: 60, "dr-region": 180 },
      unread: [],
    });
    expect(spy.metrics).toEqual([
      {
        name: "RecoveryPointAgeMinutes",
        unit: "None",
        value: 60,
        dimensions: { Stage: "dr", DbId: `${SOURCE}/orders` },
      },
      {
        name: "RecoveryPointAgeMinutes",
        unit: "None",
        value: 180,
        dimensions: { Stage: "dr-region", DbId: `${SOURCE}/orders` },
      },
      { name: "MaxRecoveryPointAgeMinutes", unit: "None", value: 60, dimensions: { Stage: "dr" } },
      { name: "MaxRecoveryPointAgeMinutes", unit: "None", value: 180, dimensions: { Stage: "dr-region" } },
    ]);
  });

  it("publishes no datum for an expected DB without a copy (its own alarm breaches) and keeps the other DB's maximum", async () => {
    const spy = spyObservability();
    const config = { ...CONFIG, expected: [{ account: SOURCE, dbId: "billing" }] };
    const handler = makeHandler({ clients: world().clients(DR), clock: () => NOW, config, obs: spy.obs });

    const summary = await handler({});

    // billing has its own alarm (issue 13), so it no longer withholds the maximum of the unlisted DB orders.
    expect(summary).toMatchObject({ dbs: 2, missing: 2, maxAgeMinutes: { dr: 60, "dr-region": 180 } });
    expect(spy.metrics.filter((m) => m.name === "ExpectedDbRecoveryPointAgeMinutes")).toEqual([]);
    expect(spy.metrics.filter((m) => m.name === "MaxRecoveryPointAgeMinutes").map((m) => m.value)).toEqual([60, 180]);
    expect(spy.obs.logger.warn).toHaveBeenCalledWith("no available copy", { stage: "dr", dbs: [`${SOURCE}/billing`] });
  });

  it("measures the DR region when the home region is down, and publishes nothing for the home stage (alarm breaches)", async () => {
    const spy = spyObservability();
    const w = world();
    // The whole home region is down (issue 11): every call there fails.
    w.faults = { outage: ({ region }) => region === HOME };
    const handler = makeHandler({ clients: w.clients(DR), clock: () => NOW, config: CONFIG, obs: spy.obs });

    const summary = await handler({});

    expect(summary).toEqual({ dbs: 1, stale: 1, missing: 0, maxAgeMinutes: { "dr-region": 180 }, unread: ["dr"] });
    expect(spy.metrics.map((m) => m.dimensions.Stage)).toEqual(["dr-region", "dr-region"]);
    expect(spy.obs.logger.error).toHaveBeenCalledWith("region unreadable; its stages get no datapoint", {
      region: HOME,
      stages: ["dr"],
      error: expect.any(String),
    });
  });

  it("fails the run when no region can be read (the Lambda error and missing data both alarm)", async () => {
    const spy = spyObservability();
    const w = world();
    w.faults = { outage: () => true };
    const handler = makeHandler({ clients: w.clients(DR), clock: () => NOW, config: CONFIG, obs: spy.obs });

    await expect(handler({})).rejects.toThrow();
    expect(spy.metrics).toEqual([]);
  });

  it("lists every manual snapshot of both regions and measures only the owned copies among them", async () => {
    const spy = spyObservability();
    const w = world();
    // Tagged like a fresh copy of orders in every way but ownership: the planner must not count it.
    const { [TAG.managedBy]: _, ...unowned } = copyTags("orders", NOW, { stage: "dr-region" });
    w.addSnapshot(DR, DR_REGION, { kind: "instance", id: "look-alike", dbId: "orders", createdAt: NOW, tags: unowned });
    const deps = { clients: w.clients(DR), clock: () => NOW, config: CONFIG, obs: spy.obs };

    const listed = await listWatchedRegions(deps);
    const summary = await makeHandler(deps)({});

    // Both foreign snapshots are listed (the planner sorts them out: no second pass here) ...
    expect(listed.snapshots.map((s) => s.id).sort()).toEqual([
      "look-alike",
      "manual-orders",
      `rpl-${SOURCE}-legacy-00`,
      `rpl-${SOURCE}-orders-09`,
      `rpl-${SOURCE}-orders-09-r`,
      `rpl-${SOURCE}-orders-11`,
    ]);
    expect(listed.unread).toEqual([]);
    // ... and neither is measured: the DR-region age is still the owned copy's 180 minutes.
    expect(summary.maxAgeMinutes).toEqual({ dr: 60, "dr-region": 180 });
  });
});
