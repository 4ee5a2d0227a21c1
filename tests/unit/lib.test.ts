import fc from "fast-check";
import { describe, expect, it } from "vitest";
import * as z from "zod/mini";
import { accountList, bool, parseEnv, positiveInt, regexSource } from "../../functions/lib/env";
import { ConfigError, isTransient, PartialFailureError } from "../../functions/lib/errors";
import {
  fromDbClusterSnapshot,
  fromDbSnapshot,
  NORMALIZED_SLOT,
  parseArn,
  recoveryPointOf,
  snapshotName,
} from "../../functions/lib/model";
import { forEachItem, throwIfFailed } from "../../functions/lib/runner";
import { isOwned, MANAGED_BY_VALUE, recordToTags, TAG, tagsToRecord } from "../../functions/lib/tags";

describe("parseEnv", () => {
  const schema = z.object({
    RPL_DR_ACCOUNTS: accountList,
    RPL_INTERVAL_MINUTES: z.prefault(positiveInt("minutes"), "60"),
    RPL_DB_ID_REGEX: z.prefault(regexSource, ".*"),
    RPL_FLAG: z.prefault(bool, "false"),
  });

  it("parses and applies defaults", () => {
    const c = parseEnv("share", schema, { RPL_DR_ACCOUNTS: "111111111111, 222222222222" });
    expect(c.RPL_DR_ACCOUNTS).toEqual(["111111111111", "222222222222"]);
    expect(c.RPL_INTERVAL_MINUTES).toBe(60);
    expect(c.RPL_DB_ID_REGEX.test("anything")).toBe(true);
    expect(c.RPL_FLAG).toBe(false);
  });

  it("names every bad variable, its value and the rule", () => {
    const run = () =>
      parseEnv("share", schema, { RPL_DR_ACCOUNTS: "12345", RPL_INTERVAL_MINUTES: "-1", RPL_DB_ID_REGEX: "(" });
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(/RPL_DR_ACCOUNTS: "12345" is not a 12-digit AWS account id \(got "12345"\)/);
    expect(run).toThrow(/RPL_INTERVAL_MINUTES: must be a positive whole number of minutes \(got "-1"\)/);
    expect(run).toThrow(/RPL_DB_ID_REGEX: is not a valid regular expression/);
  });

  it("reports a missing required variable as unset", () => {
    expect(() => parseEnv("share", schema, {})).toThrow(/RPL_DR_ACCOUNTS: .*\(got unset\)/);
  });
});

describe("forEachItem / throwIfFailed", () => {
  it("runs every item although one fails, then names the failed one", async () => {
    const seen: string[] = [];
    const { results, failures } = await forEachItem(
      ["a", "b", "c"],
      (x) => x,
      async (x) => {
        seen.push(x);
        if (x === "b") throw Object.assign(new Error("nope"), { name: "AccessDenied" });
        return x.toUpperCase();
      },
    );
    expect(seen).toEqual(["a", "b", "c"]);
    expect(results.map((r) => r.ok)).toEqual([true, false, true]);
    expect(() => throwIfFailed("take", failures)).toThrow(PartialFailureError);
    expect(() => throwIfFailed("take", failures)).toThrow("take failed for 1 item(s): b (AccessDenied: nope)");
    expect(() => throwIfFailed("take", [])).not.toThrow();
  });
});

describe("errors", () => {
  it.each([
    ["Throttling", true],
    ["ThrottlingException", true],
    ["AccessDenied", false],
    ["DBSnapshotNotFound", false],
  ])("%s transient: %s", (name, transient) => {
    expect(isTransient(Object.assign(new Error("x"), { name }))).toBe(transient);
  });
});

describe("model mapping", () => {
  it("maps a DB snapshot, taking account and region from its ARN and tags from TagList", () => {
    const s = fromDbSnapshot({
      DBSnapshotIdentifier: "rpl-app-20261125-0600",
      DBSnapshotArn: "arn:aws:rds:eu-west-1:111111111111:snapshot:rpl-app-20261125-0600",
      DBInstanceIdentifier: "app",
      Status: "available",
      SnapshotType: "manual",
      SnapshotCreateTime: new Date("2026-11-25T06:00:05Z"),
      Encrypted: true,
      KmsKeyId: "arn:aws:kms:eu-west-1:111111111111:key/k",
      TagList: [{ Key: TAG.managedBy, Value: MANAGED_BY_VALUE }],
    });
    expect(s).toMatchObject({ kind: "instance", dbId: "app", account: "111111111111", region: "eu-west-1" });
    expect(isOwned(s.tags)).toBe(true);
    expect(recoveryPointOf(s)?.toISOString()).toBe("2026-11-25T06:00:05.000Z");
  });

  it("prefers the recovery-point tag on copies and the source-db tag over the DR cluster name", () => {
    const s = fromDbClusterSnapshot({
      DBClusterSnapshotIdentifier: "rpl-111111111111-aurora-20261125-0600",
      DBClusterSnapshotArn: "arn:aws:rds:eu-central-1:222222222222:cluster-snapshot:x",
      DBClusterIdentifier: "aurora",
      SnapshotCreateTime: new Date("2026-11-25T07:30:00Z"),
      TagList: recordToTags({ [TAG.recoveryPoint]: "2026-11-25T06:00:00Z", [TAG.sourceDb]: "aurora-prod" }),
    });
    expect(s.kind).toBe("cluster");
    expect(s.dbId).toBe("aurora-prod");
    expect(recoveryPointOf(s)?.toISOString()).toBe("2026-11-25T06:00:00.000Z");
  });

  it("reads region and account from the ARN as parseArn does, for every snapshot (one shared string per value)", () => {
    const arns = [
      "arn:aws:rds:eu-west-1:111111111111:snapshot:a",
      "arn:aws:rds:eu-west-1:111111111111:snapshot:b",
      "arn:aws:rds:us-east-1:222222222222:snapshot:c",
      "arn:aws-cn:rds:cn-north-1:333333333333:snapshot:d:with:colons",
    ];
    for (const arn of arns) {
      const { region, account } = parseArn(arn);
      expect(fromDbSnapshot({ DBSnapshotArn: arn })).toMatchObject({ arn, region, account });
      expect(fromDbClusterSnapshot({ DBClusterSnapshotArn: arn })).toMatchObject({ arn, region, account });
    }
    expect(fromDbSnapshot({})).toMatchObject({ arn: "", region: "", account: "" });
  });

  it("memoizes the normalized snapshot in a frozen item's slot, never in an unfrozen one's", () => {
    const item = (name: string) => ({
      DBSnapshotIdentifier: name,
      DBSnapshotArn: `arn:aws:rds:eu-west-1:111111111111:snapshot:${name}`,
      DBInstanceIdentifier: "orders",
      Status: "available",
      TagList: [{ Key: "k", Value: "v" }],
    });
    const withSlot = <T extends object>(o: T): T => Object.defineProperty(o, NORMALIZED_SLOT, { value: {} });
    const frozen = withSlot(item("rpl-orders-a"));
    Object.freeze(frozen.TagList);
    Object.freeze(frozen);
    const first = fromDbSnapshot(frozen);
    expect(first).toMatchObject({ id: "rpl-orders-a", dbId: "orders", tags: { k: "v" } });
    expect(fromDbSnapshot(frozen)).toBe(first);
    expect((frozen as { [NORMALIZED_SLOT]?: { snap?: unknown } })[NORMALIZED_SLOT]?.snap).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    // The slot is not part of the item: JSON and spreads do not carry it.
    expect(JSON.stringify(frozen)).not.toContain("normalized");
    expect(Object.getOwnPropertySymbols({ ...frozen })).toEqual([]);
    // An unfrozen item (its TagList may change) is normalized afresh every time, slot or not.
    const open = withSlot(item("rpl-orders-b"));
    const a = fromDbSnapshot(open);
    open.TagList[0] = { Key: "k", Value: "w" };
    const b = fromDbSnapshot(open);
    expect(b).not.toBe(a);
    expect(b.tags).toEqual({ k: "w" });
  });

  it("round-trips tags deterministically", () => {
    expect(recordToTags({ b: "2", a: "1" })).toEqual([
      { Key: "a", Value: "1" },
      { Key: "b", Value: "2" },
    ]);
    expect(
      tagsToRecord([
        { Key: "a", Value: "1" },
        { Key: "a", Value: "2" },
      ]),
    ).toEqual({ a: "2" });
  });

  it("rejects non-ARNs", () => {
    expect(() => parseArn("snapshot:x")).toThrow(/not an ARN/);
  });

  it("parses any text as splitting on every colon does: five fields, the resource with its colons", () => {
    // Reference: the split-and-join parse parseArn replaced (same fields, same errors).
    const reference = (arn: string) => {
      const parts = arn.split(":");
      if (parts.length < 6 || parts[0] !== "arn") return "error";
      return { partition: parts[1], region: parts[3], account: parts[4], resource: parts.slice(5).join(":") };
    };
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom("arn", "ar", "arnx", "", "aws", "rds", "eu-west-1", "111122223333", "snapshot", "x"), {
          maxLength: 9,
        }),
        (parts) => {
          const arn = parts.join(":");
          let got: unknown;
          try {
            got = parseArn(arn);
          } catch (e) {
            expect(String(e)).toContain("not an ARN");
            got = "error";
          }
          expect(got).toEqual(reference(arn));
        },
      ),
      { seed: 1010, numRuns: 2000 },
    );
    expect(parseArn("arn:aws:rds:eu-west-1:111122223333:snapshot:a:b")).toEqual({
      partition: "aws",
      region: "eu-west-1",
      account: "111122223333",
      resource: "snapshot:a:b",
    });
  });
});

describe("snapshotName", () => {
  it.each([
    ["rpl-app-20261125-0600", "rpl-app-20261125-0600"],
    ["arn:aws:rds:eu-west-1:111111111111:snapshot:rpl-app-20261125-0600", "rpl-app-20261125-0600"],
    ["arn:aws:rds:eu-west-1:111111111111:cluster-snapshot:rpl-c-20261125-0600", "rpl-c-20261125-0600"],
  ])("names a shared snapshot listed by ARN (%s)", (identifier, name) => {
    expect(snapshotName(identifier)).toBe(name);
    expect(fromDbSnapshot({ DBSnapshotIdentifier: identifier }).id).toBe(name);
  });
});
