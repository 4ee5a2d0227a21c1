/**
 * index.ts under Pulumi mocks, for the two example stacks and for many-to-one, many-to-many and single-account
 * configurations: which components deploy, with which real inputs (environment, schedules, event patterns, policies,
 * state machine definitions), and how bad configuration fails.
 */
import { createRequire } from "node:module";
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { PolicyDocument } from "../../components/shared/iam";
import { type MockRun, type Recorded, runUnderMocks, stackConfig } from "./harness";

// Real bundling is covered by bundle.test.ts; here each Lambda records which handler it would ship.
const bundled = vi.hoisted(() => [] as string[]);
vi.mock("../../components/shared/bundle", async () => {
  const pulumi = await import("@pulumi/pulumi");
  return {
    LAMBDA_RUNTIME: "nodejs22.x",
    handlerArchive: (step: string) => {
      bundled.push(step);
      return new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(`// ${step}`) });
    },
  };
});

const aslValidate = createRequire(__filename)("asl-validator") as (definition: unknown) => {
  isValid: boolean;
  errors: unknown[];
};

const SOURCE = "111111111111";
const DR = "222222222222";

const T = {
  fn: "aws:lambda/function:Function",
  sfn: "aws:sfn/stateMachine:StateMachine",
  schedule: "aws:scheduler/schedule:Schedule",
  rule: "aws:cloudwatch/eventRule:EventRule",
  target: "aws:cloudwatch/eventTarget:EventTarget",
  alarm: "aws:cloudwatch/metricAlarm:MetricAlarm",
  rolePolicy: "aws:iam/rolePolicy:RolePolicy",
  role: "aws:iam/role:Role",
  key: "aws:kms/key:Key",
  logGroup: "aws:cloudwatch/logGroup:LogGroup",
  bus: "aws:cloudwatch/eventBus:EventBus",
  busPolicy: "aws:cloudwatch/eventBusPolicy:EventBusPolicy",
  topic: "aws:sns/topic:Topic",
  provider: "pulumi:providers:aws",
} as const;

async function runIndex(
  config: string | Record<string, unknown>,
  stack: string,
  account: string,
): Promise<MockRun<Record<string, unknown>>> {
  // index.ts builds the stack at import: each run needs a fresh module graph.
  vi.resetModules();
  bundled.length = 0;
  return runUnderMocks(
    stackConfig(config),
    async () => (await import("../../index")) as Record<string, unknown>,
    stack,
    account,
  );
}

const components = (run: MockRun<unknown>) =>
  run.resources
    .filter((r) => r.type.startsWith("rds-pilot-light:snapshots:"))
    .map((r) => `${r.type.replace("rds-pilot-light:snapshots:", "")}/${r.name}`)
    .sort();
const env = (r: Recorded) => (r.inputs.environment as { variables: Record<string, string> }).variables;
const policyOf = (run: MockRun<unknown>, roleName: string) =>
  JSON.parse(run.named(`${roleName}-policy`).inputs.policy as string) as PolicyDocument;
const definitionOf = (run: MockRun<unknown>, name: string) =>
  JSON.parse(run.named(`${name}-sfn`).inputs.definition as string) as {
    States: Record<string, Record<string, unknown>>;
  };
const fnArn = (name: string, region = "eu-west-1", account = SOURCE) =>
  `arn:aws:lambda:${region}:${account}:function:${name}`;
const sfnArn = (name: string, account = SOURCE) => `arn:aws:states:eu-west-1:${account}:stateMachine:${name}`;
const roleArn = (name: string, account = SOURCE) => `arn:aws:iam::${account}:role/${name}`;

/** Every state machine of a run is valid ASL and invokes exactly the Lambdas of its component. */
function expectValidMachines(run: MockRun<unknown>) {
  const machines = run.ofType(T.sfn);
  expect(machines.length).toBeGreaterThan(0);
  for (const m of machines) {
    const def = JSON.parse(m.inputs.definition as string);
    const result = aslValidate(structuredClone(def));
    expect(result.errors, m.name).toEqual([]);
    expect(result.isValid).toBe(true);
    const component = m.parent!;
    const invoked = Object.values(def.States as Record<string, { Parameters?: { FunctionName?: string } }>)
      .map((s) => s.Parameters?.FunctionName)
      .filter((f): f is string => f !== undefined);
    expect(invoked.length).toBeGreaterThan(0);
    for (const f of invoked) expect(f).toMatch(new RegExp(`:function:${component}-`));
  }
}

/** Every IAM policy of a run: no rds:*, `*` only for RDS Describe, snapshot deletes only tag-conditioned. */
function expectLeastPrivilege(run: MockRun<unknown>) {
  for (const p of run.ofType(T.rolePolicy)) {
    const doc = JSON.parse(p.inputs.policy as string) as PolicyDocument;
    for (const s of doc.Statement) {
      const actions = Array.isArray(s.Action) ? s.Action : [s.Action];
      expect(actions).not.toContain("rds:*");
      if (s.Resource === "*") for (const a of actions) expect(a, p.name).toMatch(/^rds:Describe/);
      if (actions.some((a) => /^rds:Delete(DB|DBCluster)Snapshot$/.test(a)))
        expect(JSON.stringify(s.Condition)).toContain("rpl-managed-by");
    }
  }
}

describe("Pulumi.prod.yaml (source account)", () => {
  let run: MockRun<Record<string, unknown>>;
  let bundledSteps: string[];
  beforeAll(async () => {
    run = await runIndex("Pulumi.prod.yaml", "prod", SOURCE);
    bundledSteps = [...bundled].sort();
  });

  it("deploys Taker, Sharer, Janitor, keys and alerts, each child under its component", async () => {
    expect(components(run)).toEqual([
      "PilotLightAlerts/alerts",
      "PilotLightKeys/keys",
      "SnapshotJanitor/janitor",
      "SnapshotSharer/sharer",
      "SnapshotTaker/taker",
    ]);
    for (const c of ["taker", "sharer", "janitor"]) {
      for (const child of [`${c}-fn`, `${c}-role`, `${c}-logs`, `${c}-sfn`, `${c}-schedule`, `${c}-alarm`]) {
        expect(run.named(child).parent, child).toBe(c);
      }
    }
    expect(
      run
        .ofType(T.fn)
        .map((f) => f.name)
        .sort(),
    ).toEqual(["janitor-fn", "sharer-fn", "taker-fn"]);
    expect(bundledSteps).toEqual(["expire", "share", "take"]);
    expect(run.ofType(T.bus)).toEqual([]);
    expect(run.result.deployedComponents).toEqual(["taker", "sharer", "janitor"]);
    expectValidMachines(run);
    expectLeastPrivilege(run);
  });

  it("gives each Lambda the runtime, architecture and exact environment", async () => {
    for (const f of run.ofType(T.fn)) {
      expect(f.inputs).toMatchObject({ runtime: "nodejs22.x", architectures: ["arm64"], handler: "index.handler" });
      expect(f.inputs.loggingConfig).toEqual({ logFormat: "JSON", logGroup: f.name.replace(/-fn$/, "-logs") });
    }
    expect(env(run.named("taker-fn"))).toEqual({
      POWERTOOLS_SERVICE_NAME: "rds-pilot-light-take",
      POWERTOOLS_METRICS_NAMESPACE: "RdsPilotLight",
      RPL_DB_ID_REGEX: "^(orders|billing|customers)-",
      RPL_OPT_IN_TAG: "dr=pilot-light",
      RPL_INTERVAL_MINUTES: "30",
      RPL_QUOTA_HEADROOM: "2",
    });
    expect(env(run.named("sharer-fn"))).toEqual({
      POWERTOOLS_SERVICE_NAME: "rds-pilot-light-share",
      POWERTOOLS_METRICS_NAMESPACE: "RdsPilotLight",
      RPL_DR_ACCOUNTS: DR,
      RPL_DR_EVENT_BUS_ARNS: `arn:aws:events:eu-west-1:${DR}:event-bus/rds-pilot-light`,
    });
    expect(env(run.named("janitor-fn"))).toEqual({
      POWERTOOLS_SERVICE_NAME: "rds-pilot-light-expire",
      POWERTOOLS_METRICS_NAMESPACE: "RdsPilotLight",
      RPL_STAGE: "source",
      RPL_REGIONS: "eu-west-1",
      RPL_RETENTION: '{"allHours":24,"dailyDays":14,"weeklyWeeks":8,"monthlyMonths":6,"minKeep":3}',
    });
    for (const g of run.ofType(T.logGroup)) expect(g.inputs.retentionInDays).toBe(90);
  });

  it("schedules each machine, starts the Sharer on RDS snapshot events, and alarms on failed runs", async () => {
    const schedules = Object.fromEntries(run.ofType(T.schedule).map((s) => [s.name, s.inputs]));
    expect(schedules["taker-schedule"]).toMatchObject({
      scheduleExpression: "rate(30 minutes)",
      flexibleTimeWindow: { mode: "OFF" },
      target: { arn: sfnArn("taker-sfn"), roleArn: roleArn("taker-schedule-role"), input: "{}" },
    });
    expect(schedules["sharer-schedule"]).toMatchObject({ scheduleExpression: "rate(30 minutes)" });
    expect(schedules["janitor-schedule"]).toMatchObject({ scheduleExpression: "rate(60 minutes)" });
    expect(policyOf(run, "taker-schedule-role").Statement).toEqual([
      {
        Sid: "StartPipelineMachine",
        Effect: "Allow",
        Action: ["states:StartExecution"],
        Resource: [sfnArn("taker-sfn")],
      },
    ]);
    expect(JSON.parse(run.named("taker-schedule-role").inputs.assumeRolePolicy as string).Statement[0]).toEqual({
      Effect: "Allow",
      Principal: { Service: "scheduler.amazonaws.com" },
      Action: "sts:AssumeRole",
      Condition: { StringEquals: { "aws:SourceAccount": SOURCE } },
    });

    expect(JSON.parse(run.named("sharer-rds-events").inputs.eventPattern as string)).toEqual({
      source: ["aws.rds"],
      "detail-type": ["RDS DB Snapshot Event", "RDS DB Cluster Snapshot Event"],
      detail: { EventID: ["RDS-EVENT-0042", "RDS-EVENT-0075"], SourceIdentifier: [{ prefix: "rpl-" }] },
    });
    expect(run.named("sharer-rds-events").inputs.eventBusName).toBeUndefined();
    expect(run.named("sharer-rds-events-target").inputs).toMatchObject({
      arn: sfnArn("sharer-sfn"),
      roleArn: roleArn("sharer-rds-events-role"),
    });

    const alarm = run.named("taker-alarm").inputs as {
      alarmActions: string[];
      metricQueries: {
        id: string;
        expression?: string;
        metric?: { metricName: string; dimensions: Record<string, string> };
      }[];
    };
    expect(alarm.alarmActions).toEqual([`arn:aws:sns:eu-west-1:${SOURCE}:alerts-topic`]);
    expect(alarm.metricQueries.flatMap((q) => (q.metric ? [q.metric.metricName] : []))).toEqual([
      "ExecutionsFailed",
      "ExecutionsTimedOut",
      "ExecutionsAborted",
    ]);
    for (const q of alarm.metricQueries)
      if (q.metric) expect(q.metric.dimensions).toEqual({ StateMachineArn: sfnArn("taker-sfn") });
    expect(alarm.metricQueries.at(-1)?.expression).toBe(
      "FILL(executionsFailed,0)+FILL(executionsTimedOut,0)+FILL(executionsAborted,0)",
    );

    const taker = definitionOf(run, "taker");
    expect(JSON.stringify(taker)).toContain(fnArn("taker-fn"));
    expect(policyOf(run, "taker-sfn-role").Statement[0]?.Resource).toEqual([
      fnArn("taker-fn"),
      `${fnArn("taker-fn")}:*`,
    ]);
    // The sweep's Distributed Map (the default mode) starts child executions of this machine and no other.
    expect(taker.States.TakeEachDb).toMatchObject({
      Type: "Map",
      ItemProcessor: { ProcessorConfig: { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" } },
    });
    expect(JSON.parse(run.named("taker-sfn-role-map-policy").inputs.policy as string)).toEqual({
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "StartOwnChildExecutions",
          Effect: "Allow",
          Action: ["states:StartExecution"],
          Resource: [sfnArn("taker-sfn")],
        },
        {
          Sid: "TrackOwnChildExecutions",
          Effect: "Allow",
          Action: ["states:DescribeExecution", "states:StopExecution"],
          Resource: [`arn:aws:states:eu-west-1:${SOURCE}:execution:taker-sfn/*`],
        },
      ],
    });
  });

  it("creates a rotating source key the DR account can use through RDS only, and an encrypted alerts topic", async () => {
    const key = run.named("keys-source").inputs;
    expect(key.enableKeyRotation).toBe(true);
    const policy = JSON.parse(key.policy as string) as PolicyDocument;
    const dr = policy.Statement.find((s) => s.Sid === "DrAccountsUseKeyThroughRds")!;
    expect(dr.Principal).toEqual({ AWS: [`arn:aws:iam::${DR}:root`] });
    expect(dr.Condition?.StringEquals).toEqual({
      // fan-out (the default): RDS in the DR stacks' drRegion copies the share straight into that region.
      "kms:ViaService": ["rds.eu-west-1.amazonaws.com", "rds.eu-central-1.amazonaws.com"],
      "kms:CallerAccount": [DR],
    });
    expect(
      run
        .ofType(T.key)
        .map((k) => k.name)
        .sort(),
    ).toEqual(["alerts-key", "keys-source"]);
    expect(run.named("alerts-topic").inputs.kmsMasterKeyId).toBe(`arn:aws:kms:eu-west-1:${SOURCE}:key/alerts-key`);
    expect(run.named("alerts-email-0").inputs).toMatchObject({ protocol: "email", endpoint: "dba-oncall@example.com" });
    expect(policyOf(run, "sharer-role").Statement.find((s) => s.Sid === "NotifyDrBuses")?.Resource).toEqual([
      `arn:aws:events:eu-west-1:${DR}:event-bus/rds-pilot-light`,
    ]);
  });
});

describe("Pulumi.drprod.yaml (DR account, fan-out copy into eu-central-1)", () => {
  it("deploys the Copier with its bus, rule and check loop, a DR Janitor over both regions, and both DR keys", async () => {
    const run = await runIndex("Pulumi.drprod.yaml", "drprod", DR);
    expect(components(run)).toEqual([
      "FreshnessMonitor/freshness",
      "PilotLightAlerts/alerts",
      // The recovery components' own topic in eu-central-1, next to their alarms (survives a home-region outage).
      "PilotLightAlerts/alerts-recovery",
      "PilotLightKeys/keys",
      "SnapshotCopier/copier",
      "SnapshotJanitor/janitor",
      "SnapshotRestorer/restorer",
    ]);
    expect(
      run
        .ofType(T.fn)
        .map((f) => f.name)
        .sort(),
    ).toEqual(["copier-check-fn", "copier-fn", "freshness-fn", "janitor-fn", "restorer-fn"]);
    expect([...bundled].sort()).toEqual(["check", "copy", "expire", "freshness", "restore"]);
    expect(run.named("copier-bus").inputs.name).toBe("rds-pilot-light");
    const busPolicy = JSON.parse(run.named("copier-bus-policy").inputs.policy as string) as PolicyDocument;
    expect(busPolicy.Statement[0]?.Principal).toEqual({ AWS: [`arn:aws:iam::${SOURCE}:root`] });
    expect(busPolicy.Statement[0]?.Resource).toBe(`arn:aws:events:eu-west-1:${DR}:event-bus/rds-pilot-light`);
    expect(run.named("copier-shared").inputs.eventBusName).toBe("rds-pilot-light");
    expect(JSON.parse(run.named("copier-shared").inputs.eventPattern as string)).toEqual({
      source: ["rds-pilot-light"],
      "detail-type": ["RDS Pilot Light Snapshot Shared", "RDS Pilot Light Source DB Deleted"],
      account: [SOURCE],
    });
    expect(run.named("copier-shared-target").inputs).toMatchObject({
      arn: sfnArn("copier-sfn", DR),
      eventBusName: "rds-pilot-light",
    });

    const drKey = `arn:aws:kms:eu-west-1:${DR}:key/keys-dr`;
    // The DR-region key is created in eu-central-1 (per-resource region; the mock ARN follows its region input).
    const drRegionKey = `arn:aws:kms:eu-central-1:${DR}:key/keys-dr-region`;
    const copyEnv = {
      POWERTOOLS_METRICS_NAMESPACE: "RdsPilotLight",
      RPL_SOURCE_ACCOUNTS: SOURCE,
      RPL_DR_KMS_KEY_ARN: drKey,
      RPL_DR_REGION: "eu-central-1",
      RPL_DR_REGION_KMS_KEY_ARN: drRegionKey,
      RPL_COPY_MODE: "fan-out",
      RPL_MAX_COPIES_IN_FLIGHT: "5",
      RPL_MAX_COPIES_IN_FLIGHT_PER_DB: "1", // the default per-DB cap (functions/copy/perDbCap.ts)
      RPL_DELETE_INTERMEDIATE: "false",
      RPL_EXPECTED_COPY_MINUTES: "20",
      RPL_COPY_WINDOW_HOURS: "23", // allHours 24 h minus copy time and one interval (config/derive.ts copyWindowHours)
    };
    expect(env(run.named("copier-fn"))).toEqual({ ...copyEnv, POWERTOOLS_SERVICE_NAME: "rds-pilot-light-copy" });
    expect(env(run.named("copier-check-fn"))).toEqual({ ...copyEnv, POWERTOOLS_SERVICE_NAME: "rds-pilot-light-check" });
    expect(env(run.named("janitor-fn"))).toMatchObject({ RPL_STAGE: "dr", RPL_REGIONS: "eu-west-1,eu-central-1" });

    // The DR-region key uses the stack's provider with a per-resource region (issue 11; recoveryRegion.test.ts).
    expect(run.ofType(T.provider)).toEqual([]);
    expect(run.named("keys-dr-region").inputs.region).toBe("eu-central-1");
    expect(run.named("keys-dr-region-alias").inputs.region).toBe("eu-central-1");
    expect(run.named("keys-dr").inputs.region).toBeUndefined();
    for (const k of ["keys-dr", "keys-dr-region", "alerts-key"])
      expect(run.named(k).inputs.enableKeyRotation).toBe(true);

    const def = definitionOf(run, "copier");
    expect(JSON.stringify(def)).toContain(fnArn("copier-check-fn", "eu-west-1", DR));
    const wait = Object.values(def.States).find((s) => s.Type === "Wait");
    expect(wait?.SecondsPath).toBe("$.waitSeconds");
    // Waits of 5 to 30 minutes (copyCheckMaxWaitMinutes default) as the copies' progress suggests.
    expect((def.States.WaitShortForCopy?.Parameters as { waitSeconds?: number } | undefined)?.waitSeconds).toBe(300);
    expect((def.States.WaitLongForCopy?.Parameters as { waitSeconds?: number } | undefined)?.waitSeconds).toBe(1800);
    expect(policyOf(run, "copier-sfn-role").Statement[0]?.Resource).toEqual([
      fnArn("copier-fn", "eu-west-1", DR),
      `${fnArn("copier-fn", "eu-west-1", DR)}:*`,
      fnArn("copier-check-fn", "eu-west-1", DR),
      `${fnArn("copier-check-fn", "eu-west-1", DR)}:*`,
    ]);
    expect(run.named("copier-fn").inputs.role).toBe(roleArn("copier-role", DR));
    expect(run.named("copier-check-fn").inputs.role).toBe(roleArn("copier-check-role", DR));
    expect(policyOf(run, "copier-check-role").Statement.map((s) => s.Sid)).toEqual(["DescribeRds", "WriteOwnLogs"]);
    const copier = policyOf(run, "copier-role");
    expect(copier.Statement.find((s) => s.Sid === "UseDrKeysThroughRds")?.Resource).toEqual([drKey, drRegionKey]);
    expect(copier.Statement.some((s) => JSON.stringify(s.Action).includes("rds:Delete"))).toBe(false);
    expectValidMachines(run);
    expectLeastPrivilege(run);
  });
});

describe("fan-in and fan-out", () => {
  const base = {
    "aws:region": "eu-west-1",
    "rds-pilot-light:maxDbs": 5,
    "rds-pilot-light:manualSnapshotQuota": 1000,
  };

  it("many-to-one: one DR account copies from two source accounts", async () => {
    const run = await runIndex(
      { ...base, "rds-pilot-light:role": "dr", "rds-pilot-light:sourceAccounts": [SOURCE, "333333333333"] },
      "dr",
      DR,
    );
    expect(env(run.named("copier-fn")).RPL_SOURCE_ACCOUNTS).toBe(`${SOURCE},333333333333`);
    expect(env(run.named("copier-fn")).RPL_DR_REGION).toBeUndefined();
    expect(JSON.parse(run.named("copier-bus-policy").inputs.policy as string).Statement[0].Principal).toEqual({
      AWS: [`arn:aws:iam::${SOURCE}:root`, "arn:aws:iam::333333333333:root"],
    });
    expect(JSON.parse(run.named("copier-shared").inputs.eventPattern as string).account).toEqual([
      SOURCE,
      "333333333333",
    ]);
    expect(policyOf(run, "copier-role").Statement.find((s) => s.Sid === "CopySharedAndOwnSnapshots")?.Resource).toEqual(
      [
        `arn:aws:rds:*:${SOURCE}:snapshot:rpl-*`,
        "arn:aws:rds:*:333333333333:snapshot:rpl-*",
        `arn:aws:rds:eu-west-1:${DR}:snapshot:rpl-*`,
      ],
    );
    expect(
      run
        .ofType(T.key)
        .map((k) => k.name)
        .sort(),
    ).toEqual(["alerts-key", "keys-dr"]);
    expectValidMachines(run);
  });

  it("many-to-many: a source account shares with two DR accounts and notifies both buses", async () => {
    const run = await runIndex(
      { ...base, "rds-pilot-light:role": "source", "rds-pilot-light:drAccounts": [DR, "444444444444"] },
      "src",
      SOURCE,
    );
    const buses = [
      `arn:aws:events:eu-west-1:${DR}:event-bus/rds-pilot-light`,
      "arn:aws:events:eu-west-1:444444444444:event-bus/rds-pilot-light",
    ];
    expect(env(run.named("sharer-fn"))).toMatchObject({
      RPL_DR_ACCOUNTS: `${DR},444444444444`,
      RPL_DR_EVENT_BUS_ARNS: buses.join(","),
    });
    expect(policyOf(run, "sharer-role").Statement.find((s) => s.Sid === "NotifyDrBuses")?.Resource).toEqual(buses);
    const key = JSON.parse(run.named("keys-source").inputs.policy as string) as PolicyDocument;
    expect(key.Statement.find((s) => s.Sid === "DrAccountsGrantKeyToRds")?.Principal).toEqual({
      AWS: [`arn:aws:iam::${DR}:root`, "arn:aws:iam::444444444444:root"],
    });
  });

  it("both: one account, two regions — Taker, Copier (no bus) and a Janitor per stage", async () => {
    const run = await runIndex(
      { ...base, "rds-pilot-light:role": "both", "rds-pilot-light:drRegion": "eu-central-1" },
      "single",
      "555555555555",
    );
    expect(components(run)).toEqual([
      "FreshnessMonitor/freshness",
      "PilotLightAlerts/alerts",
      "PilotLightAlerts/alerts-recovery",
      "PilotLightKeys/keys",
      "SnapshotCopier/copier",
      "SnapshotJanitor/janitor-dr",
      "SnapshotJanitor/janitor-source",
      "SnapshotTaker/taker",
    ]);
    expect(run.ofType(T.bus)).toEqual([]);
    expect(run.ofType(T.rule)).toEqual([]);
    // The Copier and Checker copy the account's own source snapshots into the DR region (functions/copy/plan.ts).
    for (const fn of ["copier-fn", "copier-check-fn"]) {
      expect(env(run.named(fn))).toMatchObject({
        RPL_SOURCE_ACCOUNTS: "555555555555",
        RPL_DR_REGION: "eu-central-1",
        RPL_COPY_WINDOW_HOURS: "23", // allHours 24 h minus copy time and one interval (config/derive.ts copyWindowHours)
      });
      expect(env(run.named(fn)).RPL_DR_REGION_KMS_KEY_ARN).toEqual(expect.stringMatching(/^arn:aws:kms:/));
    }
    expect(env(run.named("janitor-source-fn"))).toMatchObject({ RPL_STAGE: "source", RPL_REGIONS: "eu-west-1" });
    expect(env(run.named("janitor-dr-fn"))).toMatchObject({ RPL_STAGE: "dr", RPL_REGIONS: "eu-central-1" });
    expect(
      run
        .ofType(T.key)
        .map((k) => k.name)
        .sort(),
    ).toEqual(["alerts-key", "alerts-recovery-key", "keys-dr", "keys-dr-region", "keys-source"]);
    expectValidMachines(run);
    expectLeastPrivilege(run);
  });

  it("uses existing keys and an existing topic instead of creating them", async () => {
    const run = await runIndex(
      {
        ...base,
        "rds-pilot-light:role": "dr",
        "rds-pilot-light:sourceAccounts": [SOURCE],
        "rds-pilot-light:kms": { drKeyArn: `arn:aws:kms:eu-west-1:${DR}:key/existing` },
        "rds-pilot-light:alerts": { topicArn: `arn:aws:sns:eu-west-1:${DR}:ops` },
      },
      "dr",
      DR,
    );
    expect(run.ofType(T.key)).toEqual([]);
    expect(run.ofType(T.topic)).toEqual([]);
    expect(env(run.named("copier-fn")).RPL_DR_KMS_KEY_ARN).toBe(`arn:aws:kms:eu-west-1:${DR}:key/existing`);
    expect(run.named("copier-alarm").inputs.alarmActions).toEqual([`arn:aws:sns:eu-west-1:${DR}:ops`]);
  });
});

describe("configuration problems", () => {
  it("fails the preview with every problem named, before any resource exists", async () => {
    const run = runIndex(
      {
        "aws:region": "eu-west-1",
        "rds-pilot-light:role": "dr",
        "rds-pilot-light:sourceAccounts": [SOURCE, "12345"],
        "rds-pilot-light:components": ["copier", "sharer"],
        "rds-pilot-light:dbIdRegex": "(",
      },
      "drprod",
      DR,
    );
    await expect(run).rejects.toThrow(
      'rds-pilot-light:sourceAccounts[1] must be a 12-digit AWS account id (got "12345"); fix it in Pulumi.drprod.yaml.',
    );
  });

  it.each([
    [{ "rds-pilot-light:rpoMinutes": 20 }, "rds-pilot-light:rpoMinutes cannot be met"],
    [{ "rds-pilot-light:components": ["copier"] }, 'rds-pilot-light:components[0] cannot deploy when role is "source"'],
    [{ "rds-pilot-light:maxDbs": 50 }, "above manualSnapshotQuota (1000)"],
    [{ "rds-pilot-light:rpoMinuts": 60 }, "rds-pilot-light:rpoMinuts is not a known key"],
    [{ "rds-pilot-light:maxDbs": "ten" }, 'rds-pilot-light:maxDbs must be a whole number of DBs (got "ten")'],
    [{ "rds-pilot-light:rol": "source" }, "rds-pilot-light:rol is not a known key; did you mean role?"],
    [{ "rds-pilot-lite:rpoMinutes": "90" }, 'rds-pilot-lite:rpoMinutes is in namespace "rds-pilot-lite"'],
  ])("rejects %j", async (override, message) => {
    await expect(runIndex({ ...stackConfig("Pulumi.prod.yaml"), ...override }, "prod", SOURCE)).rejects.toThrow(
      message,
    );
  });

  it("warns at preview when an explicit interval cannot meet the RPO", async () => {
    const run = await runIndex(
      {
        "aws:region": "eu-west-1",
        "rds-pilot-light:role": "source",
        "rds-pilot-light:drAccounts": [DR],
        "rds-pilot-light:snapshotIntervalMinutes": 60,
      },
      "prod",
      SOURCE,
    );
    expect(run.warnings).toEqual([
      "rds-pilot-light:snapshotIntervalMinutes (60) + expectedSnapshotMinutes (10) + expectedCopyMinutes (20) = 90 minutes " +
        "exceeds rpoMinutes (60); recovery points will be older than the RPO. Lower snapshotIntervalMinutes to 30 or " +
        "remove it in Pulumi.prod.yaml.",
      // config/feasibility.ts fullCopyWarnings: fan-out (the default) needs the DR region in the source key policy.
      'copyMode "fan-out": if the DR stacks copy into a DR region, set drRegion here too so the source key lets RDS ' +
        "in that region use it (docs/copy-topology.md)",
    ]);
    expect(env(run.named("taker-fn")).RPL_INTERVAL_MINUTES).toBe("60");
  });
});
