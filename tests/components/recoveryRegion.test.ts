/**
 * Issue 11 items 1-3 under Pulumi mocks (index.ts, the example stacks):
 * - everything recovery needs (restorer, freshness monitor, their alarms and alerts topic) is in the DR region;
 * - no explicit provider exists: every resource uses the stack's provider, with a per-resource `region` where it
 *   lives outside the stack region (`@pulumi/aws` v7), so each carries the stack's credentials;
 * - the KMS keys and aliases are `protect`ed and `retainOnDelete`.
 */
import { describe, expect, it, vi } from "vitest";
import { parseStackConfig, recoveryAlerts, recoveryRegion } from "../../config";
import { type MockRun, type Recorded, runUnderMocks, stackConfig } from "./harness";

// Real bundling is covered by bundle.test.ts.
vi.mock("../../components/shared/bundle", async () => {
  const pulumi = await import("@pulumi/pulumi");
  return {
    LAMBDA_RUNTIME: "nodejs22.x",
    handlerArchive: (step: string) =>
      new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(`// ${step}`) }),
  };
});

const SOURCE = "111111111111";
const DR = "222222222222";
const HOME = "eu-west-1";
const DR_REGION = "eu-central-1";

async function runIndex(config: string | Record<string, unknown>, stack: string, account: string) {
  vi.resetModules();
  return runUnderMocks(
    stackConfig(config),
    async () => (await import("../../index")) as Record<string, unknown>,
    stack,
    account,
  );
}

/** The top-level component (`Type/name`) a resource belongs to. */
function componentOf(run: MockRun<unknown>, r: Recorded): string {
  let cur: Recorded | undefined = r;
  let top = r;
  while (cur?.parent !== undefined) {
    top = run.named(cur.parent);
    cur = top;
  }
  return `${top.type.split(":").pop()}/${top.name}`;
}

/** Region a resource is managed in: its `region` input, else the stack provider's region. */
const regionOf = (r: Recorded) => (r.inputs.region as string | undefined) ?? HOME;
/** IAM is global: its resources take no region. */
const regional = (r: Recorded) => r.custom && !r.type.startsWith("aws:iam/");

const RECOVERY = ["SnapshotRestorer/restorer", "FreshnessMonitor/freshness", "PilotLightAlerts/alerts-recovery"];

describe("Pulumi.drprod.yaml: the recovery path lives in drRegion", () => {
  it("puts every regional resource of the restorer, freshness monitor and their topic in eu-central-1", async () => {
    const run = await runIndex("Pulumi.drprod.yaml", "drprod", DR);
    const recovery = run.resources.filter((r) => regional(r) && RECOVERY.includes(componentOf(run, r)));

    // Lambda, state machine, drill schedule, 3 alarms, log group (restorer); Lambda, schedule, 2 per-stage alarms,
    // 2 per-DB alarms (restore.expectedDbs: orders-db in dr and dr-region) and 2 per-DB contributor alarms (one per
    // stage, issue 13), log group (freshness); key, topic, one e-mail subscription (alerts-recovery).
    expect(recovery.map((r) => `${componentOf(run, r)} ${r.type}`).sort()).toEqual(
      [
        "FreshnessMonitor/freshness aws:cloudwatch/logGroup:LogGroup",
        "FreshnessMonitor/freshness aws:cloudwatch/metricAlarm:MetricAlarm",
        "FreshnessMonitor/freshness aws:cloudwatch/metricAlarm:MetricAlarm",
        "FreshnessMonitor/freshness aws:cloudwatch/metricAlarm:MetricAlarm",
        "FreshnessMonitor/freshness aws:cloudwatch/metricAlarm:MetricAlarm",
        "FreshnessMonitor/freshness aws:cloudwatch/metricAlarm:MetricAlarm",
        "FreshnessMonitor/freshness aws:cloudwatch/metricAlarm:MetricAlarm",
        "FreshnessMonitor/freshness aws:lambda/function:Function",
        "FreshnessMonitor/freshness aws:scheduler/schedule:Schedule",
        "PilotLightAlerts/alerts-recovery aws:kms/key:Key",
        "PilotLightAlerts/alerts-recovery aws:sns/topic:Topic",
        "PilotLightAlerts/alerts-recovery aws:sns/topicSubscription:TopicSubscription",
        "SnapshotRestorer/restorer aws:cloudwatch/logGroup:LogGroup",
        "SnapshotRestorer/restorer aws:cloudwatch/metricAlarm:MetricAlarm",
        "SnapshotRestorer/restorer aws:cloudwatch/metricAlarm:MetricAlarm",
        "SnapshotRestorer/restorer aws:cloudwatch/metricAlarm:MetricAlarm",
        "SnapshotRestorer/restorer aws:lambda/function:Function",
        "SnapshotRestorer/restorer aws:scheduler/schedule:Schedule",
        "SnapshotRestorer/restorer aws:sfn/stateMachine:StateMachine",
      ].sort(),
    );
    expect(recovery.filter((r) => regionOf(r) !== DR_REGION).map((r) => r.name)).toEqual([]);
  });

  it("wires every recovery alarm to the eu-central-1 topic, and the pipeline alarms to the home-region topic", async () => {
    const run = await runIndex("Pulumi.drprod.yaml", "drprod", DR);
    const alarms = run.ofType("aws:cloudwatch/metricAlarm:MetricAlarm");
    const recoveryTopic = `arn:aws:sns:${DR_REGION}:${DR}:alerts-recovery-topic`;
    const homeTopic = `arn:aws:sns:${HOME}:${DR}:alerts-topic`;
    for (const a of alarms) {
      const topic = RECOVERY.includes(componentOf(run, a)) ? recoveryTopic : homeTopic;
      expect({ alarm: a.name, actions: a.inputs.alarmActions }).toEqual({ alarm: a.name, actions: [topic] });
      // An alarm and the topic it notifies are in the same region (no cross-region alarm action is relied on).
      expect(regionOf(a)).toBe(topic.split(":")[3]);
    }
    expect(alarms.filter((a) => regionOf(a) === DR_REGION).length).toBe(9);
    // The recovery topic carries the stack's own subscriptions.
    const subs = run.ofType("aws:sns/topicSubscription:TopicSubscription");
    expect(subs.map((s) => [s.name, regionOf(s), s.inputs.endpoint])).toEqual([
      ["alerts-email-0", HOME, "dba-oncall@example.com"],
      ["alerts-recovery-email-0", DR_REGION, "dba-oncall@example.com"],
    ]);
    expect(run.result.recoveryRegionName).toBeDefined();
  });

  it("creates no explicit provider: every resource uses the stack provider, each in its expected region", async () => {
    const run = await runIndex("Pulumi.drprod.yaml", "drprod", DR);
    expect(run.resources.filter((r) => r.type.startsWith("pulumi:providers:"))).toEqual([]);
    expect(run.resources.filter((r) => r.opts?.explicitProvider).map((r) => r.name)).toEqual([]);
    expect(run.resources.filter((r) => r.provider !== undefined && !r.provider.includes("::default")).length).toBe(0);

    const expected = (r: Recorded) =>
      RECOVERY.includes(componentOf(run, r)) || r.name.startsWith("keys-dr-region") ? DR_REGION : HOME;
    const wrong = run.resources
      .filter(regional)
      .filter((r) => regionOf(r) !== expected(r))
      .map((r) => `${r.name}: ${regionOf(r)}`);
    expect(wrong).toEqual([]);
    // Home-region resources carry no region input at all (no diff for existing stacks).
    const homeWithInput = run.resources.filter((r) => regional(r) && expected(r) === HOME && "region" in r.inputs);
    expect(homeWithInput.map((r) => r.name)).toEqual([]);
    expect(run.named("keys-dr-region").inputs.region).toBe(DR_REGION);
    expect(run.named("keys-dr-region-alias").inputs.region).toBe(DR_REGION);
  });
});

describe("PilotLightKeys: protected keys and aliases", () => {
  it.each([
    ["Pulumi.prod.yaml", "prod", SOURCE, ["keys-source", "keys-source-alias"]],
    ["Pulumi.drprod.yaml", "drprod", DR, ["keys-dr", "keys-dr-alias", "keys-dr-region", "keys-dr-region-alias"]],
  ])("%s: every key and alias has protect and retainOnDelete", async (file, stack, account, names) => {
    const run = await runIndex(file, stack, account);
    const keys = run.resources.filter((r) => r.type === "aws:kms/key:Key" || r.type === "aws:kms/alias:Alias");
    const ofKeys = keys.filter((r) => r.parent === "keys");
    expect(ofKeys.map((r) => r.name).sort()).toEqual([...names].sort());
    for (const k of ofKeys) {
      expect({ name: k.name, ...k.opts }).toEqual({
        name: k.name,
        protect: true,
        retainOnDelete: true,
        explicitProvider: false,
      });
    }
    // Everything else (Lambdas, alarms, the alerts key, ...) stays freely replaceable.
    const others = run.resources.filter((r) => r.custom && r.parent !== "keys");
    expect(others.filter((r) => r.opts?.protect || r.opts?.retainOnDelete).map((r) => r.name)).toEqual([]);
  });
});

describe("recoveryRegion and recoveryAlerts", () => {
  const config = (extra: Record<string, unknown>, region = HOME) =>
    parseStackConfig(
      { role: "dr", sourceAccounts: [SOURCE], restore: { subnetGroup: "dr-db-subnets" }, ...extra },
      "Pulumi.drprod.yaml",
      { region },
    );

  it.each([
    ["no drRegion: the stack region, sharing the stack topic", {}, HOME, { kind: "shared" }],
    ["drRegion: a topic created there", { drRegion: DR_REGION }, DR_REGION, { kind: "create", region: DR_REGION }],
    [
      "drRegion + alerts.recoveryTopicArn: that topic",
      {
        drRegion: DR_REGION,
        alerts: {
          topicArn: `arn:aws:sns:${HOME}:${DR}:ops`,
          recoveryTopicArn: `arn:aws:sns:${DR_REGION}:${DR}:ops`,
        },
      },
      DR_REGION,
      { kind: "existing", topicArn: `arn:aws:sns:${DR_REGION}:${DR}:ops` },
    ],
    [
      "drRegion + alerts.topicArn already in drRegion: that topic",
      { drRegion: DR_REGION, alerts: { topicArn: `arn:aws:sns:${DR_REGION}:${DR}:ops` } },
      DR_REGION,
      { kind: "existing", topicArn: `arn:aws:sns:${DR_REGION}:${DR}:ops` },
    ],
  ])("%s", (_, extra, region, alerts) => {
    const c = config(extra);
    expect(recoveryRegion(c)).toBe(region);
    expect(recoveryAlerts(c)).toEqual(alerts);
  });

  it.each([
    [
      { drRegion: DR_REGION, alerts: { topicArn: `arn:aws:sns:${HOME}:${DR}:ops` } },
      `rds-pilot-light:alerts.recoveryTopicArn must be set to an SNS topic in ${DR_REGION}`,
    ],
    [
      {
        drRegion: DR_REGION,
        alerts: { topicArn: `arn:aws:sns:${HOME}:${DR}:ops`, recoveryTopicArn: `arn:aws:sns:${HOME}:${DR}:ops2` },
      },
      `rds-pilot-light:alerts.recoveryTopicArn must be a topic in the recovery region ${DR_REGION}`,
    ],
  ])("rejects a home-region topic for the recovery alarms (%#)", (extra, message) => {
    expect(() => recoveryAlerts(config(extra))).toThrow(message);
  });
});
