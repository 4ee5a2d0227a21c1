/** Components check their arguments before creating any child (STYLE.md constructor order). */
import { describe, expect, it, vi } from "vitest";
import { FreshnessMonitor } from "../../components/freshnessMonitor";
import { PilotLightAlerts } from "../../components/pilotLightAlerts";
import { PilotLightKeys } from "../../components/pilotLightKeys";
import { SnapshotCopier } from "../../components/snapshotCopier";
import { SnapshotJanitor } from "../../components/snapshotJanitor";
import { SnapshotRestorer } from "../../components/snapshotRestorer";
import { SnapshotSharer } from "../../components/snapshotSharer";
import { SnapshotTaker } from "../../components/snapshotTaker";
import { parseStackConfig } from "../../config";
import { copierArgs, freshnessArgs, janitorArgs, sharerArgs, takerArgs } from "../../config/toArgs";
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
const source = parseStackConfig({ role: "source", drAccounts: ["222222222222"] }, "Pulumi.test.yaml", at);
const dr = parseStackConfig(
  { role: "dr", sourceAccounts: ["111111111111"], drRegion: "eu-central-1" },
  "Pulumi.test.yaml",
  at,
);
const common = { accountId: "111111111111", alarmTopicArn: "arn:aws:sns:eu-west-1:111111111111:t" };

describe("component argument checks", () => {
  it.each([
    [
      "a DR Janitor on a source stack",
      () => new SnapshotJanitor("janitor", janitorArgs(source, common, "dr")),
      'SnapshotJanitor janitor: stage "dr" needs role dr or both (role is "source")',
    ],
    [
      "a source Janitor on a DR stack",
      () => new SnapshotJanitor("janitor", janitorArgs(dr, common, "source")),
      'SnapshotJanitor janitor: stage "source" needs role source or both (role is "dr")',
    ],
    [
      "a Copier without the DR-region key while drRegion is set",
      () => new SnapshotCopier("copier", copierArgs(dr, { ...common, drKmsKeyArn: "arn:aws:kms:eu-west-1:1:key/x" })),
      "SnapshotCopier copier: drRegionKmsKeyArn is required because rds-pilot-light:drRegion is set",
    ],
    [
      "a Taker on a stack whose components leave it out",
      () => new SnapshotTaker("taker", takerArgs(dr, common)),
      'SnapshotTaker taker: "taker" is not in rds-pilot-light:components',
    ],
    [
      "a Sharer on a DR stack",
      () => new SnapshotSharer("sharer", sharerArgs(dr, common)),
      'SnapshotSharer sharer: "sharer" is not in rds-pilot-light:components',
    ],
    [
      "a FreshnessMonitor on a source stack",
      () => new FreshnessMonitor("freshness", freshnessArgs(source, common)),
      'FreshnessMonitor freshness: needs role dr or both (role is "source"); fix it in Pulumi.test.yaml.',
    ],
    [
      "a FreshnessMonitor watching dr-region without a drRegion",
      () => new FreshnessMonitor("freshness", { ...common, homeRegion: "eu-west-1", stages: ["dr", "dr-region"] }),
      'FreshnessMonitor freshness: stages lists "dr-region" but drRegion is unset; set drRegion or drop the stage',
    ],
    [
      "a FreshnessMonitor with an expected DB that is no DB identifier",
      () => new FreshnessMonitor("freshness", { ...common, homeRegion: "eu-west-1", expectedDbs: ["no/such/db"] }),
      "args.expectedDbs[0]",
    ],
    [
      "a SnapshotRestorer with an RTO below 10 minutes",
      () =>
        new SnapshotRestorer("restorer", {
          ...common,
          restoreRegion: "eu-west-1",
          subnetGroup: "dr-db-subnets",
          rtoMinutes: 5,
        }),
      "args.rtoMinutes must be at least 10 minutes (got 5); fix it in the args of SnapshotRestorer restorer.",
    ],
    [
      "a SnapshotRestorer without a subnet group",
      () => new SnapshotRestorer("restorer", { ...common, restoreRegion: "eu-west-1", subnetGroup: "" }),
      "SnapshotRestorer restorer: subnetGroup must be the DB subnet group restored DBs go into",
    ],
    [
      "an alerts topic both existing and subscribed",
      () =>
        new PilotLightAlerts("alerts", {
          accountId: common.accountId,
          topicArn: common.alarmTopicArn,
          emails: ["ops@example.com"],
        }),
      "PilotLightAlerts alerts: topicArn and emails/httpsEndpoints are mutually exclusive",
    ],
    [
      "a DR-region key ARN without the DR region",
      () =>
        new PilotLightKeys("keys", {
          accountId: common.accountId,
          dr: { drRegionKeyArn: "arn:aws:kms:eu-central-1:111111111111:key/x" },
        }),
      "PilotLightKeys keys: dr.drRegionKeyArn is set but dr.drRegion is not; set both or neither",
    ],
  ])("refuses %s, creating no child", async (_what, build, message) => {
    const run = runUnderMocks({ "aws:region": "eu-west-1" }, async () => build());
    await expect(run).rejects.toThrow(message);
  });

  it("creates its children once the arguments are consistent", async () => {
    const run = await runUnderMocks(
      { "aws:region": "eu-west-1" },
      async () => new SnapshotJanitor("janitor", janitorArgs(dr, common, "dr")),
    );
    expect(
      run.resources
        .filter((r) => r.parent === "janitor")
        .map((r) => r.name)
        .sort(),
    ).toEqual([
      "janitor-alarm",
      "janitor-fn",
      "janitor-logs",
      "janitor-role",
      "janitor-role-policy",
      "janitor-schedule",
      "janitor-schedule-role",
      "janitor-schedule-role-policy",
      "janitor-sfn",
      "janitor-sfn-role",
      // The default sweep mode is DISTRIBUTED: the machine may start and track its own child executions.
      "janitor-sfn-role-map-policy",
      "janitor-sfn-role-policy",
    ]);
  });
});
