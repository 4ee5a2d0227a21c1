import {
  type DBClusterSnapshot,
  type DBSnapshot,
  DeleteDBClusterSnapshotCommand,
  DeleteDBSnapshotCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
  RDSServiceException,
} from "@aws-sdk/client-rds";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";

import type { ExpireConfig } from "../../functions/expire/config";
import { makeHandler } from "../../functions/expire/handler";
import type { AwsClients } from "../../functions/lib/clients";
import { ConfigError, PartialFailureError } from "../../functions/lib/errors";
import type { Observability } from "../../functions/lib/powertools";
import { DEFAULT_RETENTION } from "../../functions/lib/retention";
import { config, DR, every, HOME, policy, rawSnap, type SnapOpts } from "../unit/expireFixtures";

const NOW = new Date("2026-06-15T12:00:00Z");
const OLD = "2025-01-01T00:00:00Z";
const OLDER = "2024-12-01T00:00:00Z";
const OLDEST = "2024-11-01T00:00:00Z";

const homeRds = new RDSClient({ region: HOME });
const drRds = new RDSClient({ region: DR });
const home = mockClient(homeRds);
const dr = mockClient(drRds);

const clients: AwsClients = {
  rds: (region) => {
    if (region === HOME) return homeRds;
    if (region === DR) return drRds;
    throw new Error(`unexpected region ${region}`);
  },
  kms: () => {
    throw new Error("the Janitor never uses KMS");
  },
  events: () => {
    throw new Error("the Janitor never uses EventBridge");
  },
};

interface Emitted {
  name: string;
  unit: string;
  value: number;
  dimensions: Record<string, string>;
}

function fakeObs() {
  const emitted: Emitted[] = [];
  const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn(), debug: vi.fn(), appendKeys: vi.fn() };
  const metrics = {
    addMetric: vi.fn(),
    addMetadata: vi.fn(),
    publishStoredMetrics: vi.fn(),
    singleMetric: () => {
      const dimensions: Record<string, string> = {};
      const single = {
        addDimension: (k: string, v: string) => {
          dimensions[k] = v;
          return single;
        },
        addMetric: (name: string, unit: string, value: number) => {
          emitted.push({ name, unit, value, dimensions: { ...dimensions } });
          return single;
        },
      };
      return single;
    },
  };
  return { obs: { logger, metrics } as unknown as Observability, emitted, logger };
}

function setup(over: Partial<ExpireConfig> = {}) {
  const o = fakeObs();
  const run = makeHandler({ clients, clock: () => NOW, config: config(over), obs: o.obs });
  return { run, ...o };
}

/** Lists `items` from one region's mock, one page each for instance and cluster snapshots. */
function lists(mock: typeof home, items: ReturnType<typeof rawSnap>[]) {
  mock
    .on(DescribeDBSnapshotsCommand)
    .resolves({ DBSnapshots: items.filter((i) => i.kind === "instance").map((i) => i.raw as DBSnapshot) });
  mock.on(DescribeDBClusterSnapshotsCommand).resolves({
    DBClusterSnapshots: items.filter((i) => i.kind === "cluster").map((i) => i.raw as DBClusterSnapshot),
  });
}

const homeSnap = (o: SnapOpts) => rawSnap({ region: HOME, stage: "dr", ...o });
const drSnap = (o: SnapOpts) => rawSnap({ region: DR, stage: "dr-region", ...o });
const idOf = (r: ReturnType<typeof rawSnap>) =>
  (r.raw as DBSnapshot).DBSnapshotIdentifier ?? (r.raw as DBClusterSnapshot).DBClusterSnapshotIdentifier!;

function awsError(name: string): RDSServiceException {
  return new RDSServiceException({ name, $fault: "client", $metadata: {}, message: `${name} from RDS` });
}

beforeEach(() => {
  home.reset();
  dr.reset();
  for (const m of [home, dr]) {
    m.on(DeleteDBSnapshotCommand).resolves({});
    m.on(DeleteDBClusterSnapshotCommand).resolves({});
  }
});

afterEach(() => {
  home.reset();
  dr.reset();
});

describe("expire handler", () => {
  it("lists manual snapshots in every region and deletes expired ones with the right command and client", async () => {
    const i = [homeSnap({ at: OLDER }), homeSnap({ at: OLD })];
    const c = [homeSnap({ at: OLDER, kind: "cluster" }), homeSnap({ at: OLD, kind: "cluster" })];
    const r = [drSnap({ at: OLDER }), drSnap({ at: OLD })];
    lists(home, [...i, ...c]);
    lists(dr, r);
    const { run, emitted } = setup({ retention: policy({ minKeep: 1 }) });

    const summary = await run({});

    expect(summary).toEqual({ deleted: 3, kept: 3, skipped: 0, failed: 0, leftPending: 0, dryRun: false });
    for (const m of [home, dr]) {
      expect(m.commandCalls(DescribeDBSnapshotsCommand)[0]!.args[0].input).toEqual({
        SnapshotType: "manual",
        MaxRecords: 100,
      });
      expect(m.commandCalls(DescribeDBClusterSnapshotsCommand)[0]!.args[0].input).toEqual({
        SnapshotType: "manual",
        MaxRecords: 100,
      });
    }
    expect(home.commandCalls(DeleteDBSnapshotCommand).map((x) => x.args[0].input)).toEqual([
      { DBSnapshotIdentifier: idOf(i[0]!) },
    ]);
    expect(home.commandCalls(DeleteDBClusterSnapshotCommand).map((x) => x.args[0].input)).toEqual([
      { DBClusterSnapshotIdentifier: idOf(c[0]!) },
    ]);
    expect(dr.commandCalls(DeleteDBSnapshotCommand).map((x) => x.args[0].input)).toEqual([
      { DBSnapshotIdentifier: idOf(r[0]!) },
    ]);
    expect(emitted).toEqual([
      { name: "SnapshotsDeleted", unit: "Count", value: 3, dimensions: { Stage: "dr" } },
      { name: "StepFailures", unit: "Count", value: 0, dimensions: { Stage: "dr" } },
    ]);
  });

  it("follows pagination beyond 100 snapshots and keeps the newest minKeep", async () => {
    const times = every("2025-01-01T00:00:00Z", "2025-01-07T06:00:00Z", 60); // 150 hourly snapshots, all old
    expect(times).toHaveLength(150);
    const all = times.map((at) => homeSnap({ at })).map((x) => x.raw as DBSnapshot);
    // The SDK paginator reuses one input object, so record each page's Marker at call time.
    const markers: (string | undefined)[] = [];
    home.on(DescribeDBSnapshotsCommand).callsFake((input: { Marker?: string }) => {
      markers.push(input.Marker);
      return input.Marker === "page-2"
        ? { DBSnapshots: all.slice(100) }
        : { DBSnapshots: all.slice(0, 100), Marker: "page-2" };
    });
    home.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [] });
    lists(dr, []);
    const { run } = setup({ retention: DEFAULT_RETENTION });

    const summary = await run({});

    expect(markers).toEqual([undefined, "page-2"]);
    expect(summary).toEqual({ deleted: 147, kept: 3, skipped: 0, failed: 0, leftPending: 0, dryRun: false });
    const deleted = new Set(
      home.commandCalls(DeleteDBSnapshotCommand).map((x) => x.args[0].input.DBSnapshotIdentifier),
    );
    expect(deleted.size).toBe(147);
    for (const kept of all.slice(-3)) expect(deleted.has(kept.DBSnapshotIdentifier)).toBe(false);
  });

  it("never deletes what it does not own, even when very old", async () => {
    lists(home, [
      homeSnap({ at: OLDEST, id: "a-human-snapshot", owned: false }),
      homeSnap({ at: OLDEST, id: "rds-automated", type: "automated" }),
      homeSnap({ at: OLDEST, id: "source-stage", stage: "source" }),
      homeSnap({ at: OLD }),
    ]);
    lists(dr, []);
    const { run } = setup({ retention: policy({ minKeep: 1 }) });

    expect(await run({})).toEqual({ deleted: 0, kept: 1, skipped: 0, failed: 0, leftPending: 0, dryRun: false });
    expect(home.commandCalls(DeleteDBSnapshotCommand)).toHaveLength(0);
  });

  it("keeps a home-region copy that the DR-region copy in progress reads from", async () => {
    const src = [homeSnap({ at: OLDEST }), homeSnap({ at: OLDER }), homeSnap({ at: OLD })];
    const arn = (src[0]!.raw as DBSnapshot).DBSnapshotArn!;
    lists(home, src);
    lists(dr, [drSnap({ at: OLDEST, status: "creating", copiedFrom: arn })]);
    const { run } = setup({ retention: policy({ minKeep: 1 }) });

    expect(await run({})).toMatchObject({ deleted: 1, kept: 3 });
    expect(home.commandCalls(DeleteDBSnapshotCommand).map((x) => x.args[0].input)).toEqual([
      { DBSnapshotIdentifier: idOf(src[1]!) },
    ]);
  });

  it("returns the plan and deletes nothing in a dry run", async () => {
    lists(home, [homeSnap({ at: OLDER }), homeSnap({ at: OLD }), homeSnap({ at: OLDEST, status: "failed" })]);
    lists(dr, []);
    const { run, emitted } = setup({ retention: policy({ minKeep: 1 }) });

    const summary = await run({ dryRun: true });

    expect(summary).toEqual({
      deleted: 0,
      kept: 1,
      skipped: 0,
      failed: 0,
      leftPending: 0,
      dryRun: true,
      plan: [
        {
          id: idOf(homeSnap({ at: OLDER })),
          region: HOME,
          kind: "instance",
          dbId: "orders-db",
          reason: "expired",
          recoveryPoint: "2024-12-01T00:00:00.000Z",
        },
        {
          id: idOf(homeSnap({ at: OLDEST })),
          region: HOME,
          kind: "instance",
          dbId: "orders-db",
          reason: "failed",
          recoveryPoint: "2024-11-01T00:00:00.000Z",
        },
      ],
    });
    expect(home.commandCalls(DeleteDBSnapshotCommand)).toHaveLength(0);
    expect(emitted).toEqual([]);
  });

  it("restricts deletions to one DB with { dbId }", async () => {
    const orders = [homeSnap({ at: OLDER }), homeSnap({ at: OLD })];
    lists(home, [...orders, homeSnap({ at: OLDER, dbId: "billing" }), homeSnap({ at: OLD, dbId: "billing" })]);
    lists(dr, []);
    const { run } = setup({ retention: policy({ minKeep: 1 }) });

    expect(await run({ dbId: "orders-db" })).toEqual({
      deleted: 1,
      kept: 1,
      skipped: 0,
      failed: 0,
      leftPending: 0,
      dryRun: false,
    });
    expect(home.commandCalls(DeleteDBSnapshotCommand).map((x) => x.args[0].input)).toEqual([
      { DBSnapshotIdentifier: idOf(orders[0]!) },
    ]);
    // The listing is narrowed server-side to the DB (a per-DB run reads its DB's pages, not the region's).
    for (const mock of [home, dr]) {
      for (const c of [DescribeDBSnapshotsCommand, DescribeDBClusterSnapshotsCommand] as const) {
        const filters = mock.commandCalls(c).map((x) => x.args[0].input.Filters);
        expect(filters.length).toBeGreaterThan(0);
        for (const f of filters) expect(f?.[0]?.Values).toEqual(["orders-db"]);
      }
    }
  });

  it.each([
    ["instance", "DBSnapshotNotFoundFault"],
    ["instance", "DBSnapshotNotFound"],
    ["cluster", "DBClusterSnapshotNotFoundFault"],
  ] as const)("counts a %s snapshot already gone (%s) as deleted", async (kind, error) => {
    lists(home, [homeSnap({ at: OLDER, kind }), homeSnap({ at: OLD, kind })]);
    lists(dr, []);
    const command = (
      kind === "instance" ? DeleteDBSnapshotCommand : DeleteDBClusterSnapshotCommand
    ) as typeof DeleteDBSnapshotCommand;
    home.on(command).rejects(awsError(error));
    const { run, logger } = setup({ retention: policy({ minKeep: 1 }) });

    expect(await run({})).toEqual({ deleted: 1, kept: 1, skipped: 0, failed: 0, leftPending: 0, dryRun: false });
    expect(logger.info).toHaveBeenCalledWith("snapshot already gone", expect.objectContaining({ kind }));
  });

  it.each([
    ["instance", "InvalidDBSnapshotStateFault"],
    ["instance", "InvalidDBSnapshotState"],
    ["cluster", "InvalidDBClusterSnapshotStateFault"],
  ] as const)("skips and reports a %s snapshot RDS will not delete now (%s)", async (kind, error) => {
    const s = [homeSnap({ at: OLDEST, kind }), homeSnap({ at: OLDER, kind }), homeSnap({ at: OLD, kind })];
    lists(home, s);
    lists(dr, []);
    // One code path for both kinds: the mock only needs the class to match on.
    const command = (
      kind === "instance" ? DeleteDBSnapshotCommand : DeleteDBClusterSnapshotCommand
    ) as typeof DeleteDBSnapshotCommand;
    const key = kind === "instance" ? "DBSnapshotIdentifier" : "DBClusterSnapshotIdentifier";
    home
      .on(command)
      .resolves({})
      .on(command, { [key]: idOf(s[1]!) } as { DBSnapshotIdentifier: string })
      .rejects(awsError(error));
    const { run, logger, emitted } = setup({ retention: policy({ minKeep: 1 }) });

    expect(await run({})).toEqual({ deleted: 1, kept: 1, skipped: 1, failed: 0, leftPending: 0, dryRun: false });
    expect(home.commandCalls(command)).toHaveLength(2);
    expect(logger.warn).toHaveBeenCalledWith(
      "snapshot not deletable in its current state; skipped",
      expect.objectContaining({ snapshotId: idOf(s[1]!) }),
    );
    expect(emitted.map((e) => [e.name, e.value])).toEqual([
      ["SnapshotsDeleted", 1],
      ["StepFailures", 0],
    ]);
  });

  it.each(["AccessDenied", "Throttling", "KMSKeyNotAccessibleFault"])(
    "fails only the item on %s, deletes the others, then throws naming it",
    async (error) => {
      const s = [homeSnap({ at: OLDEST }), homeSnap({ at: OLDER }), homeSnap({ at: OLD })];
      lists(home, s);
      lists(dr, [drSnap({ at: OLDER }), drSnap({ at: OLD })]);
      home
        .on(DeleteDBSnapshotCommand)
        .resolves({})
        .on(DeleteDBSnapshotCommand, { DBSnapshotIdentifier: idOf(s[0]!) })
        .rejects(awsError(error));
      const { run, emitted, logger } = setup({ retention: policy({ minKeep: 1 }) });

      const err = await run({}).catch((e: unknown) => e);

      expect(err).toBeInstanceOf(PartialFailureError);
      expect((err as PartialFailureError).failures).toEqual([
        {
          id: `${HOME}/${idOf(s[0]!)}`,
          error: error === "Throttling" ? "TransientAwsError" : error,
          message:
            error === "Throttling"
              ? `expire: DeleteDBSnapshot ${idOf(s[0]!)} failed: Throttling: Throttling from RDS`
              : `expire: DeleteDBSnapshot ${idOf(s[0]!)} failed: ${error}: ${error} from RDS`,
        },
      ]);
      expect((err as Error).message).toContain(`expire failed for 1 item(s): ${HOME}/${idOf(s[0]!)} (`);
      expect(home.commandCalls(DeleteDBSnapshotCommand)).toHaveLength(2);
      expect(dr.commandCalls(DeleteDBSnapshotCommand)).toHaveLength(1);
      expect(emitted.map((e) => [e.name, e.value])).toEqual([
        ["SnapshotsDeleted", 2],
        ["StepFailures", 1],
      ]);
      expect(logger.info).toHaveBeenCalledWith("expire finished", {
        deleted: 2,
        kept: 2,
        skipped: 0,
        failed: 1,
        leftPending: 0,
        dryRun: false,
      });
    },
  );

  it("deletes nothing anywhere when listing one region fails", async () => {
    lists(home, [homeSnap({ at: OLDER }), homeSnap({ at: OLD })]);
    dr.on(DescribeDBSnapshotsCommand).rejects(awsError("AccessDenied"));
    const { run } = setup({ retention: policy({ minKeep: 1 }) });

    await expect(run({})).rejects.toThrow("AccessDenied from RDS");
    expect(home.commandCalls(DeleteDBSnapshotCommand)).toHaveLength(0);
  });

  it("sends the delete to the region it listed the snapshot in when the ARN is missing", async () => {
    const noArn = (o: SnapOpts) => {
      const r = drSnap(o);
      const { DBSnapshotArn: _drop, ...raw } = r.raw as DBSnapshot;
      return { ...r, raw };
    };
    lists(home, []);
    lists(dr, [noArn({ at: OLDER }), noArn({ at: OLD })]);
    const { run } = setup({ retention: policy({ minKeep: 1 }) });

    expect(await run({})).toMatchObject({ deleted: 1 });
    expect(dr.commandCalls(DeleteDBSnapshotCommand)).toHaveLength(1);
    expect(home.commandCalls(DeleteDBSnapshotCommand)).toHaveLength(0);
  });

  it("sweeps only the configured regions (source account, one region)", async () => {
    lists(home, [
      homeSnap({ at: OLDER, stage: "source" }),
      homeSnap({ at: OLD, stage: "source" }),
      homeSnap({ at: OLDEST, stage: "dr" }),
    ]);
    const { run, emitted } = setup({ stage: "source", regions: [HOME], retention: policy({ minKeep: 1 }) });

    expect(await run(undefined)).toEqual({ deleted: 1, kept: 1, skipped: 0, failed: 0, leftPending: 0, dryRun: false });
    expect(dr.calls()).toHaveLength(0);
    expect(emitted[0]!.dimensions).toEqual({ Stage: "source" });
  });

  it("treats a raw EventBridge (Scheduler) event as a full sweep", async () => {
    lists(home, [homeSnap({ at: OLDER }), homeSnap({ at: OLD })]);
    lists(dr, []);
    const { run } = setup({ retention: policy({ minKeep: 1 }) });

    const event = { "detail-type": "Scheduled Event", source: "aws.scheduler", detail: {}, resources: [] };
    expect(await run(event)).toMatchObject({ deleted: 1, dryRun: false });
  });

  it.each([
    [{ dryRun: "true" }, 'expire input.dryRun must be true or false (got "true")'],
    [{ dryRun: 1 }, "expire input.dryRun must be true or false (got 1)"],
    [{ dbId: "" }, 'expire input.dbId must be a non-empty DB identifier (got "")'],
    [{ dbId: 42 }, "expire input.dbId must be a non-empty DB identifier (got 42)"],
    ["sweep", 'expire input must be a JSON object such as {"dryRun":true} (got "sweep")'],
  ])("rejects the input %j before any AWS call", async (event, message) => {
    const { run } = setup();
    const err = await run(event).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toBe(message);
    expect(home.calls()).toHaveLength(0);
    expect(dr.calls()).toHaveLength(0);
  });
});

describe("expire module load (cold start)", () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  it("fails with a ConfigError naming the bad variable", async () => {
    vi.resetModules();
    vi.stubEnv("RPL_STAGE", "dr");
    vi.stubEnv("RPL_RETENTION", '{"minKeep":0}');
    await expect(import("../../functions/expire/index")).rejects.toThrow("RPL_RETENTION.minKeep must be >= 1");
  });

  it("builds the Lambda handler from a valid environment", async () => {
    vi.resetModules();
    vi.stubEnv("RPL_STAGE", "source");
    vi.stubEnv("RPL_REGIONS", "eu-west-1");
    const mod = await import("../../functions/expire/index");
    expect(typeof mod.handler).toBe("function");
  });
});
