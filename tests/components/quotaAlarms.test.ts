/** Quota alarms of the Taker and the Copier under Pulumi mocks (issue 13): one per region and kind, naming them. */

import { describe, expect, it, vi } from "vitest";
import { SnapshotCopier } from "../../components/snapshotCopier";
import { SnapshotTaker } from "../../components/snapshotTaker";
import { parseStackConfig } from "../../config";
import { copierArgs, takerArgs } from "../../config/toArgs";
import { runUnderMocks } from "./harness";

vi.mock("../../components/shared/bundle", async () => {
  const pulumi = await import("@pulumi/pulumi");
  return {
    LAMBDA_RUNTIME: "nodejs22.x",
    handlerArchive: () =>
      new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset("// bundle not built in this test") }),
  };
});

const at = { region: "eu-west-1" };
const TOPIC = "arn:aws:sns:eu-west-1:111111111111:t";
const quotaAlarmsOf = (run: Awaited<ReturnType<typeof runUnderMocks>>) =>
  run.resources.filter((r) => r.type === "aws:cloudwatch/metricAlarm:MetricAlarm" && r.name.includes("-quota-"));

describe("quota alarms", () => {
  it("gives the Taker one alarm per kind in its region on SnapshotQuotaBlocked, naming account, region and kind", async () => {
    const source = parseStackConfig({ role: "source", drAccounts: ["222222222222"] }, "Pulumi.test.yaml", at);
    const run = await runUnderMocks(
      { "aws:region": "eu-west-1" },
      async () => new SnapshotTaker("taker", takerArgs(source, { accountId: "111111111111", alarmTopicArn: TOPIC })),
    );
    const alarms = quotaAlarmsOf(run);
    expect(alarms.map((a) => a.name).sort()).toEqual([
      "taker-quota-eu-west-1-cluster-alarm",
      "taker-quota-eu-west-1-instance-alarm",
    ]);
    const cluster = run.named("taker-quota-eu-west-1-cluster-alarm").inputs;
    expect(cluster).toMatchObject({
      namespace: "RdsPilotLight",
      metricName: "SnapshotQuotaBlocked",
      dimensions: { service: "rds-pilot-light-take", Region: "eu-west-1", Kind: "cluster" },
      statistic: "Sum",
      comparisonOperator: "GreaterThanThreshold",
      threshold: 0,
      treatMissingData: "notBreaching",
      alarmActions: [TOPIC],
      okActions: [TOPIC],
    });
    expect(cluster.alarmDescription).toBe(
      "rds-pilot-light: the Taker could not create DB cluster snapshots: the RDS quota ManualClusterSnapshots of " +
        "account 111111111111 in eu-west-1 is full. Raise the quota (Service Quotas) or shorten retention.",
    );
  });

  it("gives the Copier alarms for the home and the DR region", async () => {
    const dr = parseStackConfig(
      { role: "dr", sourceAccounts: ["111111111111"], drRegion: "eu-central-1" },
      "Pulumi.test.yaml",
      at,
    );
    const run = await runUnderMocks(
      { "aws:region": "eu-west-1" },
      async () =>
        new SnapshotCopier(
          "copier",
          copierArgs(dr, {
            accountId: "222222222222",
            alarmTopicArn: TOPIC,
            drKmsKeyArn: "arn:aws:kms:eu-west-1:222222222222:key/home",
            drRegionKmsKeyArn: "arn:aws:kms:eu-central-1:222222222222:key/region",
          }),
        ),
    );
    expect(
      quotaAlarmsOf(run)
        .map((a) => a.name)
        .sort(),
    ).toEqual([
      "copier-quota-eu-central-1-cluster-alarm",
      "copier-quota-eu-central-1-instance-alarm",
      "copier-quota-eu-west-1-cluster-alarm",
      "copier-quota-eu-west-1-instance-alarm",
    ]);
    expect(run.named("copier-quota-eu-central-1-instance-alarm").inputs).toMatchObject({
      metricName: "SnapshotQuotaBlocked",
      dimensions: { service: "rds-pilot-light-copy", Region: "eu-central-1", Kind: "instance" },
    });
  });
});
