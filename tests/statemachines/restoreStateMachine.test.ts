import { DeleteDBInstanceCommand, type RDSClient } from "@aws-sdk/client-rds";
import { beforeEach, describe, expect, it } from "vitest";

import { buildRestoreDefinition, RESTORE_STATES } from "../../components/shared/restoreStateMachine";
import type { RestoreConfig } from "../../functions/restore/config";
import { makeHandler, type RestoreEvent } from "../../functions/restore/handler";
import { RdsWorld } from "../../sim/aws/rdsModel";
import { runStateMachine } from "../../sim/localStepFunctions";
import { copyTags, DR, HOME, type RecordedMetric, spyObservability } from "../helpers/restoreFixtures";

const FN = `arn:aws:lambda:${HOME}:${DR}:function:restorer`;
const T0 = new Date("2026-11-25T06:00:00Z");

const CONFIG: RestoreConfig = {
  region: HOME,
  restoreRegion: HOME,
  subnetGroup: "dr-db-subnets",
  securityGroupIds: ["sg-0123456789abcdef0"],
  instanceClass: "db.r6g.large",
  multiAz: false,
  namePrefix: "",
  retired: [],
};

let now: Date;
let world: RdsWorld;
let metrics: RecordedMetric[];

function addCopy(dbId: string, at: string, kind: "instance" | "cluster" = "instance") {
  const rp = new Date(at);
  const slug = at.slice(0, 16).replace(/[-:]/g, "").replace("T", "-");
  world.addSnapshot(DR, HOME, {
    kind,
    id: `rpl-111111111111-${dbId}-${slug}`,
    dbId,
    createdAt: new Date(rp.getTime() + 20 * 60_000),
    tags: copyTags(dbId, rp, { kind }),
    sizeGb: 100,
    engine: kind === "cluster" ? "aurora-postgresql" : "postgres",
  });
}

async function run(input: unknown, config: RestoreConfig = CONFIG, rtoMinutes = 240) {
  const spy = spyObservability();
  metrics = spy.metrics;
  const handler = makeHandler({ clients: world.clients(DR), clock: () => now, config, obs: spy.obs });
  const definition = buildRestoreDefinition({
    functionArn: FN,
    rtoMinutes,
    waitSeconds: 60,
    retry: { maxAttempts: 0 },
  });
  return runStateMachine(definition, {
    handlers: { [FN]: (p) => handler(p as RestoreEvent) },
    input,
    onWait: (seconds) => {
      now = new Date(now.getTime() + seconds * 1000);
      return 0;
    },
  });
}

const dbIds = () =>
  world
    .dbs(DR, HOME)
    .map((d) => `${d.kind}:${d.id}`)
    .sort();

beforeEach(() => {
  now = T0;
  world = new RdsWorld({ clock: () => now, timing: { restoreMinutes: ({ kind }) => (kind === "cluster" ? 15 : 25) } });
  addCopy("orders", "2026-11-24T22:00:00Z");
  addCopy("orders", "2026-11-25T04:00:00Z");
});

describe("restore state machine: failover", () => {
  it("restores the newest copy of an instance and reports its recovery point and elapsed time", async () => {
    const r = await run({ mode: "restore", dbIds: ["orders"] });

    expect(r.status).toBe("SUCCEEDED");
    expect(r.output).toMatchObject({
      mode: "restore",
      elapsedMinutes: 25,
      restored: [
        {
          key: "111111111111/orders",
          targetId: "orders",
          recoveryPoint: "2026-11-25T04:00:00.000Z",
          snapshotId: "rpl-111111111111-orders-20261125-0400",
        },
      ],
    });
    expect(dbIds()).toEqual(["instance:orders"]);
    expect(world.dbs(DR, HOME)[0]!.status).toBe("available");
    expect(world.callCount("DeleteDBInstance")).toBe(0);
    expect(metrics).toEqual([
      { name: "RestoreDurationMinutes", unit: "None", value: 25, dimensions: { Mode: "restore" } },
    ]);
  });

  it("restores the newest copy at or before `before` (data-corruption recovery)", async () => {
    const r = await run({ mode: "restore", dbIds: ["orders"], before: "2026-11-25T03:59:00Z" });

    expect(r.status).toBe("SUCCEEDED");
    expect((r.output as { restored: { recoveryPoint: string }[] }).restored[0]!.recoveryPoint).toBe(
      "2026-11-24T22:00:00.000Z",
    );
  });

  it("restores an Aurora cluster, then creates its instance once the cluster is available", async () => {
    addCopy("ledger", "2026-11-25T05:00:00Z", "cluster");

    const r = await run({ mode: "restore", dbIds: ["ledger"] });

    expect(r.status).toBe("SUCCEEDED");
    expect(dbIds()).toEqual(["cluster:ledger", "instance:ledger-1"]);
    // Cluster 15 min, then the member 25 min more.
    expect((r.output as { elapsedMinutes: number }).elapsedMinutes).toBe(40);
    expect(world.dbs(DR, HOME).every((d) => d.status === "available")).toBe(true);
  });

  it("refuses to overwrite an existing DB and restores nothing", async () => {
    world.addDbInstance(DR, HOME, { id: "orders" });

    const r = await run({ mode: "restore", dbIds: ["orders"] });

    expect(r.status).toBe("FAILED");
    expect(r.error).toBe("RestoreTargetExistsError");
    expect(r.cause).toContain("refusing to overwrite existing DB(s): orders");
    expect(world.callCount("RestoreDBInstanceFromDBSnapshot")).toBe(0);
    expect(r.states).toContain(RESTORE_STATES.restoreFailed);
  });

  it("fails on an unknown DB without calling any restore API", async () => {
    const r = await run({ mode: "restore", dbIds: ["nope"] });

    expect(r.status).toBe("FAILED");
    expect(r.error).toBe("ConfigError");
    expect(r.cause).toContain('unknown DB \\"nope\\"');
    expect(world.callCount("RestoreDBInstanceFromDBSnapshot")).toBe(0);
  });

  it("never deletes anything when a failover restore fails", async () => {
    const r = await run({ mode: "restore", dbIds: ["orders"] }, CONFIG, 10);

    expect(r.status).toBe("FAILED");
    expect(r.error).toBe("RestoreTimedOut");
    expect(dbIds()).toEqual(["instance:orders"]);
    expect(world.callCount("DeleteDBInstance")).toBe(0);
  });
});

describe("restore state machine: drill", () => {
  it("restores into a temporary DB, measures it, and deletes it", async () => {
    const r = await run({ mode: "drill", dbIds: ["orders"] });

    expect(r.status).toBe("SUCCEEDED");
    expect(r.output).toMatchObject({ mode: "drill", restored: [{ targetId: "rpl-drill-orders-202611250600" }] });
    expect(dbIds()).toEqual([]);
    expect(world.callCount("DeleteDBInstance")).toBe(1);
    expect(metrics).toEqual([
      { name: "RestoreDurationMinutes", unit: "None", value: 25, dimensions: { Mode: "drill" } },
      { name: "DrillSucceeded", unit: "Count", value: 1, dimensions: {} },
    ]);
  });

  it("deletes an Aurora drill's instances before its cluster", async () => {
    addCopy("ledger", "2026-11-25T05:00:00Z", "cluster");

    const r = await run({ mode: "drill", dbIds: ["ledger"] });

    expect(r.status).toBe("SUCCEEDED");
    expect(dbIds()).toEqual([]);
    const deletes = world.calls.filter((c) => c.command.startsWith("DeleteDB")).map((c) => c.command);
    expect(deletes).toEqual(["DeleteDBInstance", "DeleteDBCluster"]);
  });

  it("cleans up and fails with the original error when the restored DB fails", async () => {
    const spy = spyObservability();
    metrics = spy.metrics;
    const handler = makeHandler({ clients: world.clients(DR), clock: () => now, config: CONFIG, obs: spy.obs });
    const definition = buildRestoreDefinition({
      functionArn: FN,
      rtoMinutes: 240,
      waitSeconds: 60,
      retry: { maxAttempts: 0 },
    });
    let waits = 0;
    const r = await runStateMachine(definition, {
      handlers: { [FN]: (p) => handler(p as RestoreEvent) },
      input: { mode: "drill" },
      onWait: (seconds) => {
        now = new Date(now.getTime() + seconds * 1000);
        // RDS gives up on the restore half-way (e.g. a parameter group the engine rejects).
        if (++waits === 5)
          world.setDbStatus(DR, HOME, "instance", "rpl-drill-orders-202611250600", "incompatible-parameters");
        return 0;
      },
    });

    expect(r.status).toBe("FAILED");
    expect(r.error).toBe("RestoreFailedError");
    expect(r.cause).toContain('rpl-drill-orders-202611250600 is in state \\"incompatible-parameters\\"');
    expect(dbIds()).toEqual([]);
    expect(spy.metrics).toEqual([{ name: "DrillSucceeded", unit: "Count", value: 0, dimensions: {} }]);
    expect(r.states.slice(-5)).toEqual([
      RESTORE_STATES.onFailure,
      RESTORE_STATES.recordFailure,
      RESTORE_STATES.cleanupAfterFailure,
      RESTORE_STATES.isFailureCleanupDone,
      RESTORE_STATES.drillFailed,
    ]);
  });

  it("cleans up a drill that exceeds the RTO and fails as RestoreTimedOut", async () => {
    const r = await run({ mode: "drill" }, CONFIG, 10);

    expect(r.status).toBe("FAILED");
    expect(r.error).toBe("RestoreTimedOut");
    expect(dbIds()).toEqual([]);
    expect(metrics).toEqual([{ name: "DrillSucceeded", unit: "Count", value: 0, dimensions: {} }]);
  });

  it("waits and retries the clean-up while RDS rejects the delete for the DB's state", async () => {
    const spy = spyObservability();
    const clients = world.clients(DR);
    let rejections = 0;
    // RDS answers InvalidDBInstanceStateFault while an instance is busy (e.g. still finishing a backup).
    const busyOnce = (client: RDSClient) =>
      new Proxy(client, {
        get(target, prop, receiver) {
          if (prop !== "send") return Reflect.get(target, prop, receiver);
          return async (cmd: unknown) => {
            if (cmd instanceof DeleteDBInstanceCommand && rejections++ === 0) {
              throw Object.assign(new Error("Instance is busy"), { name: "InvalidDBInstanceStateFault" });
            }
            return target.send(cmd as never);
          };
        },
      });
    const handler = makeHandler({
      clients: { ...clients, rds: (r) => busyOnce(clients.rds(r)) },
      clock: () => now,
      config: CONFIG,
      obs: spy.obs,
    });
    const definition = buildRestoreDefinition({
      functionArn: FN,
      rtoMinutes: 240,
      waitSeconds: 60,
      retry: { maxAttempts: 0 },
    });
    const r = await runStateMachine(definition, {
      handlers: { [FN]: (p) => handler(p as RestoreEvent) },
      input: { mode: "drill" },
      onWait: (s) => {
        now = new Date(now.getTime() + s * 1000);
        return 0;
      },
    });

    expect(r.status).toBe("SUCCEEDED");
    expect(r.states.filter((n) => n === RESTORE_STATES.cleanup)).toHaveLength(2);
    expect(r.states).toContain(RESTORE_STATES.waitCleanup);
    expect(dbIds()).toEqual([]);
  });
});
