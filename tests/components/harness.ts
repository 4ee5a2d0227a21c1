/**
 * Runs Pulumi programs under `pulumi.runtime.setMocks` and records every resource registration (type, name,
 * inputs, parent), the way Pulumi would see them in `pulumi preview`. Stack configuration comes from the project
 * defaults in Pulumi.yaml plus a stack file, exactly like the CLI merges them.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";

/** Repository root. */
export const ROOT = path.resolve(__dirname, "..", "..");
/** Account id the mocked `aws.getCallerIdentity` returns unless a run names another. */
export const MOCK_ACCOUNT = "111111111111";

/** One recorded resource registration. */
export interface Recorded {
  readonly type: string;
  readonly name: string;
  readonly custom: boolean;
  readonly inputs: Record<string, unknown>;
  /** Logical name of the parent resource (undefined for the stack's direct children). */
  parent?: string;
  /** Provider reference (`urn::id`) when an explicit provider was given. */
  readonly provider?: string;
  /** Resource options the program passed (recorded at construction; the mock monitor does not see them). */
  opts?: { readonly protect?: boolean; readonly retainOnDelete?: boolean; readonly explicitProvider: boolean };
}

/**
 * Stack configuration as Pulumi hands it to a program: every value a string (structured values JSON), keys
 * `namespace:key`. Project defaults from Pulumi.yaml are merged under the stack file's values.
 */
export function stackConfig(
  stackFile: string | Record<string, unknown>,
  project = "Pulumi.yaml",
): Record<string, string> {
  const proj = parseYaml(readFileSync(path.join(ROOT, project), "utf8")) as {
    name: string;
    config?: Record<string, { default?: unknown }>;
  };
  const out: Record<string, string> = {};
  for (const [k, decl] of Object.entries(proj.config ?? {})) {
    if (decl.default !== undefined) out[`${proj.name}:${k}`] = encode(decl.default);
  }
  const values =
    typeof stackFile === "string"
      ? ((parseYaml(readFileSync(path.join(ROOT, stackFile), "utf8")) as { config: Record<string, unknown> }).config ??
        {})
      : stackFile;
  for (const [k, v] of Object.entries(values)) out[k] = encode(v);
  return out;
}

function encode(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

function arnFor(type: string, name: string, region: string, account: string): string | undefined {
  const table: Record<string, string> = {
    "aws:lambda/function:Function": `arn:aws:lambda:${region}:${account}:function:${name}`,
    "aws:sfn/stateMachine:StateMachine": `arn:aws:states:${region}:${account}:stateMachine:${name}`,
    "aws:cloudwatch/logGroup:LogGroup": `arn:aws:logs:${region}:${account}:log-group:${name}`,
    "aws:iam/role:Role": `arn:aws:iam::${account}:role/${name}`,
    "aws:kms/key:Key": `arn:aws:kms:${region}:${account}:key/${name}`,
    "aws:sns/topic:Topic": `arn:aws:sns:${region}:${account}:${name}`,
    "aws:cloudwatch/eventBus:EventBus": `arn:aws:events:${region}:${account}:event-bus/${name}`,
    "aws:cloudwatch/eventRule:EventRule": `arn:aws:events:${region}:${account}:rule/${name}`,
    "aws:scheduler/schedule:Schedule": `arn:aws:scheduler:${region}:${account}:schedule/default/${name}`,
    "aws:cloudwatch/metricAlarm:MetricAlarm": `arn:aws:cloudwatch:${region}:${account}:alarm:${name}`,
  };
  return table[type];
}

/** Result of {@link runUnderMocks}. */
export interface MockRun<T> {
  readonly resources: Recorded[];
  readonly result: T;
  /** Warnings the program logged (pulumi.log.warn). */
  readonly warnings: string[];
  /** Resources of one type. */
  ofType(type: string): Recorded[];
  /** The resource with this logical name (throws when absent). */
  named(name: string): Recorded;
}

/**
 * Sets mocks and config, runs `program` (which must create its resources, e.g. by importing index.ts), and waits
 * until every resource it constructed has been registered with the mock monitor.
 */
export async function runUnderMocks<T>(
  config: Record<string, string>,
  program: () => Promise<T>,
  stack = "test",
  account = MOCK_ACCOUNT,
  /** Pulumi project name: the namespace `new pulumi.Config()` reads (examples/ programs have their own). */
  project = "rds-pilot-light",
): Promise<MockRun<T>> {
  const region = config["aws:region"] ?? "eu-west-1";
  const resources: Recorded[] = [];
  let constructed = 0;
  let registered = 0;
  const parents = new Map<pulumi.Resource, string>();
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        registered++;
        const name = (args.inputs.name as string | undefined) ?? args.name;
        const rec: Recorded = {
          type: args.type,
          name: args.name,
          custom: args.custom ?? true,
          inputs: args.inputs,
          ...(args.provider ? { provider: args.provider } : {}),
        };
        resources.push(rec);
        const arn = arnFor(args.type, name, (args.inputs.region as string | undefined) ?? region, account);
        return {
          id: `${args.name}-id`,
          state: {
            ...args.inputs,
            name,
            ...(arn ? { arn } : {}),
            ...(args.type === "aws:kms/key:Key" ? { keyId: name } : {}),
          },
        };
      },
      call(args) {
        if (args.token === "aws:index/getCallerIdentity:getCallerIdentity") {
          return { accountId: account, arn: `arn:aws:iam::${account}:role/deployer`, userId: "AIDA", id: account };
        }
        if (args.token === "aws:index/getPartition:getPartition")
          return { partition: "aws", dnsSuffix: "amazonaws.com" };
        throw new Error(`unmocked call ${args.token}`);
      },
    },
    project,
    stack,
    true,
  );
  pulumi.runtime.setAllConfig(config);
  // Record the parent of every resource as it is constructed (the mock monitor does not pass it on).
  const pending: {
    name: string;
    parent?: pulumi.Resource;
    opts: { protect?: boolean; retainOnDelete?: boolean; explicitProvider: boolean };
  }[] = [];
  const warnings: string[] = [];
  const origWarn = pulumi.log.warn;
  (pulumi.log as { warn: typeof pulumi.log.warn }).warn = async (msg: string) => {
    warnings.push(msg);
  };
  let result: T | undefined;
  let programError: unknown;
  try {
    await pulumi.runtime.runInPulumiStack(async () => {
      pulumi.runtime.registerStackTransformation((args) => {
        constructed++;
        parents.set(args.resource, args.name);
        const o = args.opts as pulumi.CustomResourceOptions;
        pending.push({
          name: args.name,
          parent: args.opts.parent,
          opts: {
            ...(o.protect !== undefined ? { protect: o.protect } : {}),
            ...(o.retainOnDelete !== undefined ? { retainOnDelete: o.retainOnDelete } : {}),
            explicitProvider:
              o.provider !== undefined || (o as pulumi.ComponentResourceOptions).providers !== undefined,
          },
        });
        return undefined;
      });
      try {
        result = await program();
      } catch (err) {
        // Surface program errors (e.g. a ConfigError at import) to the caller, not as a failed stack resource.
        programError = err;
      }
      return {};
    });
    // Registration is asynchronous (children wait for their inputs): drain the event loop until every constructed
    // resource reached the mock monitor and nothing new was constructed for a while.
    let stable = 0;
    for (let i = 0; stable < 20; i++) {
      if (i > 100_000) throw new Error(`resources never finished registering (${registered}/${constructed})`);
      const before = constructed;
      await new Promise<void>((r) => setImmediate(r));
      stable = registered > constructed && constructed === before ? stable + 1 : 0;
    }
    // Thrown only now: a component that threw after super() is still registering, and must finish before the next
    // run replaces the mock monitor.
    if (programError !== undefined) throw programError;
  } finally {
    (pulumi.log as { warn: typeof pulumi.log.warn }).warn = origWarn;
  }
  for (const p of pending) {
    const rec = resources.find((r) => r.name === p.name);
    if (rec && p.parent) rec.parent = parents.get(p.parent);
    if (rec) rec.opts = p.opts;
  }
  return {
    resources,
    result: result as T,
    warnings,
    ofType: (type) => resources.filter((r) => r.type === type),
    named: (name) => {
      const r = resources.find((x) => x.name === name);
      if (!r) throw new Error(`no resource named ${name}; have: ${resources.map((x) => x.name).join(", ")}`);
      return r;
    },
  };
}

/** Resolves an Output (test helper). */
export function resolve<T>(o: pulumi.Output<T> | undefined): Promise<T | undefined> {
  if (o === undefined) return Promise.resolve(undefined);
  return new Promise((r) => o.apply((v) => r(v)));
}
