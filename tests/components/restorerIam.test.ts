/**
 * The restorer's role evaluated request by request with @cloud-copilot/iam-simulate: it may restore our copies into
 * new DBs, but delete only `rpl-drill-*` DBs.
 */
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { describe, expect, it } from "vitest";
import { freshnessPolicy } from "../../components/freshnessMonitor";
import type { PolicyDocument } from "../../components/shared/iam";
import { drKeyPolicy } from "../../components/shared/kms";
import { restoreMachinePolicy, restorerPolicy } from "../../components/snapshotRestorer";
import { MANAGED_BY_VALUE, TAG } from "../../functions/lib/tags";

const DR = "222222222222";
const REGION = "eu-central-1";
const KEY = `arn:aws:kms:${REGION}:${DR}:key/dr-region-key`;
const ROLE = `arn:aws:iam::${DR}:role/restorer-role`;
const rds = (type: string, id: string, region = REGION) => `arn:aws:rds:${region}:${DR}:${type}:${id}`;

const policy = restorerPolicy({
  partition: "aws",
  account: DR,
  region: REGION,
  namePrefix: "dr-",
  subnetGroup: "dr-db-subnets",
  kmsKeyArns: [KEY],
  logGroupArn: `arn:aws:logs:eu-west-1:${DR}:log-group:restorer`,
});

async function decide(
  identity: PolicyDocument,
  action: string,
  resource: string,
  context: Record<string, string | string[]> = {},
) {
  // KMS evaluates the key policy too: the DR key's policy delegates to IAM in its account.
  const resourcePolicy = resource.startsWith("arn:aws:kms:") ? drKeyPolicy("aws", DR) : undefined;
  const res = await runSimulation(
    {
      identityPolicies: [{ name: "role-policy", policy: identity as never }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(resourcePolicy ? { resourcePolicy: resourcePolicy as never } : {}),
      request: { action, principal: ROLE, resource: { accountId: DR, resource }, contextVariables: context },
    },
    {},
  );
  if (res.resultType === "error") throw new Error(`simulation error: ${JSON.stringify(res.errors)}`);
  return res.overallResult;
}

/** The request context of a create the restore handler sends: its real tag set (functions/restore/handler.ts). */
function requestTags(tags: Record<string, string>): Record<string, string | string[]> {
  return {
    ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:RequestTag/${k}`, v])),
    "aws:TagKeys": Object.keys(tags),
  };
}
const RESTORE_TAGS = {
  "rpl-source-db": "orders",
  "rpl-source-account": "111111111111",
  "rpl-recovery-point": "2026-11-25T02:00:00.000Z",
  "rpl-restored-from": rds("snapshot", "rpl-111111111111-orders-20261125-0200"),
  "rpl-restore-token": "2026-11-25T03:00:00.000Z",
  [TAG.restoredBy]: MANAGED_BY_VALUE,
};
const DRILL_TAGS = { ...RESTORE_TAGS, "rpl-drill": "true" };
const CREATE = requestTags(RESTORE_TAGS);
/** Resource tags of a drill DB the restorer made, as `rds:db-tag/...` / `rds:cluster-tag/...`. */
const drillDb = (kind: "db" | "cluster", tags: Record<string, string> = DRILL_TAGS) =>
  Object.fromEntries(Object.entries(tags).map(([k, v]) => [`rds:${kind}-tag/${k}`, v]));

describe("restorerPolicy", () => {
  it.each([
    ["rds:RestoreDBInstanceFromDBSnapshot", rds("db", "dr-orders"), CREATE],
    ["rds:RestoreDBInstanceFromDBSnapshot", rds("db", "rpl-drill-orders-202611250300"), requestTags(DRILL_TAGS)],
    ["rds:RestoreDBInstanceFromDBSnapshot", rds("snapshot", "rpl-111111111111-orders-20261125-0200"), CREATE],
    ["rds:RestoreDBInstanceFromDBSnapshot", rds("subgrp", "dr-db-subnets"), CREATE],
    ["rds:RestoreDBClusterFromSnapshot", rds("cluster", "dr-ledger"), CREATE],
    ["rds:RestoreDBClusterFromSnapshot", rds("cluster-snapshot", "rpl-111111111111-ledger-20261125-0200"), CREATE],
    ["rds:CreateDBInstance", rds("db", "dr-ledger-1"), CREATE],
    ["rds:CreateDBInstance", rds("cluster", "dr-ledger"), CREATE],
    ["rds:AddTagsToResource", rds("db", "dr-orders"), CREATE],
    ["rds:DeleteDBInstance", rds("db", "rpl-drill-orders-202611250300"), drillDb("db")],
    ["rds:DeleteDBCluster", rds("cluster", "rpl-drill-ledger-202611250300"), drillDb("cluster")],
    ["rds:DescribeDBSnapshots", "*", {}],
  ])("allows %s on %s (with the restorer's tags)", async (action, resource, context) => {
    expect(await decide(policy, action, resource, context)).toBe("Allowed");
  });

  const { [TAG.restoredBy]: _, ...withoutRestoredBy } = RESTORE_TAGS;
  it.each([
    ["without any tag", {}],
    ["without rpl-restored-by", requestTags(withoutRestoredBy)],
    ["with another rpl-restored-by value", requestTags({ ...RESTORE_TAGS, [TAG.restoredBy]: "someone-else" })],
    ["with a tag key the restorer never writes", requestTags({ ...RESTORE_TAGS, "rpl-managed-by": MANAGED_BY_VALUE })],
  ])("denies every create and tag call %s", async (_, context) => {
    for (const [action, resource] of [
      ["rds:RestoreDBInstanceFromDBSnapshot", rds("db", "dr-orders")],
      ["rds:RestoreDBClusterFromSnapshot", rds("cluster", "dr-ledger")],
      ["rds:CreateDBInstance", rds("db", "dr-ledger-1")],
      ["rds:AddTagsToResource", rds("db", "dr-orders")],
    ] as const) {
      expect({ action, decision: await decide(policy, action, resource, context) }).toEqual({
        action,
        decision: "ImplicitlyDenied",
      });
    }
  });

  it.each([
    // A failover DB, any production-looking DB, or one in another region is never deletable, tags or not.
    ["rds:DeleteDBInstance", rds("db", "dr-orders"), drillDb("db")],
    ["rds:DeleteDBInstance", rds("db", "orders"), drillDb("db")],
    ["rds:DeleteDBInstance", rds("db", "rpl-drill-orders", "eu-west-1"), drillDb("db")],
    ["rds:DeleteDBCluster", rds("cluster", "dr-ledger"), drillDb("cluster")],
    // A drill-named DB the restorer did not make (no tags, or not a drill, or someone else's tag): not deletable.
    ["rds:DeleteDBInstance", rds("db", "rpl-drill-orders-202611250300"), {}],
    ["rds:DeleteDBInstance", rds("db", "rpl-drill-orders-202611250300"), drillDb("db", RESTORE_TAGS)],
    [
      "rds:DeleteDBInstance",
      rds("db", "rpl-drill-orders-202611250300"),
      drillDb("db", { ...DRILL_TAGS, [TAG.restoredBy]: "someone-else" }),
    ],
    ["rds:DeleteDBCluster", rds("cluster", "rpl-drill-ledger-202611250300"), {}],
    ["rds:DeleteDBCluster", rds("cluster", "rpl-drill-ledger-202611250300"), drillDb("cluster", RESTORE_TAGS)],
    ["rds:DeleteDBSnapshot", rds("snapshot", "rpl-111111111111-orders-20261125-0200"), {}],
    ["rds:DeleteDBClusterSnapshot", rds("cluster-snapshot", "rpl-111111111111-ledger-20261125-0200"), {}],
    // Restores only into the configured prefix or drill names, only from our copies, only into our subnet group.
    ["rds:RestoreDBInstanceFromDBSnapshot", rds("db", "orders"), CREATE],
    ["rds:RestoreDBInstanceFromDBSnapshot", rds("snapshot", "someone-elses-snapshot"), CREATE],
    ["rds:RestoreDBInstanceFromDBSnapshot", rds("subgrp", "public-subnets"), CREATE],
    // A foreign snapshot (another account's) is never a restore source.
    [
      "rds:RestoreDBInstanceFromDBSnapshot",
      "arn:aws:rds:eu-central-1:999999999999:snapshot:rpl-111111111111-orders-20261125-0200",
      CREATE,
    ],
    ["rds:ModifyDBInstance", rds("db", "dr-orders"), CREATE],
  ])("denies %s on %s (%#)", async (action, resource, context) => {
    expect(await decide(policy, action, resource, context)).toBe("ImplicitlyDenied");
  });

  it("uses the DR key only through RDS in the restore region", async () => {
    expect(await decide(policy, "kms:Decrypt", KEY, { "kms:ViaService": `rds.${REGION}.amazonaws.com` })).toBe(
      "Allowed",
    );
    expect(await decide(policy, "kms:Decrypt", KEY, { "kms:ViaService": "s3.eu-central-1.amazonaws.com" })).toBe(
      "ImplicitlyDenied",
    );
    expect(
      await decide(policy, "kms:CreateGrant", KEY, {
        "kms:ViaService": `rds.${REGION}.amazonaws.com`,
        "kms:GrantIsForAWSResource": "true",
      }),
    ).toBe("Allowed");
  });

  it("with no name prefix still lets deletes reach drill DBs only", async () => {
    const open = restorerPolicy({
      partition: "aws",
      account: DR,
      region: REGION,
      namePrefix: "",
      subnetGroup: "dr-db-subnets",
      kmsKeyArns: [],
      logGroupArn: `arn:aws:logs:eu-west-1:${DR}:log-group:restorer`,
    });
    expect(await decide(open, "rds:RestoreDBInstanceFromDBSnapshot", rds("db", "orders"), CREATE)).toBe("Allowed");
    expect(await decide(open, "rds:DeleteDBInstance", rds("db", "orders"), drillDb("db"))).toBe("ImplicitlyDenied");
    expect(open.Statement.some((s) => JSON.stringify(s.Action).includes("kms:"))).toBe(false);
  });
});

describe("drill announcement and validation", () => {
  const bus = (region: string) => `arn:aws:events:${region}:${DR}:event-bus/default`;
  const fn = (name: string, region = REGION) => `arn:aws:lambda:${region}:${DR}:function:${name}`;

  it("lets the restorer put events on the restore region's default bus only", async () => {
    expect(await decide(policy, "events:PutEvents", bus(REGION))).toBe("Allowed");
    expect(await decide(policy, "events:PutEvents", bus("eu-west-1"))).toBe("ImplicitlyDenied");
    expect(await decide(policy, "events:PutEvents", `arn:aws:events:${REGION}:${DR}:event-bus/other`)).toBe(
      "ImplicitlyDenied",
    );
  });

  it("lets the state machine invoke the restorer and exactly the configured validation Lambda", async () => {
    const machine = restoreMachinePolicy(fn("restorer"), fn("drill-check"));
    expect(await decide(machine, "lambda:InvokeFunction", fn("restorer"))).toBe("Allowed");
    expect(await decide(machine, "lambda:InvokeFunction", fn("drill-check"))).toBe("Allowed");
    expect(await decide(machine, "lambda:InvokeFunction", `${fn("drill-check")}:v2`)).toBe("ImplicitlyDenied");
    expect(await decide(machine, "lambda:InvokeFunction", fn("drill-check-other"))).toBe("ImplicitlyDenied");
    expect(await decide(machine, "lambda:InvokeFunction", fn("other"))).toBe("ImplicitlyDenied");
  });

  it("grants no validation invoke when none is configured", async () => {
    const machine = restoreMachinePolicy(fn("restorer"));
    expect(await decide(machine, "lambda:InvokeFunction", fn("drill-check"))).toBe("ImplicitlyDenied");
    expect(machine.Statement).toHaveLength(1);
  });
});

describe("freshnessPolicy", () => {
  it("reads snapshot metadata and nothing else", async () => {
    const p = freshnessPolicy(`arn:aws:logs:eu-west-1:${DR}:log-group:freshness`);
    expect(await decide(p, "rds:DescribeDBSnapshots", "*")).toBe("Allowed");
    expect(await decide(p, "rds:DeleteDBSnapshot", rds("snapshot", "rpl-x"))).toBe("ImplicitlyDenied");
    expect(await decide(p, "rds:RestoreDBInstanceFromDBSnapshot", rds("db", "x"))).toBe("ImplicitlyDenied");
  });
});
