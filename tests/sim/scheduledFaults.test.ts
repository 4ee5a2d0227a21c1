/** The `faults.scheduled` and per-kind quota entries of a scenario: parsed, validated with the field named, reported. */
import { describe, expect, it } from "vitest";
import { parseScenario } from "../../sim/scenario";
import { scheduledFaultNote } from "../../sim/scheduledFaults";

const base = {
  name: "t",
  stacks: [{ file: "Pulumi.prod.yaml", account: "111111111111" }],
  days: 1,
  dbs: { "111111111111": [{ id: "orders", sizeGb: 10 }] },
};
const withFaults = (faults: Record<string, unknown>) => ({ ...base, faults });

describe("scenario faults.scheduled", () => {
  it("parses a KMS-denied window and a revoked share, defaulting the revocation check to every 5 minutes", () => {
    const s = parseScenario(
      withFaults({
        scheduled: [
          { kind: "kmsDenied", db: "111111111111/orders", account: "222222222222", startHours: 24, hours: 3 },
          { kind: "shareRevoked", db: "111111111111/orders", account: "222222222222", startHours: 30, hours: 1 },
        ],
        snapshotQuotas: [{ account: "111111111111", kind: "cluster", max: 2 }],
      }),
      "/x/s.yaml",
    );

    expect(s.faults.scheduled?.map((f) => f.everyMinutes)).toEqual([5, 5]);
    expect(s.faults.snapshotQuotas[0]?.kind).toBe("cluster");
    const start = Date.parse("2026-01-05T00:00:00Z");
    expect(s.faults.scheduled!.map((f) => scheduledFaultNote(f, start))).toEqual([
      "KMS access denied for copies of 111111111111/orders into 222222222222 from 2026-01-06T00:00:00.000Z for 3 h",
      "share of 111111111111/orders snapshots with 222222222222 revoked from 2026-01-06T06:00:00.000Z for 1 h (every 5 min)",
    ]);
  });

  it.each([
    [
      { kind: "kmsDenied", db: "111111111111/billing", account: "222222222222", startHours: 1, hours: 1 },
      'no DB "111111111111/billing"',
    ],
    [
      { kind: "diskFull", db: "111111111111/orders", account: "222222222222", startHours: 1, hours: 1 },
      "faults.scheduled[0].kind",
    ],
    [
      { kind: "kmsDenied", db: "orders", account: "222222222222", startHours: 1, hours: 1 },
      "faults.scheduled[0].db: must be account/dbId",
    ],
    [
      { kind: "kmsDenied", db: "111111111111/orders", account: "2222", startHours: 1, hours: 1 },
      "faults.scheduled[0].account",
    ],
  ])("rejects %j naming the field", (entry, fragment) => {
    expect(() => parseScenario(withFaults({ scheduled: [entry] }), "/x/s.yaml")).toThrow(fragment);
  });
});
