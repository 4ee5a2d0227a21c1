/**
 * The IAM and KMS policy documents, evaluated request by request with an IAM policy simulator
 * (@cloud-copilot/iam-simulate, test-only). Each case is a real request one of our roles (or an outsider) makes.
 */
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { describe, expect, it } from "vitest";
import {
  checkerPolicy,
  copierPolicy,
  distributedMapPolicy,
  drEventBusPolicy,
  janitorPolicy,
  type PolicyDocument,
  SHARE_DETAIL_TYPE,
  sharerPolicy,
  startExecutionPolicy,
  stateMachinePolicy,
  takerPolicy,
} from "../../components/shared/iam";
import { alertsKeyPolicy, drKeyPolicy, sourceKeyExtraRegions, sourceKeyPolicy } from "../../components/shared/kms";

const SOURCE = "111111111111";
const DR = "222222222222";
const OTHER = "333333333333";
const HOME = "eu-west-1";
const DR_REGION = "eu-central-1";
const SOURCE_KEY = `arn:aws:kms:${HOME}:${SOURCE}:key/source-key`;
const DR_KEY = `arn:aws:kms:${HOME}:${DR}:key/dr-key`;
const DR_REGION_KEY = `arn:aws:kms:${DR_REGION}:${DR}:key/dr-region-key`;
const BUS = `arn:aws:events:${HOME}:${DR}:event-bus/rds-pilot-light`;
const logs = (acct: string, n: string) => `arn:aws:logs:${HOME}:${acct}:log-group:${n}`;
const OWNED = { "rds:snapshot-tag/rpl-managed-by": "rds-pilot-light" };
const OWNED_CLUSTER = { "rds:cluster-snapshot-tag/rpl-managed-by": "rds-pilot-light" };
const VIA_RDS = { "kms:ViaService": `rds.${HOME}.amazonaws.com` };

interface Request {
  action: string;
  principal: string;
  resource: string;
  identity: PolicyDocument;
  resourcePolicy?: PolicyDocument;
  context?: Record<string, string | string[]>;
}

/** Evaluates one request; a simulator validation error fails the test instead of reading as "denied". */
async function decide(r: Request): Promise<string> {
  const resourceAccount = r.resource.split(":")[4] || undefined;
  const res = await runSimulation(
    {
      identityPolicies: [{ name: "role-policy", policy: r.identity as never }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(r.resourcePolicy ? { resourcePolicy: r.resourcePolicy as never } : {}),
      request: {
        action: r.action,
        principal: r.principal,
        resource: { accountId: resourceAccount ?? r.principal.split(":")[4]!, resource: r.resource },
        contextVariables: r.context ?? {},
      },
    },
    {},
  );
  if (res.resultType === "error") throw new Error(`simulation error: ${JSON.stringify(res.errors)}`);
  return res.overallResult;
}

const janitor = janitorPolicy({
  partition: "aws",
  region: HOME,
  account: DR,
  logGroupArn: logs(DR, "j"),
  regions: [HOME, DR_REGION],
});
const janitorRole = `arn:aws:iam::${DR}:role/janitor-role`;
const copier = copierPolicy({
  partition: "aws",
  region: HOME,
  account: DR,
  logGroupArn: logs(DR, "c"),
  sourceAccounts: [SOURCE],
  drRegion: DR_REGION,
  drKeyArns: [DR_KEY, DR_REGION_KEY],
  deleteIntermediate: false,
});
const copierRole = `arn:aws:iam::${DR}:role/copier-role`;
const sourceKey = sourceKeyPolicy({ partition: "aws", account: SOURCE, region: HOME, drAccounts: [DR] });
const sharer = sharerPolicy({
  partition: "aws",
  region: HOME,
  account: SOURCE,
  logGroupArn: logs(SOURCE, "s"),
  eventBusArns: [BUS],
});
const sharerRole = `arn:aws:iam::${SOURCE}:role/sharer-role`;
const taker = takerPolicy({ partition: "aws", region: HOME, account: SOURCE, logGroupArn: logs(SOURCE, "t") });
const takerRole = `arn:aws:iam::${SOURCE}:role/taker-role`;

describe("janitorPolicy", () => {
  const snap = (region: string, id: string, acct = DR) => `arn:aws:rds:${region}:${acct}:snapshot:${id}`;
  it.each([
    ["an owned snapshot in the home region", snap(HOME, "rpl-111111111111-orders-20250101-0000"), OWNED, "Allowed"],
    ["an owned snapshot in the DR region", snap(DR_REGION, "rpl-111111111111-orders-20250101-0000"), OWNED, "Allowed"],
    [
      "a snapshot without the ownership tag",
      snap(HOME, "rpl-111111111111-orders-20250101-0000"),
      {},
      "ImplicitlyDenied",
    ],
    [
      "a snapshot whose ownership tag has another value",
      snap(HOME, "rpl-111111111111-orders-20250101-0000"),
      { "rds:snapshot-tag/rpl-managed-by": "someone-else" },
      "ImplicitlyDenied",
    ],
    ["a tagged snapshot not named rpl-*", snap(HOME, "manual-before-upgrade"), OWNED, "ImplicitlyDenied"],
    [
      "a tagged snapshot in a region it does not sweep",
      snap("us-east-1", "rpl-x-20250101-0000"),
      OWNED,
      "ImplicitlyDenied",
    ],
  ])("DeleteDBSnapshot on %s: %s", async (_what, resource, context, expected) => {
    expect(
      await decide({ action: "rds:DeleteDBSnapshot", principal: janitorRole, resource, identity: janitor, context }),
    ).toBe(expected);
  });

  it.each([
    [OWNED_CLUSTER, "Allowed"],
    [{}, "ImplicitlyDenied"],
    [OWNED, "ImplicitlyDenied"], // the instance-snapshot tag key does not apply to cluster snapshots
  ])("DeleteDBClusterSnapshot with context %j: %s", async (context, expected) => {
    const resource = `arn:aws:rds:${HOME}:${DR}:cluster-snapshot:rpl-111111111111-aurora-20250101-0000`;
    expect(
      await decide({
        action: "rds:DeleteDBClusterSnapshot",
        principal: janitorRole,
        resource,
        identity: janitor,
        context,
      }),
    ).toBe(expected);
  });

  it("cannot delete a DB instance", async () => {
    const resource = `arn:aws:rds:${HOME}:${DR}:db:orders`;
    expect(await decide({ action: "rds:DeleteDBInstance", principal: janitorRole, resource, identity: janitor })).toBe(
      "ImplicitlyDenied",
    );
  });
});

describe("copierPolicy", () => {
  const shared = `arn:aws:rds:${HOME}:${SOURCE}:snapshot:rpl-orders-20250101-0000`;
  // A snapshot's `restore` attribute (the share) is what lets another account use it; modelled as a resource policy
  // naming the accounts it is shared with, so the copier's own policy decides.
  const sharedWith = (account: string, arn: string): PolicyDocument => ({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { AWS: `arn:aws:iam::${account}:root` },
        Action: "rds:CopyDBSnapshot",
        Resource: arn,
      },
    ],
  });
  it("copies a snapshot shared by a source account", async () => {
    expect(
      await decide({
        action: "rds:CopyDBSnapshot",
        principal: copierRole,
        resource: shared,
        identity: copier,
        resourcePolicy: sharedWith(DR, shared),
      }),
    ).toBe("Allowed");
  });
  it("creates the copy in its own account (home and DR region)", async () => {
    for (const region of [HOME, DR_REGION]) {
      const target = `arn:aws:rds:${region}:${DR}:snapshot:rpl-111111111111-orders-20250101t0000z`;
      expect(
        await decide({ action: "rds:CopyDBSnapshot", principal: copierRole, resource: target, identity: copier }),
      ).toBe("Allowed");
    }
  });
  it("does not copy snapshots shared by an account that is not a source, nor foreign snapshots of a source", async () => {
    const foreign = `arn:aws:rds:${HOME}:${OTHER}:snapshot:rpl-orders-20250101-0000`;
    expect(
      await decide({
        action: "rds:CopyDBSnapshot",
        principal: copierRole,
        resource: foreign,
        identity: copier,
        resourcePolicy: sharedWith(DR, foreign),
      }),
    ).toBe("ImplicitlyDenied");
    const notOurs = `arn:aws:rds:${HOME}:${SOURCE}:snapshot:manual-before-upgrade`;
    expect(
      await decide({
        action: "rds:CopyDBSnapshot",
        principal: copierRole,
        resource: notOurs,
        identity: copier,
        resourcePolicy: sharedWith(DR, notOurs),
      }),
    ).toBe("ImplicitlyDenied");
  });
  it("lets RDS use the DR key for the copy (grant for an AWS resource, through RDS)", async () => {
    const context = { ...VIA_RDS, "kms:GrantIsForAWSResource": "true" };
    for (const action of ["kms:CreateGrant", "kms:DescribeKey"]) {
      expect(
        await decide({
          action,
          principal: copierRole,
          resource: DR_KEY,
          identity: copier,
          resourcePolicy: drKeyPolicy("aws", DR),
          context,
        }),
      ).toBe("Allowed");
    }
    expect(
      await decide({
        action: "kms:CreateGrant",
        principal: copierRole,
        resource: DR_REGION_KEY,
        identity: copier,
        resourcePolicy: drKeyPolicy("aws", DR),
        context: { "kms:ViaService": `rds.${DR_REGION}.amazonaws.com`, "kms:GrantIsForAWSResource": "true" },
      }),
    ).toBe("Allowed");
  });
  it("cannot use the DR key outside RDS, nor grant it to a non-AWS-resource", async () => {
    expect(
      await decide({
        action: "kms:Decrypt",
        principal: copierRole,
        resource: DR_KEY,
        identity: copier,
        resourcePolicy: drKeyPolicy("aws", DR),
      }),
    ).toBe("ImplicitlyDenied");
    expect(
      await decide({
        action: "kms:CreateGrant",
        principal: copierRole,
        resource: DR_KEY,
        identity: copier,
        resourcePolicy: drKeyPolicy("aws", DR),
        context: { ...VIA_RDS, "kms:GrantIsForAWSResource": "false" },
      }),
    ).toBe("ImplicitlyDenied");
  });
  it("cannot delete anything unless deleteIntermediate is on, and then only owned home-region copies", async () => {
    const home = `arn:aws:rds:${HOME}:${DR}:snapshot:rpl-111111111111-orders-20250101t0000z`;
    expect(
      await decide({
        action: "rds:DeleteDBSnapshot",
        principal: copierRole,
        resource: home,
        identity: copier,
        context: OWNED,
      }),
    ).toBe("ImplicitlyDenied");
    const deleting = copierPolicy({
      partition: "aws",
      region: HOME,
      account: DR,
      logGroupArn: logs(DR, "c"),
      sourceAccounts: [SOURCE],
      drRegion: DR_REGION,
      drKeyArns: [DR_KEY, DR_REGION_KEY],
      deleteIntermediate: true,
    });
    expect(
      await decide({
        action: "rds:DeleteDBSnapshot",
        principal: copierRole,
        resource: home,
        identity: deleting,
        context: OWNED,
      }),
    ).toBe("Allowed");
    expect(
      await decide({ action: "rds:DeleteDBSnapshot", principal: copierRole, resource: home, identity: deleting }),
    ).toBe("ImplicitlyDenied");
    const region = `arn:aws:rds:${DR_REGION}:${DR}:snapshot:rpl-111111111111-orders-20250101t0000z`;
    expect(
      await decide({
        action: "rds:DeleteDBSnapshot",
        principal: copierRole,
        resource: region,
        identity: deleting,
        context: OWNED,
      }),
    ).toBe("ImplicitlyDenied");
  });
});

describe("checkerPolicy", () => {
  const checker = checkerPolicy(logs(DR, "k"));
  const role = `arn:aws:iam::${DR}:role/copier-check-role`;
  it.each([
    ["rds:DescribeDBSnapshots", "*", "Allowed"],
    [
      "rds:CopyDBSnapshot",
      `arn:aws:rds:${HOME}:${DR}:snapshot:rpl-111111111111-orders-20250101t0000z`,
      "ImplicitlyDenied",
    ],
    [
      "rds:DeleteDBSnapshot",
      `arn:aws:rds:${HOME}:${DR}:snapshot:rpl-111111111111-orders-20250101t0000z`,
      "ImplicitlyDenied",
    ],
    ["kms:CreateGrant", DR_KEY, "ImplicitlyDenied"],
  ])("%s on %s: %s", async (action, resource, expected) => {
    const resourcePolicy = resource.startsWith("arn:aws:kms") ? drKeyPolicy("aws", DR) : undefined;
    const context = { ...OWNED, ...VIA_RDS, "kms:GrantIsForAWSResource": "true" };
    expect(
      await decide({
        action,
        principal: role,
        resource,
        identity: checker,
        context,
        ...(resourcePolicy ? { resourcePolicy } : {}),
      }),
    ).toBe(expected);
  });
});

describe("sourceKeyPolicy (cross-account: the copier's own policy AND the key policy must allow)", () => {
  it("denies the DR account kms:Decrypt outside RDS (no kms:ViaService)", async () => {
    expect(
      await decide({
        action: "kms:Decrypt",
        principal: copierRole,
        resource: SOURCE_KEY,
        identity: copier,
        resourcePolicy: sourceKey,
        context: { "kms:CallerAccount": DR },
      }),
    ).toBe("ImplicitlyDenied");
  });
  it("allows the DR account kms:Decrypt through RDS", async () => {
    expect(
      await decide({
        action: "kms:Decrypt",
        principal: copierRole,
        resource: SOURCE_KEY,
        identity: copier,
        resourcePolicy: sourceKey,
        context: { ...VIA_RDS, "kms:CallerAccount": DR },
      }),
    ).toBe("Allowed");
  });
  it("allows the DR account to grant the key to RDS only for an AWS resource", async () => {
    const base = {
      action: "kms:CreateGrant",
      principal: copierRole,
      resource: SOURCE_KEY,
      identity: copier,
      resourcePolicy: sourceKey,
    };
    expect(
      await decide({ ...base, context: { ...VIA_RDS, "kms:CallerAccount": DR, "kms:GrantIsForAWSResource": "true" } }),
    ).toBe("Allowed");
    expect(
      await decide({ ...base, context: { ...VIA_RDS, "kms:CallerAccount": DR, "kms:GrantIsForAWSResource": "false" } }),
    ).toBe("ImplicitlyDenied");
  });
  it("denies a third account, even one whose own policy allows every kms action", async () => {
    const admin: PolicyDocument = {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "kms:*", Resource: "*" }],
    };
    for (const context of [{ ...VIA_RDS, "kms:CallerAccount": OTHER }, { "kms:CallerAccount": OTHER }]) {
      expect(
        await decide({
          action: "kms:Decrypt",
          principal: `arn:aws:iam::${OTHER}:role/admin`,
          resource: SOURCE_KEY,
          identity: admin,
          resourcePolicy: sourceKey,
          context,
        }),
      ).toBe("ImplicitlyDenied");
    }
  });
  it("has no DR statements for the single-account role", () => {
    const single = sourceKeyPolicy({ partition: "aws", account: SOURCE, region: HOME, drAccounts: [] });
    expect(single.Statement.map((s) => s.Sid)).toEqual(["AccountRootAdministersKey"]);
  });
});

describe("fan-out: the DR-region copy reads the share across account and region in one call", () => {
  const shared = `arn:aws:rds:${HOME}:${SOURCE}:snapshot:rpl-orders-20250101-0000`;
  const VIA_DR_REGION = { "kms:ViaService": `rds.${DR_REGION}.amazonaws.com` };
  const fanOutKey = sourceKeyPolicy({
    partition: "aws",
    account: SOURCE,
    region: HOME,
    drAccounts: [DR],
    extraRdsRegions: sourceKeyExtraRegions("fan-out", DR_REGION),
  });
  it.each([
    ["fan-out", [DR_REGION]],
    ["direct", [DR_REGION]],
    ["two-step", []],
  ] as const)("copyMode %s lets RDS in %j use the source key", (mode, regions) => {
    expect(sourceKeyExtraRegions(mode, DR_REGION)).toEqual(regions);
    expect(sourceKeyExtraRegions(mode, undefined)).toEqual([]);
  });
  it("the copier (running against the DR region) may copy a share that lives in the home region of a source account", async () => {
    const sharedWith: PolicyDocument = {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { AWS: `arn:aws:iam::${DR}:root` },
          Action: "rds:CopyDBSnapshot",
          Resource: shared,
        },
      ],
    };
    expect(
      await decide({
        action: "rds:CopyDBSnapshot",
        principal: copierRole,
        resource: shared,
        identity: copier,
        resourcePolicy: sharedWith,
        context: { "aws:RequestedRegion": DR_REGION },
      }),
    ).toBe("Allowed");
  });
  it.each(["kms:Decrypt", "kms:DescribeKey", "kms:ReEncryptFrom"])(
    "the fan-out source key and the copier's policy both allow %s through RDS in the DR region",
    async (action) => {
      expect(
        await decide({
          action,
          principal: copierRole,
          resource: SOURCE_KEY,
          identity: copier,
          resourcePolicy: fanOutKey,
          context: { ...VIA_DR_REGION, "kms:CallerAccount": DR },
        }),
      ).toBe("Allowed");
    },
  );
  it("the fan-out source key lets RDS in the DR region create a grant, only for an AWS resource", async () => {
    const base = { action: "kms:CreateGrant", principal: copierRole, resource: SOURCE_KEY, identity: copier };
    const ctx = (forAws: string) => ({
      ...VIA_DR_REGION,
      "kms:CallerAccount": DR,
      "kms:GrantIsForAWSResource": forAws,
    });
    expect(await decide({ ...base, resourcePolicy: fanOutKey, context: ctx("true") })).toBe("Allowed");
    expect(await decide({ ...base, resourcePolicy: fanOutKey, context: ctx("false") })).toBe("ImplicitlyDenied");
  });
  it("a two-step source key does not let RDS in the DR region use it (fan-out needs the source stack's drRegion)", async () => {
    expect(
      await decide({
        action: "kms:Decrypt",
        principal: copierRole,
        resource: SOURCE_KEY,
        identity: copier,
        resourcePolicy: sourceKey,
        context: { ...VIA_DR_REGION, "kms:CallerAccount": DR },
      }),
    ).toBe("ImplicitlyDenied");
  });
  it("the fan-out source key still refuses RDS in any third region", async () => {
    expect(
      await decide({
        action: "kms:Decrypt",
        principal: copierRole,
        resource: SOURCE_KEY,
        identity: copier,
        resourcePolicy: fanOutKey,
        context: { "kms:ViaService": "rds.us-east-1.amazonaws.com", "kms:CallerAccount": DR },
      }),
    ).toBe("ImplicitlyDenied");
  });
});

describe("sharerPolicy and the DR bus policy", () => {
  const snap = `arn:aws:rds:${HOME}:${SOURCE}:snapshot:rpl-orders-20250101-0000`;
  it.each([
    [OWNED, "Allowed"],
    [{}, "ImplicitlyDenied"],
  ])("ModifyDBSnapshotAttribute with %j: %s", async (context, expected) => {
    expect(
      await decide({
        action: "rds:ModifyDBSnapshotAttribute",
        principal: sharerRole,
        resource: snap,
        identity: sharer,
        context,
      }),
    ).toBe(expected);
  });
  it("tags only owned snapshots, and reads key metadata of its own account only", async () => {
    const tag = { action: "rds:AddTagsToResource", principal: sharerRole, resource: snap, identity: sharer };
    expect(await decide({ ...tag, context: OWNED })).toBe("Allowed");
    expect(await decide(tag)).toBe("ImplicitlyDenied");
    // The DB's key has the default key policy (account root), which delegates to IAM policies.
    const key = `arn:aws:kms:${HOME}:${SOURCE}:key/db-key`;
    const kms = { principal: sharerRole, resource: key, identity: sharer, resourcePolicy: drKeyPolicy("aws", SOURCE) };
    expect(await decide({ ...kms, action: "kms:DescribeKey" })).toBe("Allowed");
    expect(await decide({ ...kms, action: "kms:Decrypt" })).toBe("ImplicitlyDenied");
  });
  it("puts events only on the configured DR bus, which accepts only the source accounts", async () => {
    const bus = drEventBusPolicy(BUS, [SOURCE]);
    const context = { "events:source": ["rds-pilot-light"], "events:detail-type": [SHARE_DETAIL_TYPE] };
    expect(
      await decide({
        action: "events:PutEvents",
        principal: sharerRole,
        resource: BUS,
        identity: sharer,
        resourcePolicy: bus,
        context,
      }),
    ).toBe("Allowed");
    const otherBus = `arn:aws:events:${HOME}:${DR}:event-bus/default`;
    expect(
      await decide({
        action: "events:PutEvents",
        principal: sharerRole,
        resource: otherBus,
        identity: sharer,
        context,
      }),
    ).toBe("ImplicitlyDenied");
    const outsider = sharerPolicy({
      partition: "aws",
      region: HOME,
      account: OTHER,
      logGroupArn: logs(OTHER, "s"),
      eventBusArns: [BUS],
    });
    expect(
      await decide({
        action: "events:PutEvents",
        principal: `arn:aws:iam::${OTHER}:role/sharer-role`,
        resource: BUS,
        identity: outsider,
        resourcePolicy: bus,
        context,
      }),
    ).toBe("ImplicitlyDenied");
    expect(
      await decide({
        action: "events:PutEvents",
        principal: sharerRole,
        resource: BUS,
        identity: sharer,
        resourcePolicy: bus,
        context: { ...context, "events:source": ["rds-pilot-light", "someone.else"] },
      }),
    ).toBe("ImplicitlyDenied");
  });
});

describe("takerPolicy", () => {
  it("creates rpl-* snapshots of any DB but deletes nothing", async () => {
    const db = `arn:aws:rds:${HOME}:${SOURCE}:db:orders`;
    const snap = `arn:aws:rds:${HOME}:${SOURCE}:snapshot:rpl-orders-20250101-0000`;
    expect(await decide({ action: "rds:CreateDBSnapshot", principal: takerRole, resource: db, identity: taker })).toBe(
      "Allowed",
    );
    expect(
      await decide({ action: "rds:CreateDBSnapshot", principal: takerRole, resource: snap, identity: taker }),
    ).toBe("Allowed");
    expect(
      await decide({
        action: "rds:CreateDBSnapshot",
        principal: takerRole,
        resource: `arn:aws:rds:${HOME}:${SOURCE}:snapshot:not-ours`,
        identity: taker,
      }),
    ).toBe("ImplicitlyDenied");
    expect(
      await decide({
        action: "rds:DeleteDBSnapshot",
        principal: takerRole,
        resource: snap,
        identity: taker,
        context: OWNED,
      }),
    ).toBe("ImplicitlyDenied");
  });
});

describe("distributedMapPolicy (a sweep's Distributed Map starts its own child executions)", () => {
  const machine = `arn:aws:states:${HOME}:${DR}:stateMachine:copier-sfn-1234567`;
  const role = `arn:aws:iam::${DR}:role/copier-sfn-role`;
  const identity = distributedMapPolicy(machine);
  it.each([
    ["starts an execution of its own machine", "states:StartExecution", machine, "Allowed"],
    [
      "starts an execution of another machine",
      "states:StartExecution",
      `arn:aws:states:${HOME}:${DR}:stateMachine:other`,
      "ImplicitlyDenied",
    ],
    [
      "describes one of its child executions",
      "states:DescribeExecution",
      `arn:aws:states:${HOME}:${DR}:execution:copier-sfn-1234567/CopyEachDb:0f1e2d`,
      "Allowed",
    ],
    [
      "stops one of its child executions",
      "states:StopExecution",
      `arn:aws:states:${HOME}:${DR}:execution:copier-sfn-1234567/CopyEachDb:0f1e2d`,
      "Allowed",
    ],
    [
      "stops an execution of another machine",
      "states:StopExecution",
      `arn:aws:states:${HOME}:${DR}:execution:other/run:1`,
      "ImplicitlyDenied",
    ],
    ["deletes its own machine", "states:DeleteStateMachine", machine, "ImplicitlyDenied"],
  ])("%s: %s", async (_name, action, resource, expected) => {
    expect(await decide({ action, principal: role, resource, identity })).toBe(expected);
  });
});

describe("every policy document", () => {
  const all: [string, PolicyDocument][] = [
    ["taker", taker],
    ["sharer", sharer],
    ["copier", copier],
    ["checker", checkerPolicy(logs(DR, "k"))],
    ["janitor", janitor],
    ["sourceKey", sourceKey],
    ["drKey", drKeyPolicy("aws", DR)],
    ["alertsKey", alertsKeyPolicy("aws", DR)],
    ["stateMachine", stateMachinePolicy([`arn:aws:lambda:${HOME}:${DR}:function:f`])],
    ["startExecution", startExecutionPolicy(`arn:aws:states:${HOME}:${DR}:stateMachine:m`)],
    ["distributedMap", distributedMapPolicy(`arn:aws:states:${HOME}:${DR}:stateMachine:m`)],
    ["bus", drEventBusPolicy(BUS, [SOURCE])],
  ];
  const actions = (d: PolicyDocument) => d.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));

  it.each(all)("%s never grants rds:* or a service-wide wildcard", (_n, doc) => {
    for (const a of actions(doc)) {
      expect(a).not.toBe("*");
      expect(a).not.toMatch(/^rds:\*$|^rds:.*\*/);
    }
  });

  it.each(all.filter(([n]) => !n.endsWith("Key")))('%s uses Resource "*" only for RDS Describe calls', (_n, doc) => {
    for (const s of doc.Statement) {
      if (s.Resource === "*" || (Array.isArray(s.Resource) && s.Resource.includes("*"))) {
        const acts = Array.isArray(s.Action) ? s.Action : [s.Action];
        for (const a of acts) expect(a).toMatch(/^rds:Describe/);
      }
    }
  });

  it.each(all.filter(([n]) => ["taker", "sharer", "copier", "janitor"].includes(n)))(
    "%s grants deletes only under the ownership-tag condition",
    (_n, doc) => {
      for (const s of doc.Statement) {
        const acts = Array.isArray(s.Action) ? s.Action : [s.Action];
        if (acts.some((a) => a.startsWith("rds:Delete"))) {
          expect(s.Condition?.StringEquals).toSatisfy(
            (c: Record<string, string>) =>
              c["rds:snapshot-tag/rpl-managed-by"] === "rds-pilot-light" ||
              c["rds:cluster-snapshot-tag/rpl-managed-by"] === "rds-pilot-light",
          );
        }
      }
    },
  );
});
