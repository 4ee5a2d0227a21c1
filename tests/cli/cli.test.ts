import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type DBSnapshot,
  DescribeAccountAttributesCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBInstancesCommand,
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
import { feasibility, formatMinutes } from "../../config/feasibility";
import { recordToTags } from "../../functions/lib/tags";
import { copyTags, DR, DR_REGION, HOME, SOURCE } from "../helpers/restoreFixtures";

const T0 = new Date("2026-11-25T12:00:00Z");
const ROOT = join(__dirname, "..", "..");
const dir = mkdtempSync(join(tmpdir(), "rpl-cli-"));
const STACK = join(dir, "Pulumi.drprod.yaml");
// The recovery region is drRegion (issue 11): the restore block names no region, so it restores there too.
writeFileSync(
  STACK,
  `config:
  aws:region: ${HOME}
  rds-pilot-light:role: dr
  rds-pilot-light:sourceAccounts: ["${SOURCE}"]
  rds-pilot-light:drRegion: ${DR_REGION}
  rds-pilot-light:rpoMinutes: "120"
  rds-pilot-light:kms:
    drKeyArn: arn:aws:kms:${HOME}:${DR}:key/home
    drRegionKeyArn: arn:aws:kms:${DR_REGION}:${DR}:key/region
  rds-pilot-light:restore:
    accountId: ${DR}
    subnetGroup: dr-db-subnets
    instanceClass: db.r6g.large
`,
);
const SOURCE_STACK = join(dir, "Pulumi.prod.yaml");
writeFileSync(
  SOURCE_STACK,
  `config:\n  aws:region: ${HOME}\n  rds-pilot-light:role: source\n  rds-pilot-light:drAccounts: ["${DR}"]\n  rds-pilot-light:kms:\n    sourceKeyArn: arn:aws:kms:${HOME}:${SOURCE}:key/src\n`,
);
const SM_ARN = `arn:aws:states:${DR_REGION}:${DR}:stateMachine:rds-pilot-light-restore`;
const OUTPUT_ARN = `arn:aws:states:${DR_REGION}:${DR}:stateMachine:restorer-sfn-1a2b3c`;

let clients: Map<string, { sts: STSClient; rds: Map<string, RDSClient>; sfn: SFNClient }>;
let out: string[];
let err: string[];
let now: Date;
let slept: number[];
/** Every (service, region) the CLI asked a client for. */
let regionsUsed: string[];
let asked: string[];
let answer: boolean;
let outputs: (name: string) => Promise<Record<string, unknown>>;

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
  sts: (p, region) => {
    regionsUsed.push(`sts ${region}`);
    return profileOf(p).sts;
  },
  sfn: (p, region) => {
    regionsUsed.push(`sfn ${region}`);
    return profileOf(p).sfn;
  },
  rds: (p, region) => {
    regionsUsed.push(`rds ${region}`);
    const c = profileOf(p);
    let r = c.rds.get(region);
    if (!r) {
      r = new RDSClient({ region });
      c.rds.set(region, r);
      // One mock per (profile, region); set up lazily by `rdsWith`.
      rdsSetup.get(`${p ?? "(default)"}|${region}`)?.(mockClient(r));
    }
    return r;
  },
};
let rdsSetup: Map<string, (m: AwsClientStub<RDSClient>) => void>;

function io(o: { tty?: boolean; stdinTty?: boolean; env?: Record<string, string> } = {}): CliIo {
  return {
    out: (l) => out.push(l),
    err: (l) => err.push(l),
    isTTY: o.tty ?? false,
    stdinIsTTY: o.stdinTty ?? o.tty ?? false,
    env: o.env ?? {},
    cwd: dir,
    confirm: async (q) => {
      asked.push(q);
      return answer;
    },
    stackOutputs: (name) => outputs(name),
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
  regionsUsed = [];
  asked = [];
  answer = false;
  outputs = async () => {
    throw new Error("pulumi is not on PATH");
  };
  now = T0;
});

const drCopy = (dbId: string, at: string) => snap(dbId, at, "dr-region", DR_REGION);

describe("rds-pilot-light status", () => {
  it("prints DR-region ages against the RPO and quota use, and exits 1 when a DB is stale", async () => {
    identity("dr", DR);
    rdsWith("dr", DR_REGION, [drCopy("orders", "2026-11-25T11:00:00Z"), drCopy("billing", "2026-11-25T08:00:00Z")]);

    const code = await runCli(["status", "--stack", STACK, "--profile", "dr"], io());

    expect(code).toBe(1);
    expect(err).toEqual([]);
    expect(out).toContain("DB                    KIND      DR-REGION  STATE");
    expect(out).toContain(`${SOURCE}/billing  instance  4h 00m     STALE`);
    expect(out).toContain(`${SOURCE}/orders   instance  1h 00m     ok`);
    expect(out).toContain(`ManualClusterSnapshots in ${DR_REGION}: 95/100`);
    expect(out.at(-1)).toBe(`1 DB(s) older than the RPO or without a copy: ${SOURCE}/billing`);
    // Only the DR region: nothing in the stack's home (the production) region.
    expect(new Set(regionsUsed)).toEqual(new Set([`sts ${DR_REGION}`, `rds ${DR_REGION}`]));
    // No colour codes when stdout is not a terminal.
    expect(out.join("\n")).not.toContain("\u001b[");
  });

  it("exits 0 when every DB has a fresh copy", async () => {
    identity("dr", DR);
    rdsWith("dr", DR_REGION, [drCopy("orders", "2026-11-25T11:00:00Z")]);

    expect(await runCli(["status", "-s", STACK, "-p", "dr"], io())).toBe(0);
    expect(out).toContain(`${SOURCE}/orders  instance  1h 00m     ok`);
  });

  it("shows the newest source snapshot and whether it is shared with the DR account, as JSON", async () => {
    identity("dr", DR);
    identity("prod", SOURCE);
    rdsWith("dr", DR_REGION, [drCopy("orders", "2026-11-25T10:30:00Z")]);
    rdsWith("prod", HOME, [snap("orders", "2026-11-25T11:30:00Z", "source", HOME, SOURCE)], (m) => {
      m.on(DescribeDBSnapshotAttributesCommand, { DBSnapshotIdentifier: "rpl-orders-11-source" }).resolves({
        DBSnapshotAttributesResult: { DBSnapshotAttributes: [{ AttributeName: "restore", AttributeValues: [DR] }] },
      });
    });

    const code = await runCli(
      ["status", "--stack", STACK, "--profile", "dr", "--source-profile", "prod", "--source-region", HOME, "--json"],
      io(),
    );

    expect(code).toBe(0);
    const report = JSON.parse(out.join("\n"));
    expect(report.region).toBe(DR_REGION);
    expect(report.stages).toEqual(["source", "dr-region"]);
    const orders = report.dbs.find((d: { key: string }) => d.key === `${SOURCE}/orders`);
    expect(orders.shared).toBe(true);
    expect(orders.stages.map((s: { stage: string; ageMinutes: number }) => [s.stage, s.ageMinutes])).toEqual([
      ["source", 30],
      ["dr-region", 90],
    ]);
    expect(report.quotas).toContainEqual({ region: DR_REGION, name: "ManualSnapshots", used: 37, max: 100 });
  });

  it.each([
    ["a terminal", { tty: true }, [], true],
    ["a terminal with NO_COLOR=1", { tty: true, env: { NO_COLOR: "1" } }, [], false],
    ["a terminal with --no-color", { tty: true }, ["--no-color"], false],
    ["a terminal with TERM=dumb", { tty: true, env: { TERM: "dumb" } }, [], false],
    ["a pipe", { tty: false }, [], false],
    ["a pipe with FORCE_COLOR=1", { tty: false, env: { FORCE_COLOR: "1" } }, [], true],
  ])("colours on %s: %s", async (_what, opts, flags, coloured) => {
    identity("dr", DR);
    rdsWith("dr", DR_REGION, [drCopy("billing", "2026-11-25T08:00:00Z")]);
    await runCli(["status", "--stack", STACK, "--profile", "dr", ...flags], io(opts));
    expect(out.join("\n").includes("\u001b[")).toBe(coloured);
  });
});

describe("rds-pilot-light failover and drill", () => {
  let sfn: ReturnType<typeof mockClient>;
  beforeEach(() => {
    rdsWith(
      "dr",
      DR_REGION,
      [
        drCopy("orders", "2026-11-25T06:00:00Z"),
        drCopy("orders", "2026-11-25T11:00:00Z"),
        drCopy("billing", "2026-11-25T07:00:00Z"),
      ],
      (m) => {
        m.on(DescribeDBInstancesCommand, { DBInstanceIdentifier: "orders" })
          .rejectsOnce(Object.assign(new Error("not found"), { name: "DBInstanceNotFoundFault" }))
          .resolvesOnce({ DBInstances: [{ DBInstanceStatus: "creating" }] })
          .resolves({ DBInstances: [{ DBInstanceStatus: "available" }] });
      },
    );
    sfn = mockClient(profileOf("dr").sfn);
  });
  afterEach(() => sfn.reset());

  it("shows each DB's recovery point and age against the RPO, warns when older, and --dry-run starts nothing", async () => {
    identity("dr", DR);

    const code = await runCli(["failover", "--stack", STACK, "--profile", "dr", "--dry-run"], io());

    expect(code).toBe(0);
    expect(out[0]).toBe(`Failover plan (${DR_REGION}, account ${DR}, RPO 120 min):`);
    expect(out).toContain(
      `  ${SOURCE}/billing  instance  2026-11-25T07:00:00.000Z  5h 00m  rpl-billing-07-dr-region  billing`,
    );
    expect(out).toContain(
      `  ${SOURCE}/orders   instance  2026-11-25T11:00:00.000Z  1h 00m  rpl-orders-11-dr-region   orders`,
    );
    expect(out).toContain(
      `Warning: the newest copy of ${SOURCE}/billing is 5h 00m old, older than the RPO (120 min): restoring it loses more data than the RPO allows.`,
    );
    expect(out.at(-1)).toBe("Nothing started (--dry-run).");
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it("puts ages in the --json plan", async () => {
    identity("dr", DR);
    expect(await runCli(["failover", "-s", STACK, "-p", "dr", "-d", "billing", "-n", "--json"], io())).toBe(0);
    const plan = JSON.parse(out.join("\n"));
    expect(plan.targets).toMatchObject([{ key: `${SOURCE}/billing`, ageMinutes: 300, olderThanRpo: true }]);
  });

  it("refuses to start without --yes when stdin is not a terminal", async () => {
    identity("dr", DR);

    const code = await runCli(["failover", "--stack", STACK, "--profile", "dr"], io());

    expect(code).toBe(2);
    expect(err.at(-1)).toBe(
      "rds-pilot-light: error: refusing to start a failover without confirmation: stdin is not a terminal; pass --yes to start it (or --dry-run to only show the plan)",
    );
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it("asks on a terminal and starts nothing when the answer is no", async () => {
    identity("dr", DR);
    answer = false;

    const code = await runCli(["failover", "--stack", STACK, "--profile", "dr"], io({ tty: true }));

    expect(asked).toEqual([`Start the failover of 2 DBs in ${DR_REGION}? 1 of them older than the RPO. [y/N] `]);
    expect(code).toBe(1);
    expect(err.at(-1)).toBe("rds-pilot-light: error: failover not started (not confirmed)");
    expect(sfn.commandCalls(StartExecutionCommand)).toHaveLength(0);
  });

  it("asks before a drill too, and starts it when the answer is yes", async () => {
    identity("dr", DR);
    answer = true;
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${SM_ARN}:drill-1` });

    const code = await runCli(
      ["drill", "--stack", STACK, "--profile", "dr", "--db", "orders", "--no-wait"],
      io({ tty: true }),
    );

    expect(asked).toEqual([`Start the drill of 1 DB in ${DR_REGION}? [y/N] `]);
    expect(code).toBe(0);
    expect(JSON.parse(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input.input!)).toEqual({
      mode: "drill",
      dbIds: ["orders"],
    });
    expect(out.join("\n")).toContain("rpl-drill-orders-202611251200");
    expect(sfn.commandCalls(DescribeExecutionCommand)).toHaveLength(0);
  });

  it("starts the state machine in the DR region and follows each DB until the endpoints are reported", async () => {
    identity("dr", DR);
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${SM_ARN}:failover-1` });
    sfn
      .on(DescribeExecutionCommand)
      .resolvesOnce({ status: "RUNNING" })
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
    expect(slept).toEqual([15_000, 15_000, 15_000]);
    // Per-DB progress, one line per change of state.
    expect(out.filter((l) => l.startsWith(`  ${SOURCE}/orders -> orders:`))).toEqual([
      `  ${SOURCE}/orders -> orders: pending (0 min)`,
      `  ${SOURCE}/orders -> orders: creating (0 min)`,
      `  ${SOURCE}/orders -> orders: available (1 min)`,
    ]);
    expect(out).toContain("Failover succeeded in 31 min.");
    expect(out).toContain(
      `  ${SOURCE}/orders -> orders  orders.x.rds.amazonaws.com:5432  recovery point 2026-11-25T06:00:00.000Z`,
    );
    expect(new Set(regionsUsed)).toEqual(new Set([`sts ${DR_REGION}`, `rds ${DR_REGION}`, `sfn ${DR_REGION}`]));
    expect(err).toEqual([
      `notice: a stack file was given, not a stack name; using the state machine ARN derived from Pulumi.drprod.yaml: ${SM_ARN}`,
    ]);
  });

  it("reads the state machine ARN from the stack's outputs when a stack name is given", async () => {
    identity("dr", DR);
    const asked: string[] = [];
    outputs = async (name) => {
      asked.push(name);
      return { stateMachineArns: { restorer: OUTPUT_ARN } };
    };
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${OUTPUT_ARN}:failover-1` });

    expect(await runCli(["failover", "--stack", "drprod", "--profile", "dr", "--yes", "--no-wait"], io())).toBe(0);

    expect(asked).toEqual(["drprod"]);
    expect(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input.stateMachineArn).toBe(OUTPUT_ARN);
    expect(err).toEqual([]);
  });

  it("falls back to the derived ARN with a notice when pulumi cannot give the outputs", async () => {
    identity("dr", DR);
    sfn.on(StartExecutionCommand).resolves({ executionArn: `${SM_ARN}:failover-1` });

    expect(await runCli(["failover", "--stack", "drprod", "--profile", "dr", "--yes", "--no-wait"], io())).toBe(0);

    expect(sfn.commandCalls(StartExecutionCommand)[0]!.args[0].input.stateMachineArn).toBe(SM_ARN);
    expect(err).toEqual([
      `notice: pulumi stack output --stack drprod failed: pulumi is not on PATH; using the state machine ARN derived from Pulumi.drprod.yaml: ${SM_ARN}`,
    ]);
  });

  it("exits 1 with the execution's error when the restore fails, as JSON with --json", async () => {
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

    const code = await runCli(["failover", "--stack", STACK, "--profile", "dr", "--yes", "--json"], io());

    expect(code).toBe(1);
    expect(JSON.parse(out.join("\n"))).toEqual({
      ok: false,
      error: {
        exitCode: 1,
        problems: [
          `failover failed: RestoreTargetExistsError: refusing to overwrite existing DB(s): orders (${SM_ARN}:failover-1)`,
        ],
      },
    });
  });
});

describe("rds-pilot-light help and version", () => {
  it("--version prints the package.json version", async () => {
    const version = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
    expect(await runCli(["--version"], io())).toBe(0);
    expect(out).toEqual([version]);
    out = [];
    expect(await runCli(["-V"], io())).toBe(0);
    expect(out).toEqual([version]);
  });

  it.each([
    ["status", ["--source-profile <name>", "-s, --stack <stack>"], ["--dry-run", "--before"]],
    ["failover", ["-y, --yes", "-n, --dry-run", "-d, --db <id>", "-b, --before <time>"], ["--source-profile"]],
    ["drill", ["-y, --yes", "--no-wait"], ["--source-profile"]],
    ["check", ["[stack]"], ["--yes"]],
  ])("%s --help is that command's own help", async (command, has, hasNot) => {
    expect(await runCli([command, "--help"], io())).toBe(0);
    const text = out.join("\n");
    expect(text).toContain(`Usage: rds-pilot-light ${command}`);
    for (const h of has) expect(text).toContain(h);
    for (const h of hasNot) expect(text).not.toContain(h);
    // The global options are listed too.
    expect(text).toContain("--json");
  });

  it("lists the commands in the global help", async () => {
    expect(await runCli(["-h"], io())).toBe(0);
    const text = out.join("\n");
    for (const c of ["check", "status", "failover", "drill"]) expect(text).toMatch(new RegExp(`^  ${c} `, "m"));
  });
});

describe("rds-pilot-light check", () => {
  const project = mkdtempSync(join(tmpdir(), "rpl-check-"));
  writeFileSync(join(project, "Pulumi.yaml"), readFileSync(join(ROOT, "Pulumi.yaml")));
  writeFileSync(join(project, "Pulumi.prod.yaml"), readFileSync(join(ROOT, "Pulumi.prod.yaml")));
  writeFileSync(join(project, "Pulumi.drprod.yaml"), readFileSync(join(ROOT, "Pulumi.drprod.yaml")));
  const broken = readFileSync(join(ROOT, "Pulumi.prod.yaml"), "utf8")
    .replace('    - "222222222222"', '    - "22222222222"')
    .replace("rds-pilot-light:rpoMinutes: 60", "rds-pilot-lite:rpoMinutes: 60");
  writeFileSync(join(project, "Pulumi.broken.yaml"), broken);
  const at = (o: Parameters<typeof io>[0] = {}): CliIo => ({ ...io(o), cwd: project });

  it("prints what preview would deploy for a stack name", async () => {
    expect(await runCli(["check", "prod"], at())).toBe(0);
    expect(err).toEqual([]);
    expect(out).toEqual([
      `ok ${join(project, "Pulumi.prod.yaml")}`,
      "  role source, region eu-west-1, drRegion eu-central-1",
      "  components: taker, sharer, janitor",
      "  keys created: source CMK",
      "  schedules:",
      "    taker      rate(30 minutes)",
      "    sharer     rate(30 minutes)",
      "    janitor    rate(60 minutes)",
      "  snapshot interval: 30 min (derived: rpoMinutes 60 - snapshot 10 - copy 20 = 30 min, floored to 30)",
      "  quota per account and region: 74 snapshots kept per DB x 10 DBs + headroom 2 = 742 <= manualSnapshotQuota 1000",
      "  feasible RPO: copyMode fan-out; a per-DB floor needs each DB's size and kind: list them in rds-pilot-light:dbProfiles (id, kind, sizeGb; docs/configuration.md)",
    ]);
  });

  it("prints the full-copy warnings of a DR stack's copy mode and drRegion", async () => {
    expect(await runCli(["check", "drprod"], at())).toBe(0);
    expect(out.filter((l) => l.includes("feasible RPO") || l.includes("full copies"))).toEqual([
      "  feasible RPO: copyMode fan-out; a per-DB floor needs each DB's size and kind: list them in rds-pilot-light:dbProfiles (id, kind, sizeGb; docs/configuration.md)",
      "  full copies: Aurora DB clusters: every copy is a full copy (Aurora has no incremental copies), and fan-out falls back to two-step for them; check their sizes with the feasibility table (docs/copy-topology.md)",
    ]);
  });

  it("shows the recovery settings and schedules of a DR stack, as JSON", async () => {
    expect(await runCli(["check", "--json", "Pulumi.drprod.yaml"], at())).toBe(0);
    const r = JSON.parse(out.join("\n"));
    expect(r).toMatchObject({
      ok: true,
      role: "dr",
      recoveryRegion: "eu-central-1",
      components: ["copier", "janitor", "freshness", "restorer"],
      schedules: { copier: "rate(30 minutes)", freshness: "rate(15 minutes)", drill: "cron(0 3 ? * SUN *)" },
      quota: { perDb: 74, dbsPerRegion: 10, needed: 742, quota: 1000 },
    });
    expect(r.recovery.subnetGroup).toBe("dr-db-subnets");
    expect(r.feasibleRpo).toEqual({
      copyMode: "fan-out",
      perDb: [],
      unprofiledExpectedDbs: [],
      fullCopyWarnings: [
        "Aurora DB clusters: every copy is a full copy (Aurora has no incremental copies), and fan-out falls back to two-step for them; check their sizes with the feasibility table (docs/copy-topology.md)",
      ],
    });
  });

  // dbProfiles as `pulumi config set --path 'rds-pilot-light:dbProfiles[0].sizeGb' 200` writes them (numbers), and
  // one size as a string (`pulumi config set` without --path): the reader accepts both.
  const sized = `${readFileSync(join(ROOT, "Pulumi.drprod.yaml"), "utf8")}  rds-pilot-light:dbProfiles:
    - id: 111111111111/customers-db
      kind: instance
      sizeGb: 200
    - id: 111111111111/billing-aurora
      kind: cluster
      sizeGb: "500"
      rpoMinutes: 240
`;
  writeFileSync(join(project, "Pulumi.sized.yaml"), sized);
  writeFileSync(
    join(project, "Pulumi.badsize.yaml"),
    sized.replace("sizeGb: 200", "sizeGb: 0").replace("kind: cluster", "kind: aurora"),
  );

  it("prints the feasible RPO per DB of dbProfiles with the simulator's formula (config/feasibility.ts)", async () => {
    expect(await runCli(["check", "sized"], at())).toBe(0);
    // The DR stack: fan-out into drRegion, 30-minute interval, 10 minutes per snapshot (expectedSnapshotMinutes).
    const pipeline = { intervalMinutes: 30, snapshotMinutes: 10, mode: "fan-out", drRegion: true } as const;
    const customers = feasibility({
      ...pipeline,
      dbId: "111111111111/customers-db",
      kind: "instance",
      sizeGb: 200,
      changePercentPerHour: 1,
      rpoMinutes: 60,
    });
    const billing = feasibility({
      ...pipeline,
      dbId: "111111111111/billing-aurora",
      kind: "cluster",
      sizeGb: 500,
      changePercentPerHour: 1,
      rpoMinutes: 240,
    });
    expect(customers.feasible).toBe(true);
    expect(billing.feasible).toBe(false);
    const lines = out.filter((l) => l.startsWith("    111111111111/") || l.includes("feasible RPO"));
    expect(lines).toEqual([
      "  feasible RPO (copyMode fan-out; copy throughput and change rate are assumptions, config/assumptions.ts):",
      `    111111111111/customers-db    instance    200 GB  best age ${formatMinutes(customers.floorMinutes)}, RPO 1 h: feasible`,
      `    111111111111/billing-aurora  cluster     500 GB  best age ${formatMinutes(billing.floorMinutes)}, RPO 4 h: INFEASIBLE (${billing.reason})`,
      "    111111111111/orders-db: in restore.expectedDbs but not in dbProfiles, so no floor",
    ]);
  });

  it("gives the per-DB floors in --json", async () => {
    expect(await runCli(["check", "sized", "--json"], at())).toBe(0);
    const r = JSON.parse(out.join("\n"));
    expect(r.feasibleRpo.perDb.map((d: { db: string; feasible: boolean }) => [d.db, d.feasible])).toEqual([
      ["111111111111/customers-db", true],
      ["111111111111/billing-aurora", false],
    ]);
    expect(Object.keys(r.feasibleRpo.perDb[0].stages)).toEqual(["source", "dr", "dr-region"]);
    expect(r.feasibleRpo.unprofiledExpectedDbs).toEqual(["111111111111/orders-db"]);
  });

  it("refuses a bad DB profile, naming the key and the file", async () => {
    expect(await runCli(["check", "badsize"], at())).toBe(1);
    expect(err).toEqual([
      "rds-pilot-light: error: rds-pilot-light:dbProfiles[0].sizeGb must be a number of GB > 0 (got 0); fix it in Pulumi.badsize.yaml.",
      'rds-pilot-light: error: rds-pilot-light:dbProfiles[1].kind must be "instance" or "cluster" (got "aurora"); fix it in Pulumi.badsize.yaml.',
    ]);
  });

  it("exits 1 naming every bad key and the file", async () => {
    expect(await runCli(["check", "broken"], at())).toBe(1);
    expect(out).toEqual([]);
    expect(err).toEqual([
      'rds-pilot-light: error: rds-pilot-lite:rpoMinutes is in namespace "rds-pilot-lite", which this program never reads; did you mean rds-pilot-light:rpoMinutes? Fix it in Pulumi.broken.yaml.',
      'rds-pilot-light: error: rds-pilot-light:drAccounts[0] must be a 12-digit AWS account id (got "22222222222"); fix it in Pulumi.broken.yaml.',
    ]);
  });

  it("prints the problems as JSON with --json", async () => {
    expect(await runCli(["check", "broken", "--json"], at())).toBe(1);
    const r = JSON.parse(out.join("\n"));
    expect(r.ok).toBe(false);
    expect(r.error.exitCode).toBe(1);
    expect(r.error.problems).toHaveLength(2);
  });

  it("names the file it looked for when the stack does not exist", async () => {
    expect(await runCli(["check", "staging"], at())).toBe(1);
    expect(err[0]).toContain(`stack "staging": no stack file ${join(project, "Pulumi.staging.yaml")}`);
  });
});

describe("rds-pilot-light errors", () => {
  beforeEach(() => {
    rdsWith("dr", DR_REGION, [drCopy("orders", "2026-11-25T11:00:00Z")]);
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

  it("reports a usage error as JSON with --json", async () => {
    expect(await runCli(["status", "--json"], io())).toBe(2);
    expect(JSON.parse(out.join("\n"))).toEqual({
      ok: false,
      error: { exitCode: 2, problems: ["required option '-s, --stack <stack>' not specified (see --help)"] },
    });
  });

  it.each([
    [
      ["failover", "--stack", STACK, "--profile", "dr", "--db", "nope", "--yes"],
      `unknown DB "nope": no available copy of it in ${DR_REGION}`,
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
    [["status", "--profile", "dr"], "required option '-s, --stack <stack>' not specified"],
    [["status", "--stack", SOURCE_STACK], "is a source stack"],
    [["restore", "--stack", STACK], "unknown command 'restore'"],
    [["status", "--stack", STACK, "--frobnicate"], "unknown option '--frobnicate'"],
  ])("exits 2 with one line for bad input: %j", async (argv, fragment) => {
    identity("dr", DR);

    expect(await runCli(argv, io())).toBe(2);
    expect(err).toHaveLength(1);
    expect(err[0]).toContain(fragment);
  });

  it("exits 1 naming the file when the stack file is missing", async () => {
    expect(await runCli(["status", "--stack", join(dir, "missing.yaml")], io())).toBe(1);
    expect(err).toEqual([`rds-pilot-light: error: stack file ${join(dir, "missing.yaml")} not found`]);
  });
});
