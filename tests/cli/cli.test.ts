import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type DBSnapshot,
  DescribeAccountAttributesCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBSnapshotAttributesCommand,
  DescribeDBSnapshotsCommand,
  RDSClient,
} from "@aws-sdk/client-rds";
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { type AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CliAws } from "../../cli/aws";
import type { CliIo } from "../../cli/context";
import { runCli } from "../../cli/main";
import { recordToTags } from "../../functions/lib/tags";
import { copyTags, DR, DR_REGION, HOME, SOURCE } from "../helpers/restoreFixtures";

const T0 = new Date("2026-11-25T12:00:00Z");
const dir = mkdtempSync(join(tmpdir(), "rpl-cli-"));
const STACK = join(dir, "Pulumi.drprod.yaml");
writeFileSync(
  STACK,
  `config:
  aws:region: ${HOME}
  rds-pilot-light:role: dr
  rds-pilot-light:sourceAccounts: ["${SOURCE}"]
  rds-pilot-light:drRegion: ${DR_REGION}
  rds-pilot-light:rpoMinutes: 120
  rds-pilot-light:kms:
    drKeyArn: arn:aws:kms:${HOME}:${DR}:key/home
    drRegionKeyArn: arn:aws:kms:${DR_REGION}:${DR}:key/region
  rds-pilot-light:restore:
    accountId: "${DR}"
    region: ${HOME}
    subnetGroup: dr-db-subnets
    instanceClass: db.r6g.large
`,
);
const SOURCE_STACK = join(dir, "Pulumi.prod.yaml");
writeFileSync(
  SOURCE_STACK,
  `config:\n  aws:region: ${HOME}\n  rds-pilot-light:role: source\n  rds-pilot-light:drAccounts: ["${DR}"]\n  rds-pilot-light:kms:\n    sourceKeyArn: arn:aws:kms:${HOME}:${SOURCE}:key/src\n`,
);
const SM_ARN = `arn:aws:states:${HOME}:${DR}:stateMachine:rds-pilot-light-restore`;

let clients: Map<string, { sts: STSClient; rds: Map<string, RDSClient>; sfn: SFNClient }>;
let out: string[];
let err: string[];
let now: Date;
let slept: number[];

function profileOf(name: string | undefined) {
  const key = name ?? "(default)";
  let c = clients.get(key);
  if (!c) {
    c = { sts: new STSClient({ region: HOME }), rds: new Map(), sfn: new SFNClient({ region: HOME }) };
    clients.set(key, c);
  }
  return c;
}
const aws: CliAws = {
  sts: (p) => profileOf(p).sts,
  sfn: (p) => profileOf(p).sfn,
  rds: (p, region) => {
    const c = profileOf(p);
    let r = c.rds.get(region);
    if (!r) {
      r = new RDSClient({ region });
      c.rds.set(region, r);
      // One mock per (profile, region); set up lazily by `rdsMock`.
      rdsSetup.get(`${p ?? "(default)"}|${region}`)?.(mockClient(r));
    }
    return r;
  },
};
let rdsSetup: Map<string, (m: AwsClientStub<RDSClient>) => void>;

function io(isTTY = false): CliIo {
  return {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    isTTY,
    aws,
    now: () => now,
    sleep: async (ms) => {
      slept.push(ms);
      now = new Date(now.getTime() + ms);
    },
  };
}

function identity(profile: string | undefined, account: string) {
  const m = mockClient(profileOf(profile).sts);
  m.on(GetCallerIdentityCommand).resolves({ Account: account });
  return m;
}

function snap(dbId: string, at: string, stage: "dr" | "dr-region" | "source", region = HOME, account = DR): DBSnapshot {
  const id = `rpl-${dbId}-${at.slice(11, 13)}-${stage}`;
  return {
    DBSnapshotIdentifier: id,
    DBSnapshotArn: `arn:aws:rds:${region}:${account}:snapshot:${id}`,
    DBInstanceIdentifier: dbId,
    Status: "available",
    SnapshotType: "manual",
    SnapshotCreateTime: new Date(at),
    Encrypted: true,
    TagList: recordToTags(copyTags(dbId, new Date(at), { stage })),
  };
}

function rdsWith(
  profile: string | undefined,
  region: string,
  snapshots: DBSnapshot[],
  extra?: (m: AwsClientStub<RDSClient>) => void,
) {
  rdsSetup.set(`${profile ?? "(default)"}|${region}`, (m) => {
    m.on(DescribeDBSnapshotsCommand).resolves({ DBSnapshots: snapshots });
    m.on(DescribeDBClusterSnapshotsCommand).resolves({ DBClusterSnapshots: [] });
    m.on(DescribeAccountAttributesCommand).resolves({
      AccountQuotas: [
        { AccountQuotaName: "ManualSnapshots", Used: 37, Max: 100 },
        { AccountQuotaName: "ManualClusterSnapshots", Used: 95, Max: 100 },
        { AccountQuotaName: "DBInstances", Used: 1, Max: 40 },
      ],
    });
    extra?.(m);
  });
}

beforeEach(() => {
  clients = new Map();
  rdsSetup = new Map();
  out = [];
  err = [];
  slept = [];
  now = T0;
});

describe("rds-pilot-light status", () => {
  beforeEach(() => {
    rdsWith("dr", HOME, [snap("orders", "2026-11-25T11:00:00Z", "dr"), snap("billing", "2026-11-25T08:00:00Z", "dr")]);
    rdsWith("dr", DR_REGION, [snap("orders", "2026-11-25T10:30:00Z", "dr-region", DR_REGION)]);
  });

  it("prints ages per DB and stage against the RPO, and quota use", async () => {
    identity("dr", DR);

    const code = await runCli(["status", "--stack", STACK, "--profile", "dr"], io());

    expect(code).toBe(0);
    expect(err).toEqual([]);
    expect(out).toContain("DB                    KIND      DR      DR-REGION  STATE");
    expect(out).toContain(`${SOURCE}/billing  instance  4h 00m  none       STALE`);
    expect(out).toContain(`${SOURCE}/orders   instance  1h 00m  1h 30m     ok`);
    expect(out).toContain(`ManualClusterSnapshots in ${HOME}: 95/100`);
    expect(out.at(-1)).toBe(`1 DB(s) older than the RPO or without a copy: ${SOURCE}/billing`);
    // No colour codes when stdout is not a terminal.
    expect(out.join("\n")).not.toContain("\u001b[");
  });

  it("shows the newest source snapshot and whether it is shared with the DR account", async () => {
    identity("dr", DR);
    identity("prod", SOURCE);
    rdsWith("prod", HOME, [snap("orders", "2026-11-25T11:30:00Z", "source", HOME, SOURCE)], (m) => {
      m.on(DescribeDBSnapshotAttributesCommand, { DBSnapshotIdentifier: "rpl-orders-11-source" }).resolves({
        DBSnapshotAttributesResult: { DBSnapshotAttributes: [{ AttributeName: "restore", AttributeValues: [DR] }] },
      });
    });

    const code = await runCli(
      ["status", "--stack", STACK, "--profile", "dr", "--source-profile", "prod", "--json"],
      io(),
    );

    expect(code).toBe(0);
    const report = JSON.parse(out.join("\n"));
    expect(report.stages).toEqual(["source", "dr", "dr-region"]);
    const orders = report.dbs.find((d: { key: string }) => d.key === `${SOURCE}/orders`);
    expect(orders.shared).toBe(true);
    expect(orders.stages.map((s: { stage: string; ageMinutes: number }) => [s.stage, s.ageMinutes])).toEqual([
      ["source", 30],
      ["dr", 60],
      ["dr-region", 90],
    ]);
    expect(report.quotas).toContainEqual({ region: DR_REGION, name: "ManualSnapshots", used: 37, max: 100 });
  });

  it("colours the table on a terminal", async () => {
    identity("dr", DR);
    const tty = io(true);
    await runCli(["status", "--stack", STACK, "--profile", "dr"], tty);
    expect(out.join("\n")).toContain("\u001b[31m");
  });
});

describe("rds-pilot-light failover and drill", () => {
  let sfn: ReturnType<typeof mockClient>;
  beforeEach(() => {
    rdsWith("dr", HOME, [snap("orders", "2026-11-25T06:00:00Z", "dr"), snap("orders", "2026-11-25T11:00:00Z", "dr")]);
    sfn = mockClient(profileOf("dr").sfn);
  });
  afterEach(() => sfn.reset());

  it("shows the plan and starts nothing without --yes", async () => {
    identity("dr", DR);

    const code = await runCli(["failover", "--stack", STACK, "--profile", "dr", "--db", "orders"], io());

    expect(code).toBe(0);
    expect(out.join("\n")).toContain(`${SOURCE}/orders  instance  2026-11-25T11:00:00.000Z  rpl-orders-11-dr  orders`);
    expect(out.at(-1)).toBe("Nothing started. Re-run with --yes to start the failover.");
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it("starts the restore state machine and follows it to the endpoints", async () => {
    identity("dr", DR);
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${SM_ARN}:failover-1` });
    sfn
      .on(DescribeExecutionCommand)
      .resolvesOnce({ status: "RUNNING" })
      .resolvesOnce({ status: "RUNNING" })
      .resolves({
        status: "SUCCEEDED",
        output: JSON.stringify({
          mode: "restore",
          elapsedMinutes: 31,
          restored: [
            {
              key: `${SOURCE}/orders`,
              targetId: "orders",
              address: "orders.x.rds.amazonaws.com",
              port: 5432,
              recoveryPoint: "2026-11-25T06:00:00.000Z",
              snapshotId: "s",
            },
          ],
        }),
      });

    const code = await runCli(
      ["failover", "--stack", STACK, "--profile", "dr", "--db", "orders", "--before", "2026-11-25T07:00:00Z", "--yes"],
      io(),
    );

    expect(code).toBe(0);
    const start = sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input;
    expect(start.stateMachineArn).toBe(SM_ARN);
    expect(start.name).toBe("failover-20261125T120000");
    expect(JSON.parse(start.input!)).toEqual({
      mode: "restore",
      dbIds: ["orders"],
      before: "2026-11-25T07:00:00.000Z",
    });
    expect(slept).toEqual([15_000, 15_000]);
    expect(out).toContain("  failover running, 0 min elapsed");
    expect(out).toContain("Failover succeeded in 31 min.");
    expect(out).toContain(
      `  ${SOURCE}/orders -> orders  orders.x.rds.amazonaws.com:5432  recovery point 2026-11-25T06:00:00.000Z`,
    );
  });

  it("exits 1 with the execution's error when the restore fails", async () => {
    identity("dr", DR);
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${SM_ARN}:failover-1` });
    sfn.on(DescribeExecutionCommand).resolves({
      status: "FAILED",
      error: "RestoreTargetExistsError",
      cause: JSON.stringify({
        errorMessage: "refusing to overwrite existing DB(s): orders",
        errorType: "RestoreTargetExistsError",
      }),
    });

    const code = await runCli(["failover", "--stack", STACK, "--profile", "dr", "--yes"], io());

    expect(code).toBe(1);
    expect(err).toEqual([
      `rds-pilot-light: error: failover failed: RestoreTargetExistsError: refusing to overwrite existing DB(s): orders (${SM_ARN}:failover-1)`,
    ]);
  });

  it("starts a drill without --yes and can return at once with --no-wait", async () => {
    identity("dr", DR);
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${SM_ARN}:drill-1` });

    const code = await runCli(["drill", "--stack", STACK, "--profile", "dr", "--no-wait"], io());

    expect(code).toBe(0);
    expect(JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input.input!)).toEqual({ mode: "drill" });
    expect(out).toContain(`Started ${SM_ARN}:drill-1`);
    expect(out.join("\n")).toContain("rpl-drill-orders-202611251200");
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(0);
  });
});

describe("rds-pilot-light errors", () => {
  beforeEach(() => {
    rdsWith("dr", HOME, [snap("orders", "2026-11-25T11:00:00Z", "dr")]);
    rdsWith("dr", DR_REGION, []);
  });

  it("reports missing credentials in one line, and the stack trace only with --debug", async () => {
    const m = mockClient(profileOf("dr").sts);
    m.on(GetCallerIdentityCommand).rejects(
      Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" }),
    );

    expect(await runCli(["status", "--stack", STACK, "--profile", "dr"], io())).toBe(1);
    expect(err).toEqual([
      'rds-pilot-light: error: no usable AWS credentials from profile "dr": Could not load credentials from any providers; run `aws sso login --profile dr` or check ~/.aws/config',
    ]);

    err = [];
    expect(await runCli(["status", "--stack", STACK, "--profile", "dr", "--debug"], io())).toBe(1);
    expect(err).toHaveLength(2);
    expect(err[1]).toMatch(/^CliError: no usable AWS credentials[\s\S]*\n\s+at /);
  });

  it("refuses a profile of the wrong account", async () => {
    identity("dr", SOURCE);

    expect(await runCli(["failover", "--stack", STACK, "--profile", "dr"], io())).toBe(1);
    expect(err).toEqual([
      `rds-pilot-light: error: wrong account: --profile dr is account ${SOURCE}, but Pulumi.drprod.yaml expects the DR account ${DR}`,
    ]);
  });

  it("refuses a source profile outside the stack's source accounts", async () => {
    identity("dr", DR);
    identity("other", "444444444444");

    expect(await runCli(["status", "--stack", STACK, "--profile", "dr", "--source-profile", "other"], io())).toBe(1);
    expect(err[0]).toBe(
      `rds-pilot-light: error: wrong account: --profile other is account 444444444444, but Pulumi.drprod.yaml expects the source account ${SOURCE}`,
    );
  });

  it.each([
    [
      ["failover", "--stack", STACK, "--profile", "dr", "--db", "nope"],
      'unknown DB "nope": no available copy of it in eu-west-1',
    ],
    [
      ["failover", "--stack", STACK, "--profile", "dr", "--db", "bad name!"],
      '--db: "bad name!" is not a DB identifier',
    ],
    [
      ["failover", "--stack", STACK, "--profile", "dr", "--before", "yesterday"],
      '--before must be an ISO-8601 time with a zone, such as 2026-11-25T06:00:00Z (got "yesterday")',
    ],
    [
      ["failover", "--stack", STACK, "--profile", "dr", "--before", "2026-11-25T06:00:00"],
      "--before must be an ISO-8601 time with a zone",
    ],
    [["drill", "--stack", STACK, "--profile", "dr", "--before", "2027-01-01T00:00:00Z"], "is in the future"],
    [["status", "--profile", "dr"], "--stack is required"],
    [["status", "--stack", join(dir, "missing.yaml")], "stack file"],
    [["status", "--stack", SOURCE_STACK], "is a source stack"],
    [["restore", "--stack", STACK], 'unknown command "restore"'],
    [["status", "--stack", STACK, "--frobnicate"], "Unknown option '--frobnicate'"],
    [["drill", "--stack", STACK, "--yes"], "drill needs no --yes"],
  ])("exits 2 with one line for bad input: %j", async (argv, fragment) => {
    identity("dr", DR);

    expect(await runCli(argv, io())).toBe(2);
    expect(err).toHaveLength(1);
    expect(err[0]).toContain(fragment);
  });
});
