/** Components check their arguments before creating any child (STYLE.md constructor order). */
import { describe, expect, it, vi } from "vitest";
import { SnapshotCopier } from "../../components/snapshotCopier";
import { SnapshotJanitor } from "../../components/snapshotJanitor";
import { SnapshotSharer } from "../../components/snapshotSharer";
import { SnapshotTaker } from "../../components/snapshotTaker";
import { parseStackConfig } from "../../config";
import { copierArgs, janitorArgs, sharerArgs, takerArgs } from "../../config/toArgs";
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
      "janitor-sfn-role-policy",
    ]);
  });
});
