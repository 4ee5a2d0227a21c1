import { describe, expect, it } from "vitest";
import { ConfigError, SnapshotNotFoundError } from "../../functions/lib/errors";
import type { Snapshot } from "../../functions/lib/model";
import { parseRestoreConfig } from "../../functions/restore/config";
import { RestoreTargetExistsError } from "../../functions/restore/errors";
import {
  assertTargetsFree,
  drillTargetId,
  fitId,
  memberId,
  parseRestoreRequest,
  planRestore,
  type RestoreSettings,
} from "../../functions/restore/plan";
import { parseRecoverySettings, restoreEnvironment } from "../../functions/restore/stackConfig";
import { copyTags, DR, DR_REGION, HOME, SOURCE, SOURCE_B } from "../helpers/restoreFixtures";

const NOW = new Date("2026-11-25T12:34:56Z");
const SETTINGS: RestoreSettings = {
  region: HOME,
  namePrefix: "",
  clusterInstances: 1,
  instanceClass: "db.r6g.large",
  retired: [],
};

function copy(
  dbId: string,
  at: string,
  o: {
    kind?: "instance" | "cluster";
    account?: string;
    stage?: "dr" | "dr-region" | "source";
    status?: string;
    region?: string;
  } = {},
): Snapshot {
  const region = o.region ?? HOME;
  const id = `rpl-${o.account ?? SOURCE}-${dbId}-${at.slice(0, 16).replace(/[-:]/g, "").replace("T", "-")}`;
  return {
    kind: o.kind ?? "instance",
    id,
    arn: `arn:aws:rds:${region}:${DR}:${o.kind === "cluster" ? "cluster-snapshot" : "snapshot"}:${id}`,
    dbId,
    status: o.status ?? "available",
    type: "manual",
    createdAt: new Date(at),
    encrypted: true,
    tags: copyTags(dbId, new Date(at), {
      stage: o.stage ?? "dr",
      account: o.account ?? SOURCE,
      kind: o.kind ?? "instance",
    }),
    region,
    account: DR,
    progress: 100,
    sizeGb: 10,
  };
}

const SNAPS = [
  copy("orders", "2026-11-25T06:00:00Z"),
  copy("orders", "2026-11-25T10:00:00Z"),
  copy("orders", "2026-11-25T11:00:00Z", { status: "creating" }),
  copy("orders", "2026-11-25T11:30:00Z", { region: DR_REGION, stage: "dr-region" }),
  copy("ledger", "2026-11-25T09:00:00Z", { kind: "cluster" }),
];

describe("planRestore", () => {
  it("picks the newest available copy in the restore region for every DB", () => {
    const targets = planRestore({ snapshots: SNAPS, request: { mode: "restore" }, settings: SETTINGS, now: NOW });

    expect(targets.map((t) => [t.key, t.kind, t.recoveryPoint, t.targetId, t.memberIds])).toEqual([
      [`${SOURCE}/ledger`, "cluster", "2026-11-25T09:00:00.000Z", "ledger", ["ledger-1"]],
      [`${SOURCE}/orders`, "instance", "2026-11-25T10:00:00.000Z", "orders", []],
    ]);
  });

  it("picks the newest copy at or before `before`", () => {
    const [t] = planRestore({
      snapshots: SNAPS,
      request: { mode: "restore", dbIds: ["orders"], before: "2026-11-25T09:59:59.000Z" },
      settings: SETTINGS,
      now: NOW,
    });
    expect(t!.recoveryPoint).toBe("2026-11-25T06:00:00.000Z");
  });

  it("restores from the DR region when that is the configured region", () => {
    const [t] = planRestore({
      snapshots: SNAPS,
      request: { mode: "restore", dbIds: ["orders"] },
      settings: { ...SETTINGS, region: DR_REGION },
      now: NOW,
    });
    expect(t!.recoveryPoint).toBe("2026-11-25T11:30:00.000Z");
  });

  it("names drill DBs rpl-drill-<db>-<yyyymmddhhmm> and Aurora members -1, -2", () => {
    const targets = planRestore({
      snapshots: SNAPS,
      request: { mode: "drill" },
      settings: { ...SETTINGS, clusterInstances: 2 },
      now: NOW,
    });
    expect(targets.map((t) => [t.targetId, t.memberIds])).toEqual([
      ["rpl-drill-ledger-202611251234", ["rpl-drill-ledger-202611251234-1", "rpl-drill-ledger-202611251234-2"]],
      ["rpl-drill-orders-202611251234", []],
    ]);
  });

  it("keeps long drill and member identifiers within 63 characters and distinct", () => {
    const long1 = `a${"b".repeat(62)}`;
    const long2 = `a${"b".repeat(61)}c`;
    const d1 = drillTargetId(long1, NOW);
    const d2 = drillTargetId(long2, NOW);
    expect(d1.length).toBeLessThanOrEqual(61);
    expect(d1).not.toBe(d2);
    expect(d1).toMatch(/^rpl-drill-[a-z0-9-]+-202611251234$/);
    expect(d1).not.toMatch(/--/);
    expect(memberId("x".repeat(63), 2)).toHaveLength(63);
    expect(fitId("abc", 10)).toBe("abc");
  });

  it("applies the name prefix in failover mode", () => {
    const [t] = planRestore({
      snapshots: SNAPS,
      request: { mode: "restore", dbIds: ["orders"] },
      settings: { ...SETTINGS, namePrefix: "dr-" },
      now: NOW,
    });
    expect(t!.targetId).toBe("dr-orders");
  });

  it.each([
    [{ mode: "restore", dbIds: ["nope"] }, ConfigError, 'unknown DB "nope"'],
    [{ mode: "restore", dbIds: ["orders"], before: "2026-11-24T00:00:00.000Z" }, SnapshotNotFoundError, "no copy of"],
  ] as const)("rejects %j", (request, type, fragment) => {
    const run = () => planRestore({ snapshots: SNAPS, request, settings: SETTINGS, now: NOW });
    expect(run).toThrow(type);
    expect(run).toThrow(fragment);
  });

  it("asks for the account when two source accounts have the DB", () => {
    const snaps = [...SNAPS, copy("orders", "2026-11-25T10:00:00Z", { account: SOURCE_B })];
    const run = (dbIds: string[]) =>
      planRestore({ snapshots: snaps, request: { mode: "restore", dbIds }, settings: SETTINGS, now: NOW });

    expect(() => run(["orders"])).toThrow(
      `DB "orders" is ambiguous: copies exist for ${SOURCE}/orders and ${SOURCE_B}/orders`,
    );
    expect(run([`${SOURCE_B}/orders`])[0]!.key).toBe(`${SOURCE_B}/orders`);
  });

  it("needs an instance class to restore an Aurora cluster", () => {
    const { instanceClass: _, ...noClass } = SETTINGS;
    expect(() =>
      planRestore({ snapshots: SNAPS, request: { mode: "restore", dbIds: ["ledger"] }, settings: noClass, now: NOW }),
    ).toThrow("restore.instanceClass");
  });

  it("leaves retired DBs out of 'all' but restores them when named", () => {
    const settings = { ...SETTINGS, retired: [{ dbId: "ledger" }] };
    expect(
      planRestore({ snapshots: SNAPS, request: { mode: "restore" }, settings, now: NOW }).map((t) => t.dbId),
    ).toEqual(["orders"]);
    expect(
      planRestore({ snapshots: SNAPS, request: { mode: "restore", dbIds: ["ledger"] }, settings, now: NOW })[0]!.dbId,
    ).toBe("ledger");
  });

  it("never gives a failover DB a drill name (those are deletable)", () => {
    const snaps = [copy("rpl-drill-x", "2026-11-25T10:00:00Z")];
    expect(() => planRestore({ snapshots: snaps, request: { mode: "restore" }, settings: SETTINGS, now: NOW })).toThrow(
      "drill prefix",
    );
  });
});

describe("assertTargetsFree", () => {
  it("names every existing target, members included", () => {
    const targets = planRestore({ snapshots: SNAPS, request: { mode: "restore" }, settings: SETTINGS, now: NOW });
    const run = () => assertTargetsFree(targets, new Set(["orders", "ledger-1"]));
    expect(run).toThrow(RestoreTargetExistsError);
    expect(run).toThrow("refusing to overwrite existing DB(s): ledger-1, orders");
    expect(() => assertTargetsFree(targets, new Set(["other"]))).not.toThrow();
  });
});

describe("parseRestoreRequest", () => {
  it("normalises `before` to ISO and drops an empty DB list", () => {
    expect(parseRestoreRequest({ mode: "drill", dbIds: [], before: "2026-11-25T06:00:00+01:00" })).toEqual({
      mode: "drill",
      before: "2026-11-25T05:00:00.000Z",
    });
  });

  it.each([
    [{}, "input.mode"],
    [{ mode: "all" }, "input.mode"],
    [{ mode: "drill", dbIds: "orders" }, "input.dbIds"],
    [{ mode: "drill", dbIds: ["bad name"] }, "input.dbIds"],
    [{ mode: "drill", before: "yesterday" }, "input.before"],
    [[], "JSON object"],
  ])("rejects %j naming the field", (input, fragment) => {
    expect(() => parseRestoreRequest(input)).toThrow(fragment);
  });
});

describe("recovery settings and restorer environment", () => {
  const stack = { region: HOME, drRegion: DR_REGION, source: "Pulumi.drprod.yaml" };

  it("resolves defaults and round-trips through the Lambda environment", () => {
    const s = parseRecoverySettings(
      { subnetGroup: "dr-db", securityGroupIds: ["sg-0123456789abcdef0"], instanceClass: "db.r6g.large" },
      stack,
    );
    expect(s).toMatchObject({
      region: DR_REGION,
      rtoMinutes: 240,
      drillSchedule: "cron(0 3 ? * SUN *)",
      freshnessStages: ["dr", "dr-region"],
    });
    const env = restoreEnvironment(s, ["legacy"], stack.source);
    expect(parseRestoreConfig({ ...env, AWS_REGION: HOME })).toEqual({
      region: HOME,
      restoreRegion: DR_REGION,
      subnetGroup: "dr-db",
      securityGroupIds: ["sg-0123456789abcdef0"],
      instanceClass: "db.r6g.large",
      multiAz: false,
      namePrefix: "",
      retired: [{ dbId: "legacy" }],
    });
  });

  it("lists every problem with the key path and the file", () => {
    const run = () =>
      parseRecoverySettings(
        {
          subnetGroup: "x",
          securityGroupIds: ["sg-1"],
          rtoMinutes: 5,
          drillDbIds: ["ok", "not ok"],
          namePrefix: "rpl-drill-",
          colour: "blue",
        },
        stack,
      );
    expect(run).toThrow(ConfigError);
    const message = (() => {
      try {
        run();
      } catch (err) {
        return (err as Error).message;
      }
    })()!;
    expect(message.split("\n")).toEqual([
      expect.stringContaining("rds-pilot-light:restore.colour is not a known key"),
      expect.stringContaining("rds-pilot-light:restore.securityGroupIds[0] must be a security group id"),
      expect.stringContaining("rds-pilot-light:restore.rtoMinutes must be at least 10 minutes (got 5)"),
      expect.stringContaining('rds-pilot-light:restore.drillDbIds[1] "not ok" is not a DB identifier'),
      expect.stringContaining('rds-pilot-light:restore.namePrefix must not start with "rpl-drill-"'),
    ]);
    expect(message).toContain("fix it in Pulumi.drprod.yaml.");
  });

  it("accepts a drill validation Lambda in the restore region, with its timeout", () => {
    const arn = `arn:aws:lambda:${DR_REGION}:222222222222:function:drill-check`;
    expect(parseRecoverySettings({ drillValidationLambdaArn: arn }, stack)).toMatchObject({
      drillValidationLambdaArn: arn,
      drillValidationTimeoutSeconds: 600,
    });
    expect(
      parseRecoverySettings({ drillValidationLambdaArn: arn, drillValidationTimeoutSeconds: 120 }, stack)
        .drillValidationTimeoutSeconds,
    ).toBe(120);
    expect(parseRecoverySettings({}, stack).drillValidationLambdaArn).toBeUndefined();
  });

  it.each([
    [
      { drillValidationLambdaArn: "drill-check" },
      'rds-pilot-light:restore.drillValidationLambdaArn must be a Lambda function ARN such as arn:aws:lambda:eu-central-1:222222222222:function:drill-check (got "drill-check"); fix it in Pulumi.drprod.yaml.',
    ],
    [
      { drillValidationLambdaArn: "arn:aws:sns:eu-central-1:222222222222:topic" },
      "rds-pilot-light:restore.drillValidationLambdaArn must be a Lambda function ARN",
    ],
    [
      { drillValidationLambdaArn: "arn:aws:lambda:eu-west-1:222222222222:function:drill-check" },
      "rds-pilot-light:restore.drillValidationLambdaArn must be a Lambda in the restore region eu-central-1 (got one in eu-west-1)",
    ],
    [
      { drillValidationTimeoutSeconds: 901 },
      "rds-pilot-light:restore.drillValidationTimeoutSeconds must be at most 900 seconds",
    ],
  ])("rejects %j with a message naming the key", (block, message) => {
    expect(() => parseRecoverySettings(block, stack)).toThrow(message);
  });

  it("requires a subnet group for the restorer", () => {
    const s = parseRecoverySettings({}, stack);
    expect(() => restoreEnvironment(s, [], stack.source)).toThrow("rds-pilot-light:restore.subnetGroup must be set");
  });

  it("rejects a drill prefix as RPL_NAME_PREFIX", () => {
    expect(() => parseRestoreConfig({ RPL_SUBNET_GROUP: "x", RPL_NAME_PREFIX: "rpl-drill-x" })).toThrow(
      "RPL_NAME_PREFIX",
    );
  });
});
