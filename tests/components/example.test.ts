/**
 * examples/taker-only: a Pulumi program of its own (project `taker-only`, its own config keys) importing the
 * components by package name (`rds-pilot-light/components`, package.json `exports`), run under Pulumi mocks. Asserts
 * the resources it creates, their names, schedule and the IAM its Taker role gets (evaluated with iam-simulate).
 */
import { createRequire } from "node:module";
import * as path from "node:path";
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { describe, expect, it, vi } from "vitest";
import type { PolicyDocument } from "../../components/shared/iam";
import { type MockRun, ROOT, runUnderMocks, stackConfig } from "./harness";

vi.mock("../../components/shared/bundle", async () => {
  const pulumi = await import("@pulumi/pulumi");
  return {
    LAMBDA_RUNTIME: "nodejs22.x",
    handlerArchive: (step: string) =>
      new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(`// ${step}`) }),
  };
});

const EXAMPLE = path.join(ROOT, "examples", "taker-only");
const ACCOUNT = "444455556666";
const REGION = "us-east-1";

async function runExample(values: Record<string, unknown>): Promise<MockRun<Record<string, unknown>>> {
  vi.resetModules();
  return runUnderMocks(
    stackConfig({ "aws:region": REGION, ...values }, "examples/taker-only/Pulumi.yaml"),
    async () => (await import("../../examples/taker-only/index")) as Record<string, unknown>,
    "dev",
    ACCOUNT,
    "taker-only",
  );
}

async function decide(policy: PolicyDocument, action: string, resource: string, context = {}): Promise<string> {
  const res = await runSimulation(
    {
      identityPolicies: [{ name: "role-policy", policy: policy as never }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      request: {
        action,
        principal: `arn:aws:iam::${ACCOUNT}:role/orders-taker-role`,
        resource: { accountId: ACCOUNT, resource },
        contextVariables: context,
      },
    },
    {},
  );
  if (res.resultType === "error") throw new Error(`simulation error: ${JSON.stringify(res.errors)}`);
  return res.overallResult;
}

describe("examples/taker-only", () => {
  it("imports the components by package name, which Node resolves to the barrel (package.json exports)", () => {
    const resolved = createRequire(path.join(EXAMPLE, "index.ts")).resolve("rds-pilot-light/components");
    expect(resolved).toBe(path.join(ROOT, "components", "index.ts"));
  });

  it("keeps the rds-pilot-light program as the package's main entry point, which `pulumi up` of this project runs", () => {
    const pkg = createRequire(__filename)(path.join(ROOT, "package.json")) as {
      main: string;
      exports: Record<string, string>;
    };
    expect(pkg.exports["."]).toBe("./index.ts");
    expect(pkg.main).toBe("index.ts");
  });

  it("creates an alerts topic and a Taker with the example's own names, schedule and subscriptions", async () => {
    const run = await runExample({ "taker-only:alertEmails": ["dba@example.com"] });

    const components = run.resources.filter((r) => !r.custom).map((r) => `${r.type} ${r.name}`);
    expect(components).toEqual(
      expect.arrayContaining([
        "rds-pilot-light:snapshots:PilotLightAlerts alerts",
        "rds-pilot-light:snapshots:SnapshotTaker orders-taker",
      ]),
    );
    expect(
      run.resources
        .filter((r) => r.parent === "alerts")
        .map((r) => r.name)
        .sort(),
    ).toEqual(["alerts-email-0", "alerts-key", "alerts-topic"]);
    expect(run.named("alerts-email-0").inputs).toMatchObject({ protocol: "email", endpoint: "dba@example.com" });
    const takerChildren = run.resources.filter((r) => r.parent === "orders-taker").map((r) => r.name);
    expect(takerChildren).toEqual(
      expect.arrayContaining([
        "orders-taker-fn",
        "orders-taker-role",
        "orders-taker-logs",
        "orders-taker-sfn",
        "orders-taker-schedule",
        "orders-taker-alarm",
      ]),
    );
    // No stack-config component of rds-pilot-light's own program is created.
    expect(run.resources.map((r) => r.name)).not.toContain("keys");

    // The Pulumi.yaml default (30 minutes) drives the schedule and the Lambda's settings.
    expect(run.named("orders-taker-schedule").inputs.scheduleExpression).toBe("rate(30 minutes)");
    const env = (run.named("orders-taker-fn").inputs.environment as { variables: Record<string, string> }).variables;
    expect(env).toMatchObject({ RPL_DB_ID_REGEX: "^orders-", RPL_INTERVAL_MINUTES: "30", RPL_QUOTA_HEADROOM: "5" });
    // The alarm notifies the example's topic.
    expect(run.named("orders-taker-alarm").inputs.alarmActions).toEqual([
      `arn:aws:sns:${REGION}:${ACCOUNT}:alerts-topic`,
    ]);
    // The program's stack outputs.
    expect(run.result.takerSchedule).toBe("rate(30 minutes)");
  });

  it("follows its own config keys (taker-only:intervalMinutes, taker-only:dbIdRegex)", async () => {
    const run = await runExample({ "taker-only:intervalMinutes": 15, "taker-only:dbIdRegex": "^billing-" });
    expect(run.named("orders-taker-schedule").inputs.scheduleExpression).toBe("rate(15 minutes)");
    const env = (run.named("orders-taker-fn").inputs.environment as { variables: Record<string, string> }).variables;
    expect(env).toMatchObject({ RPL_DB_ID_REGEX: "^billing-", RPL_INTERVAL_MINUTES: "15" });
    expect(run.resources.filter((r) => r.parent === "alerts").map((r) => r.name)).not.toContain("alerts-email-0");
  });

  it("grants the Taker role exactly its actions: snapshots of this account's DBs named rpl-*, nothing else", async () => {
    const run = await runExample({});
    const policy = JSON.parse(run.named("orders-taker-role-policy").inputs.policy as string) as PolicyDocument;
    const actions = [...new Set(policy.Statement.flatMap((s) => [s.Action ?? []].flat()))].sort();
    expect(actions).toEqual([
      "logs:CreateLogStream",
      "logs:PutLogEvents",
      "rds:AddTagsToResource",
      "rds:CreateDBClusterSnapshot",
      "rds:CreateDBSnapshot",
      "rds:DescribeAccountAttributes",
      "rds:DescribeDBClusterSnapshots",
      "rds:DescribeDBClusters",
      "rds:DescribeDBInstances",
      "rds:DescribeDBSnapshots",
    ]);
    const arn = (type: string, id: string, region = REGION) => `arn:aws:rds:${region}:${ACCOUNT}:${type}:${id}`;
    expect(await decide(policy, "rds:CreateDBSnapshot", arn("snapshot", "rpl-orders-1-20260101-0000"))).toBe("Allowed");
    expect(await decide(policy, "rds:CreateDBSnapshot", arn("db", "orders-1"))).toBe("Allowed");
    // Not a snapshot of ours (name), not another region, never a delete.
    expect(await decide(policy, "rds:CreateDBSnapshot", arn("snapshot", "manual-orders-1"))).toBe("ImplicitlyDenied");
    expect(await decide(policy, "rds:CreateDBSnapshot", arn("db", "orders-1", "eu-west-1"))).toBe("ImplicitlyDenied");
    expect(await decide(policy, "rds:DeleteDBSnapshot", arn("snapshot", "rpl-orders-1-20260101-0000"))).toBe(
      "ImplicitlyDenied",
    );
  });
});
