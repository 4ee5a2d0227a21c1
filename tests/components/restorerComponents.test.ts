/**
 * SnapshotRestorer and FreshnessMonitor under Pulumi mocks: children, names, wiring and alarm definitions.
 */
import { describe, expect, it } from "vitest";
import { RESTORE_STATES } from "../../components/shared/restoreStateMachine";
import { parseStackConfig } from "../../config";
import { type MockRun, runUnderMocks } from "./harness";

const DR = "222222222222";
const HOME = "eu-west-1";
const DR_REGION = "eu-central-1";
const TOPIC = `arn:aws:sns:${HOME}:${DR}:alerts`;

function stack(restore: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return parseStackConfig(
    {
      role: "dr",
      sourceAccounts: ["111111111111"],
      drRegion: DR_REGION,
      rpoMinutes: 120,
      kms: {
        drKeyArn: `arn:aws:kms:${HOME}:${DR}:key/home`,
        drRegionKeyArn: `arn:aws:kms:${DR_REGION}:${DR}:key/region`,
      },
      retiredDbs: ["legacy"],
      restore,
      ...extra,
    },
    "Pulumi.drprod.yaml",
    { region: HOME },
  );
}

async function build(restore: Record<string, unknown>): Promise<MockRun<unknown>> {
  const config = stack(restore);
  return runUnderMocks(
    { "aws:region": HOME },
    async () => {
      const { SnapshotRestorer } = await import("../../components/snapshotRestorer");
      const { FreshnessMonitor } = await import("../../components/freshnessMonitor");
      const { freshnessArgs, restorerArgs } = await import("../../config/toArgs");
      new SnapshotRestorer("restorer", restorerArgs(config, { accountId: DR, alarmTopicArn: TOPIC }));
      new FreshnessMonitor("freshness", freshnessArgs(config, { accountId: DR, alarmTopicArn: TOPIC }));
      return undefined;
    },
    "drprod",
    DR,
  );
}

const RESTORE = {
  subnetGroup: "dr-db-subnets",
  securityGroupIds: ["sg-0123456789abcdef0"],
  instanceClass: "db.r6g.large",
  drillDbIds: ["orders"],
};

describe("SnapshotRestorer", () => {
  it("creates the Lambda, a named state machine, the weekly drill schedule and three alarms, all parented", async () => {
    const run = await build(RESTORE);

    const fn = run.named("restorer-fn");
    expect(fn.parent).toBe("restorer");
    expect(fn.inputs).toMatchObject({ runtime: "nodejs22.x", handler: "index.handler", timeout: 300 });
    expect((fn.inputs.environment as { variables: Record<string, string> }).variables).toEqual({
      POWERTOOLS_SERVICE_NAME: "rds-pilot-light-restore",
      POWERTOOLS_METRICS_NAMESPACE: "RdsPilotLight",
      RPL_RESTORE_REGION: DR_REGION,
      RPL_SUBNET_GROUP: "dr-db-subnets",
      RPL_SECURITY_GROUP_IDS: "sg-0123456789abcdef0",
      RPL_INSTANCE_CLASS: "db.r6g.large",
      RPL_MULTI_AZ: "false",
      RPL_RETIRED_DBS: "legacy",
    });

    const sfn = run.named("restorer-sfn");
    expect(sfn.inputs.name).toBe("rds-pilot-light-restore");
    const definition = JSON.parse(sfn.inputs.definition as string);
    expect(definition.StartAt).toBe(RESTORE_STATES.plan);
    // The restorer lives in the recovery region (drRegion), not the home region (issue 11).
    expect(definition.States[RESTORE_STATES.plan].Parameters.FunctionName).toBe(
      `arn:aws:lambda:${DR_REGION}:${DR}:function:restorer-fn`,
    );
    // RTO 240 min at one check a minute.
    expect(definition.States[RESTORE_STATES.plan].Parameters.Payload.maxChecks).toBe(240);

    const schedule = run.named("restorer-drill-schedule");
    expect(schedule.inputs.scheduleExpression).toBe("cron(0 3 ? * SUN *)");
    const target = schedule.inputs.target as { arn: string; input: string };
    expect(target.arn).toBe(`arn:aws:states:${DR_REGION}:${DR}:stateMachine:rds-pilot-light-restore`);
    expect(JSON.parse(target.input)).toEqual({ mode: "drill", dbIds: ["orders"] });

    expect(run.named("restorer-drill-failed-alarm").inputs).toMatchObject({
      metricName: "DrillSucceeded",
      dimensions: { service: "rds-pilot-light-restore" },
      comparisonOperator: "LessThanThreshold",
      threshold: 1,
      alarmActions: [TOPIC],
    });
    expect(run.named("restorer-drill-duration-alarm").inputs).toMatchObject({
      metricName: "RestoreDurationMinutes",
      dimensions: { service: "rds-pilot-light-restore", Mode: "drill" },
      threshold: 240,
    });
    expect(run.named("restorer-alarm").inputs.alarmActions).toEqual([TOPIC]);
  });

  it("gives the Lambda a role that may delete only drill DBs, in the restore region, with the DR-region key", async () => {
    const run = await build(RESTORE);
    const policy = JSON.parse(run.named("restorer-role-policy").inputs.policy as string);
    const del = policy.Statement.find((s: { Sid: string }) => s.Sid === "DeleteDrillInstancesOnly");
    expect(del.Resource).toEqual([`arn:aws:rds:${DR_REGION}:${DR}:db:rpl-drill-*`]);
    const keys = policy.Statement.find((s: { Sid: string }) => s.Sid === "UseDrKeysThroughRds");
    expect(keys.Resource).toEqual([`arn:aws:kms:${DR_REGION}:${DR}:key/region`]);
  });

  it("wires the drill validation Lambda into the definition and lets the machine role invoke exactly it", async () => {
    const check = `arn:aws:lambda:${DR_REGION}:${DR}:function:drill-check`;
    const run = await build({ ...RESTORE, drillValidationLambdaArn: check, drillValidationTimeoutSeconds: 120 });

    const definition = JSON.parse(run.named("restorer-sfn").inputs.definition as string);
    expect(definition.States[RESTORE_STATES.validate]).toMatchObject({
      Parameters: { FunctionName: check },
      TimeoutSeconds: 120,
    });
    const policy = JSON.parse(run.named("restorer-sfn-role-policy").inputs.policy as string);
    const invoke = policy.Statement.find((s: { Sid: string }) => s.Sid === "InvokeDrillValidation");
    expect(invoke).toEqual({
      Sid: "InvokeDrillValidation",
      Effect: "Allow",
      Action: ["lambda:InvokeFunction"],
      Resource: [check],
    });
  });

  it("creates no schedule when drills are off", async () => {
    const run = await build({ ...RESTORE, drillSchedule: "off" });
    expect(run.ofType("aws:scheduler/schedule:Schedule").map((r) => r.name)).toEqual(["freshness-schedule"]);
  });

  it("fails before creating anything when the subnet group is missing", async () => {
    await expect(build({})).rejects.toThrow("rds-pilot-light:restore.subnetGroup must be set");
  });
});

describe("FreshnessMonitor", () => {
  it("schedules the Lambda every 15 minutes and alarms per stage on the worst age, missing data breaching", async () => {
    const run = await build(RESTORE);

    const fn = run.named("freshness-fn");
    expect((fn.inputs.environment as { variables: Record<string, string> }).variables).toEqual({
      POWERTOOLS_SERVICE_NAME: "rds-pilot-light-freshness",
      POWERTOOLS_METRICS_NAMESPACE: "RdsPilotLight",
      RPL_DR_REGION: DR_REGION,
      RPL_FRESHNESS_STAGES: "dr,dr-region",
      // The monitor runs in the DR region and reads the home-region copies from there.
      RPL_HOME_REGION: HOME,
      RPL_RETIRED_DBS: "legacy",
      RPL_RPO_MINUTES: "120",
      RPL_RETIRE_DELETED_AFTER_HOURS: "24",
    });
    const schedule = run.named("freshness-schedule");
    expect(schedule.inputs.scheduleExpression).toBe("rate(15 minutes)");
    expect((schedule.inputs.target as { arn: string }).arn).toBe(
      `arn:aws:lambda:${DR_REGION}:${DR}:function:freshness-fn`,
    );
    for (const stage of ["dr", "dr-region"]) {
      expect(run.named(`freshness-${stage}-alarm`).inputs).toMatchObject({
        namespace: "RdsPilotLight",
        metricName: "MaxRecoveryPointAgeMinutes",
        dimensions: { service: "rds-pilot-light-freshness", Stage: stage },
        statistic: "Maximum",
        period: 1800,
        comparisonOperator: "GreaterThanThreshold",
        threshold: 120,
        treatMissingData: "breaching",
        alarmActions: [TOPIC],
      });
    }
    const invoke = JSON.parse(run.named("freshness-schedule-role-policy").inputs.policy as string);
    expect(invoke.Statement).toEqual([
      {
        Sid: "InvokeFreshness",
        Effect: "Allow",
        Action: ["lambda:InvokeFunction"],
        Resource: [`arn:aws:lambda:${DR_REGION}:${DR}:function:freshness-fn`],
      },
    ]);
  });
});

describe("FreshnessMonitor per-DB alarms (issue 13)", () => {
  it("adds one alarm per expected DB and stage, naming the DB, and none for a retired DB", async () => {
    const run = await build({ ...RESTORE, expectedDbs: ["orders", "111111111111/billing", "legacy"] });

    const alarms = run
      .ofType("aws:cloudwatch/metricAlarm:MetricAlarm")
      .filter((r) => r.name.startsWith("freshness-"))
      .map((r) => r.name)
      .sort();
    expect(alarms).toEqual([
      "freshness-dr-111111111111-billing-alarm",
      "freshness-dr-alarm",
      "freshness-dr-orders-alarm",
      "freshness-dr-per-db-alarm",
      "freshness-dr-region-111111111111-billing-alarm",
      "freshness-dr-region-alarm",
      "freshness-dr-region-orders-alarm",
      "freshness-dr-region-per-db-alarm",
    ]);
    const billing = run.named("freshness-dr-region-111111111111-billing-alarm").inputs;
    expect(billing).toMatchObject({
      namespace: "RdsPilotLight",
      metricName: "ExpectedDbRecoveryPointAgeMinutes",
      dimensions: { service: "rds-pilot-light-freshness", Stage: "dr-region", Db: "111111111111/billing" },
      statistic: "Maximum",
      period: 1800,
      comparisonOperator: "GreaterThanThreshold",
      threshold: 120,
      treatMissingData: "breaching",
      alarmActions: [TOPIC],
      okActions: [TOPIC],
    });
    expect(billing.alarmDescription).toContain("DB 111111111111/billing");
    const fn = run.named("freshness-fn");
    expect((fn.inputs.environment as { variables: Record<string, string> }).variables.RPL_EXPECTED_DBS).toBe(
      "orders,111111111111/billing,legacy",
    );
  });
});

describe("FreshnessMonitor per-DB contributor alarm (issue 13)", () => {
  it("alarms per stage on a Metrics Insights query grouped by DbId, so every DB has its own contributor", async () => {
    const run = await build(RESTORE);

    const perDb = run.named("freshness-dr-region-per-db-alarm").inputs;

    expect(perDb).toMatchObject({
      metricQueries: [
        {
          id: "ages",
          expression:
            "SELECT MAX(RecoveryPointAgeMinutes) FROM SCHEMA(RdsPilotLight, DbId, Stage, service) " +
            "WHERE Stage = 'dr-region' AND service = 'rds-pilot-light-freshness' GROUP BY DbId",
          period: 1800,
          returnData: true,
        },
      ],
      evaluationPeriods: 1,
      comparisonOperator: "GreaterThanThreshold",
      threshold: 120,
      treatMissingData: "notBreaching",
      alarmActions: [TOPIC],
      okActions: [TOPIC],
    });
    expect(perDb.metricName).toBeUndefined();
    expect(perDb.alarmDescription).toContain("contributor = DbId");
  });
});

describe("recovery Lambda bundles", () => {
  it.each([
    ["restore", "RestoreDBClusterFromSnapshot"],
    ["freshness", "MaxRecoveryPointAgeMinutes"],
  ])("bundles functions/%s/handler.ts with esbuild", async (step, marker) => {
    const { bundleHandler } = await import("../../components/shared/bundle");
    const code = await bundleHandler(step);
    expect(code).toContain(marker);
    // The SDK comes from the Lambda runtime, not the bundle.
    expect(code).toContain('require("@aws-sdk/client-rds")');
  });
});
