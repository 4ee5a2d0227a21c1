/**
 * Issue 11 item 4, evaluated with @cloud-copilot/iam-simulate on the tags the handlers really send: the Taker's
 * `takeTags`, the Copier planner's copy actions, and the DBs the restore handler creates in the RDS model.
 * Each rule: allowed with the tags, denied without them, denied for a foreign snapshot or DB.
 */
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { describe, expect, it } from "vitest";
import { copierPolicy, type PolicyDocument, takerPolicy } from "../../components/shared/iam";
import { restorerPolicy } from "../../components/snapshotRestorer";
import { type CopyAction, planCopy } from "../../functions/copy/plan";
import type { RestoreConfig } from "../../functions/restore/config";
import { makeHandler } from "../../functions/restore/handler";
import { takeTags } from "../../functions/take/plan";
import { RdsWorld } from "../../sim/aws/rdsModel";
import { copyTags, DR, HOME, spyObservability } from "../helpers/restoreFixtures";
import { arnOfRaw, config as copyConfig, DR_ACCOUNT, HOME_KEY, model, rawShared, SRC_A } from "../unit/copyFixtures";

const SOURCE = "111111111111";
const FOREIGN = "999999999999";

/** Policies by role account, so the simulated principal is the role's own account. */
const accounts = new WeakMap<PolicyDocument, string>();

async function decide(
  identity: PolicyDocument,
  action: string,
  resource: string,
  context: Record<string, string | string[]> = {},
): Promise<string> {
  const res = await runSimulation(
    {
      identityPolicies: [{ name: "role-policy", policy: identity as never }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      request: {
        action,
        principal: `arn:aws:iam::${accounts.get(identity)}:role/under-test`,
        resource: { accountId: resource.split(":")[4]!, resource },
        contextVariables: context,
      },
    },
    {},
  );
  if (res.resultType === "error") throw new Error(`simulation error: ${JSON.stringify(res.errors)}`);
  return res.overallResult;
}

/** The request context of a call carrying `tags` (what RDS evaluates for tag-on-create). */
function requestTags(tags: Readonly<Record<string, string>>, fromRequest = true): Record<string, string | string[]> {
  return {
    ...Object.fromEntries(Object.entries(tags).map(([k, v]) => [`aws:RequestTag/${k}`, v])),
    "aws:TagKeys": Object.keys(tags),
    "rds:TagsFromRequest": String(fromRequest),
  };
}

describe("Taker: only its own new snapshots get the ownership tag", () => {
  const taker = takerPolicy({
    partition: "aws",
    account: SOURCE,
    region: HOME,
    logGroupArn: `arn:aws:logs:${HOME}:${SOURCE}:log-group:taker`,
  });
  accounts.set(taker, SOURCE);
  const db = {
    kind: "instance" as const,
    id: "orders",
    arn: `arn:aws:rds:${HOME}:${SOURCE}:db:orders`,
    status: "available",
    engine: "postgres",
    tags: {},
    sizeGb: 20,
  };
  const tags = takeTags(db, new Date("2026-11-25T02:00:00Z"));
  const own = `arn:aws:rds:${HOME}:${SOURCE}:snapshot:rpl-orders-20261125-0200`;
  const ownCluster = `arn:aws:rds:${HOME}:${SOURCE}:cluster-snapshot:rpl-ledger-20261125-0200`;

  it("allows the tags takeTags writes, on its new rpl-* snapshot and cluster snapshot", async () => {
    expect(await decide(taker, "rds:AddTagsToResource", own, requestTags(tags))).toBe("Allowed");
    expect(await decide(taker, "rds:AddTagsToResource", ownCluster, requestTags(tags))).toBe("Allowed");
  });

  it.each([
    ["no tags at all", own, {}],
    ["the ownership tag alone (no creation tag set)", own, requestTags({ "rpl-managed-by": "rds-pilot-light" })],
    ["another ownership value", own, requestTags({ ...tags, "rpl-managed-by": "someone" })],
    ["a DR stage", own, requestTags({ ...tags, "rpl-stage": "dr" })],
    ["a key the Taker never writes", own, requestTags({ ...tags, "rpl-shared-set": "x" })],
    ["a foreign account's snapshot", `arn:aws:rds:${HOME}:${FOREIGN}:snapshot:rpl-orders-1`, requestTags(tags)],
    ["a snapshot not named rpl-*", `arn:aws:rds:${HOME}:${SOURCE}:snapshot:orders-manual`, requestTags(tags)],
    ["an AWS Backup snapshot", `arn:aws:rds:${HOME}:${SOURCE}:snapshot:awsbackup:job-1`, requestTags(tags)],
    ["a snapshot in another region", `arn:aws:rds:us-east-1:${SOURCE}:snapshot:rpl-orders-1`, requestTags(tags)],
  ])("denies tagging with %s", async (_, resource, context) => {
    expect(await decide(taker, "rds:AddTagsToResource", resource, context)).toBe("ImplicitlyDenied");
  });

  it("lets a DB's own tags be inherited (CopyTagsToSnapshot), but never the ownership tag that way", async () => {
    expect(await decide(taker, "rds:AddTagsToResource", own, requestTags({ team: "orders" }, false))).toBe("Allowed");
    expect(
      await decide(taker, "rds:AddTagsToResource", own, requestTags({ "rpl-managed-by": "rds-pilot-light" }, false)),
    ).toBe("ImplicitlyDenied");
    // An explicit request (any direct AddTagsToResource call) cannot use the inherited-tags statement.
    expect(await decide(taker, "rds:AddTagsToResource", own, requestTags({ team: "orders" }, true))).toBe(
      "ImplicitlyDenied",
    );
  });
});

describe("Copier: only its own new copies get the ownership tag", () => {
  const copier = copierPolicy({
    partition: "aws",
    account: DR_ACCOUNT,
    region: HOME,
    logGroupArn: `arn:aws:logs:${HOME}:${DR_ACCOUNT}:log-group:copier`,
    sourceAccounts: [SRC_A],
    drRegion: "eu-central-1",
    drKeyArns: [HOME_KEY],
    deleteIntermediate: false,
  });
  accounts.set(copier, DR_ACCOUNT);
  const shared = rawShared({ account: SRC_A, dbId: "orders", at: "2026-03-01T10:00:00.000Z" });
  const plan = planCopy({
    config: copyConfig(),
    scope: { kind: "sweep" },
    now: new Date("2026-03-01T13:00:00.000Z"),
    shared: [model(shared)],
    home: [],
    regional: [],
  });
  const action = plan.actions.find((a): a is CopyAction => a.type === "copy")!;
  const own = `arn:aws:rds:${action.region}:${DR_ACCOUNT}:snapshot:${action.targetId}`;

  it("allows the tags the planner's copy action carries, on the new copy", async () => {
    expect(action.tags["rpl-managed-by"]).toBe("rds-pilot-light");
    expect(await decide(copier, "rds:AddTagsToResource", own, requestTags(action.tags))).toBe("Allowed");
  });

  it.each([
    ["no tags", own, {}],
    ["the ownership tag alone", own, requestTags({ "rpl-managed-by": "rds-pilot-light" })],
    ["the source stage", own, requestTags({ ...action.tags, "rpl-stage": "source" })],
    ["an extra key", own, requestTags({ ...action.tags, owner: "me" })],
    // The shared source snapshot belongs to the source account: the Copier can never mark it.
    ["the shared source snapshot", arnOfRaw(shared), requestTags(action.tags)],
    [
      "a snapshot not named rpl-*",
      `arn:aws:rds:${HOME}:${DR_ACCOUNT}:snapshot:manual-orders`,
      requestTags(action.tags),
    ],
  ])("denies tagging with %s", async (_, resource, context) => {
    expect(await decide(copier, "rds:AddTagsToResource", resource, context)).toBe("ImplicitlyDenied");
  });
});

describe("Restorer: creates and deletes only DBs it tagged as its own", () => {
  const NOW = new Date("2026-11-25T06:00:00Z");
  const config: RestoreConfig = {
    region: HOME,
    restoreRegion: HOME,
    subnetGroup: "dr-db-subnets",
    securityGroupIds: [],
    multiAz: false,
    namePrefix: "dr-",
    retired: [],
  };
  const restorer = restorerPolicy({
    partition: "aws",
    account: DR,
    region: HOME,
    namePrefix: "dr-",
    subnetGroup: "dr-db-subnets",
    kmsKeyArns: [],
    logGroupArn: `arn:aws:logs:${HOME}:${DR}:log-group:restorer`,
  });
  accounts.set(restorer, DR);
  const dbArn = (id: string) => `arn:aws:rds:${HOME}:${DR}:db:${id}`;

  /** Runs the real handler's plan + start in the RDS model and returns the DB it created (tags = request tags). */
  async function restored(mode: "restore" | "drill") {
    const world = new RdsWorld({ clock: () => NOW });
    world.addSnapshot(DR, HOME, {
      kind: "instance",
      id: "rpl-111111111111-orders-20261125-0400",
      dbId: "orders",
      createdAt: new Date("2026-11-25T04:20:00Z"),
      tags: copyTags("orders", new Date("2026-11-25T04:00:00Z")),
    });
    const handler = makeHandler({ clients: world.clients(DR), clock: () => NOW, config, obs: spyObservability().obs });
    const state = await handler({ action: "plan", input: { mode }, maxChecks: 10 });
    await handler({ action: "start", state });
    const [db] = world.dbs(DR, HOME);
    return db!;
  }

  it("allows the restore the handler sends (failover and drill), with the tags it sends", async () => {
    for (const mode of ["restore", "drill"] as const) {
      const db = await restored(mode);
      expect(db.tags["rpl-restored-by"]).toBe("rds-pilot-light");
      for (const action of ["rds:RestoreDBInstanceFromDBSnapshot", "rds:AddTagsToResource"]) {
        expect({ mode, action, d: await decide(restorer, action, dbArn(db.id), requestTags(db.tags)) }).toEqual({
          mode,
          action,
          d: "Allowed",
        });
      }
    }
  });

  it("deletes the drill DB it made, and never the failover DB or an untagged drill-named DB", async () => {
    const drill = await restored("drill");
    const failover = await restored("restore");
    const resourceTags = (tags: Readonly<Record<string, string>>) =>
      Object.fromEntries(Object.entries(tags).map(([k, v]) => [`rds:db-tag/${k}`, v]));
    expect(drill.id.startsWith("rpl-drill-")).toBe(true);
    expect(await decide(restorer, "rds:DeleteDBInstance", dbArn(drill.id), resourceTags(drill.tags))).toBe("Allowed");
    expect(await decide(restorer, "rds:DeleteDBInstance", dbArn(drill.id), {})).toBe("ImplicitlyDenied");
    expect(await decide(restorer, "rds:DeleteDBInstance", dbArn(failover.id), resourceTags(failover.tags))).toBe(
      "ImplicitlyDenied",
    );
    // A foreign DB renamed into the drill prefix, without the restorer's tags.
    expect(
      await decide(
        restorer,
        "rds:DeleteDBInstance",
        dbArn("rpl-drill-payments"),
        resourceTags({ "rpl-drill": "true" }),
      ),
    ).toBe("ImplicitlyDenied");
  });

  it("denies a restore request without the restorer's tags, even into a prefixed name", async () => {
    const db = await restored("restore");
    const { "rpl-restored-by": _, ...rest } = db.tags;
    expect(await decide(restorer, "rds:RestoreDBInstanceFromDBSnapshot", dbArn(db.id), requestTags(rest))).toBe(
      "ImplicitlyDenied",
    );
    expect(await decide(restorer, "rds:RestoreDBInstanceFromDBSnapshot", dbArn(db.id), {})).toBe("ImplicitlyDenied");
  });
});

describe("Copier: marks only its own copies of a deleted source DB, and only with rpl-source-deleted-at (issue 13)", () => {
  const copier = copierPolicy({
    partition: "aws",
    account: DR_ACCOUNT,
    region: HOME,
    logGroupArn: `arn:aws:logs:${HOME}:${DR_ACCOUNT}:log-group:copier`,
    sourceAccounts: [SRC_A],
    drRegion: "eu-central-1",
    drKeyArns: [HOME_KEY],
    deleteIntermediate: false,
  });
  accounts.set(copier, DR_ACCOUNT);
  const copyArn = `arn:aws:rds:${HOME}:${DR_ACCOUNT}:snapshot:rpl-orders-copy`;
  const owned = { "rds:snapshot-tag/rpl-managed-by": "rds-pilot-light" };
  const mark = { "aws:TagKeys": ["rpl-source-deleted-at"], "rds:TagsFromRequest": "true" };

  it("allows the one tag key on an owned copy", async () => {
    expect(await decide(copier, "rds:AddTagsToResource", copyArn, { ...owned, ...mark })).toBe("Allowed");
  });

  it("denies it on a copy without the ownership tag", async () => {
    expect(await decide(copier, "rds:AddTagsToResource", copyArn, mark)).toBe("ImplicitlyDenied");
  });

  it("denies any other key alongside it", async () => {
    const extra = { "aws:TagKeys": ["rpl-source-deleted-at", "rpl-stage"], "rds:TagsFromRequest": "true" };
    expect(await decide(copier, "rds:AddTagsToResource", copyArn, { ...owned, ...extra })).toBe("ImplicitlyDenied");
  });
});
