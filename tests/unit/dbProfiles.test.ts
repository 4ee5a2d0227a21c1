/** `rds-pilot-light:dbProfiles`: read as Pulumi hands it to the program, and fed to config/feasibility.ts unchanged. */
import { describe, expect, it } from "vitest";
import { readStackConfig } from "../../config";
import { feasibilityOfProfiles } from "../../config/dbProfiles";
import { feasibility, feasibilityOfFleet } from "../../config/feasibility";

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

  it("judges a DR stack's DBs as a fleet sharing maxCopiesInFlight, as the simulator's report does", () => {
    const stack = {
      role: "dr",
      drRegion: "eu-central-1",
      rpoMinutes: 60,
      snapshotIntervalMinutes: 30,
      expectedSnapshotMinutes: 10,
      copyMode: "fan-out",
    } as const;
    const profiles = Array.from({ length: 8 }, (_, i) => ({ id: `db-${i}`, kind: "instance" as const, sizeGb: 400 }));
    const alone = feasibilityOfProfiles(stack, profiles);
    const oneSlot = feasibilityOfProfiles({ ...stack, maxCopiesInFlight: 1 }, profiles);
    const inputs = profiles.map((p) => ({
      dbId: p.id,
      kind: p.kind,
      sizeGb: p.sizeGb,
      changePercentPerHour: 1,
      intervalMinutes: 30,
      snapshotMinutes: 10,
      mode: "fan-out" as const,
      drRegion: true,
      singleAccount: false,
      rpoMinutes: 60,
    }));
    expect(oneSlot).toEqual(feasibilityOfFleet(inputs, 1));
    // Eight DBs' copies through one slot: worse than each DB alone.
    expect(oneSlot.some((f, i) => JSON.stringify(f) !== JSON.stringify(alone[i]))).toBe(true);
  });
});
