/** `rds-pilot-light:dbProfiles`: read as Pulumi hands it to the program, and fed to config/feasibility.ts unchanged. */
import { describe, expect, it } from "vitest";
import { readStackConfig } from "../../config";
import { feasibilityOfProfiles } from "../../config/dbProfiles";
import { feasibility } from "../../config/feasibility";

const base = { "aws:region": "eu-west-1", "rds-pilot-light:drAccounts": '["222222222222"]' };

describe("dbProfiles", () => {
  it("reads the list as Pulumi hands it to the program (JSON text, a size as a string)", () => {
    const c = readStackConfig(
      {
        ...base,
        "rds-pilot-light:role": "source",
        "rds-pilot-light:dbProfiles": '[{"id":"orders-db","kind":"instance","sizeGb":"200","rpoMinutes":90}]',
      },
      "Pulumi.x.yaml",
    );
    expect(c.dbProfiles).toEqual([{ id: "orders-db", kind: "instance", sizeGb: 200, rpoMinutes: 90 }]);
  });

  it("names the key, the value and the file when a profile is wrong", () => {
    expect(() =>
      readStackConfig(
        { ...base, "rds-pilot-light:role": "source", "rds-pilot-light:dbProfiles": '[{"id":"orders-db","sizeGb":5}]' },
        "Pulumi.x.yaml",
      ),
    ).toThrow(
      'rds-pilot-light:dbProfiles[0].kind must be "instance" or "cluster" (got unset); fix it in Pulumi.x.yaml.',
    );
  });

  it.each([
    ["source", { role: "source", drRegion: "eu-central-1" }, false],
    ["both (single account)", { role: "both", drRegion: "eu-central-1" }, true],
  ] as const)("passes a %s stack's pipeline and the defaults to feasibility()", (_what, side, singleAccount) => {
    const stack = {
      ...side,
      rpoMinutes: 120,
      snapshotIntervalMinutes: 60,
      expectedSnapshotMinutes: 10,
      copyMode: "fan-out",
    } as const;
    const [got] = feasibilityOfProfiles(stack, [{ id: "ledger", kind: "cluster", sizeGb: 300 }]);
    expect(got).toEqual(
      feasibility({
        dbId: "ledger",
        kind: "cluster",
        sizeGb: 300,
        changePercentPerHour: 1,
        intervalMinutes: 60,
        snapshotMinutes: 10,
        mode: "fan-out",
        drRegion: true,
        singleAccount,
        rpoMinutes: 120,
      }),
    );
  });
});
