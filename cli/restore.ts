/**
 * `failover` and `drill`: preview the restore with the same planner the restorer Lambda runs (so an unknown DB or
 * a `--before` older than every copy fails here, before anything starts), show each DB's recovery point and its age
 * against the RPO, ask for confirmation, then start the restore state machine in the DR region and follow the
 * execution and each new DB until it ends. Every call goes to the recovery region (issue 11).
 */
import { DescribeDBClustersCommand, DescribeDBInstancesCommand } from "@aws-sdk/client-rds";
import { DescribeExecutionCommand, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { parseDbRef, parseDbRefList } from "../functions/freshness/dbRefs";
import { ConfigError, errorMessage, SnapshotNotFoundError } from "../functions/lib/errors";
import { listSnapshots } from "../functions/lib/rds";
import type { RestoreResult } from "../functions/restore/handler";
import { planRestore, type RestoreMode, type RestoreRequest, type RestoreTarget } from "../functions/restore/plan";
import { checkAccount, credentialError } from "./aws";
import type { CliContext } from "./context";
import { CliError, usage } from "./errors";
import { formatAge, table } from "./format";

/** Seconds between DescribeExecution calls while following. */
export const POLL_SECONDS = 15;

/** Options of `failover` / `drill`. */
export interface RestoreOptions {
  readonly dbIds: readonly string[];
  readonly before?: string;
  /** Start without asking. */
  readonly yes: boolean;
  /** Only show the plan. */
  readonly dryRun?: boolean;
  /** Follow the execution until it ends. */
  readonly wait: boolean;
  /** Override of the state machine ARN (default: the stack's output, else derived from the stack and account). */
  readonly stateMachineArn?: string;
}

/** Validates `--before`: an ISO-8601 instant with a date and a time. */
export function parseBefore(text: string | undefined, now: Date): string | undefined {
  if (text === undefined) return undefined;
  const ok =
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(text) &&
    !Number.isNaN(Date.parse(text));
  if (!ok) throw usage(`--before must be an ISO-8601 time with a zone, such as 2026-11-25T06:00:00Z (got "${text}")`);
  const at = new Date(text);
  if (at.getTime() > now.getTime())
    throw usage(`--before ${text} is in the future; omit it to restore the newest copy`);
  return at.toISOString();
}

/** Runs `failover` (mode restore) or `drill`; returns the exit code. */
export async function runRestore(ctx: CliContext, mode: RestoreMode, o: RestoreOptions): Promise<number> {
  const { io, stack, settings, profile } = ctx;
  const c = ctx.colors;
  for (const d of o.dbIds) {
    const r = parseDbRef(d);
    if (typeof r === "string") throw usage(`--db: ${r}`);
  }
  const before = parseBefore(o.before, io.now());
  const account = await checkAccount(io.aws, profile, ctx.region, "DR", {
    ...(settings.accountId ? { oneOf: [settings.accountId] } : {}),
    ...(stack.role === "dr" ? { notIn: stack.sourceAccounts } : {}),
    stack: ctx.stack.source,
  });
  const request: RestoreRequest = {
    mode,
    ...(o.dbIds.length > 0 ? { dbIds: [...o.dbIds] } : {}),
    ...(before ? { before } : {}),
  };

  let targets: RestoreTarget[];
  try {
    const snapshots = await listSnapshots(io.aws.rds(profile, settings.region), { type: "manual" });
    const instanceClass =
      mode === "drill" ? (settings.drillInstanceClass ?? settings.instanceClass) : settings.instanceClass;
    targets = planRestore({
      snapshots,
      request,
      settings: {
        region: settings.region,
        namePrefix: settings.namePrefix,
        clusterInstances: settings.multiAz ? 2 : 1,
        ...(instanceClass ? { instanceClass } : {}),
        retired: parseDbRefList(stack.retiredDbs.join(",")).refs,
      },
      now: io.now(),
    });
  } catch (err) {
    if (err instanceof ConfigError) throw usage(err.message);
    if (err instanceof SnapshotNotFoundError) throw new CliError(err.message, { cause: err });
    throw credentialError(err, profile) ?? err;
  }

  const plan = planWithAges(targets, io.now(), stack.rpoMinutes);
  const what = mode === "drill" ? "drill" : "failover";
  const Title = mode === "drill" ? "Drill" : "Failover";
  const olderThanRpo = plan.filter((t) => t.olderThanRpo);
  if (!ctx.json) {
    io.out(c.bold(`${Title} plan (${settings.region}, account ${account}, RPO ${stack.rpoMinutes} min):`));
    for (const l of table(
      ["DB", "KIND", "RECOVERY POINT", "AGE", "SNAPSHOT", "NEW DB"],
      plan.map((t) => [
        t.key,
        t.kind,
        t.recoveryPoint,
        t.olderThanRpo ? c.red(formatAge(t.ageMinutes)) : c.green(formatAge(t.ageMinutes)),
        t.snapshotId,
        [t.targetId, ...t.memberIds].join(" + "),
      ]),
    )) {
      io.out(`  ${l}`);
    }
    for (const t of olderThanRpo) {
      io.out(
        c.yellow(
          `Warning: the newest copy of ${t.key} is ${formatAge(t.ageMinutes)} old, older than the RPO (${stack.rpoMinutes} min): restoring it loses more data than the RPO allows.`,
        ),
      );
    }
  }
  if (o.dryRun) {
    if (ctx.json) io.out(JSON.stringify({ dryRun: true, rpoMinutes: stack.rpoMinutes, targets: plan }, null, 2));
    else io.out(c.yellow(`Nothing started (--dry-run).`));
    return 0;
  }
  if (!o.yes) {
    if (!io.stdinIsTTY) {
      throw usage(
        `refusing to start a ${what} without confirmation: stdin is not a terminal; pass --yes to start it (or --dry-run to only show the plan)`,
      );
    }
    const n = plan.length;
    const warn = olderThanRpo.length > 0 ? ` ${olderThanRpo.length} of them older than the RPO.` : "";
    const ok = await io.confirm(
      `Start the ${what} of ${n} DB${n === 1 ? "" : "s"} in ${settings.region}?${warn} [y/N] `,
    );
    if (!ok) throw new CliError(`${what} not started (not confirmed)`);
  }

  const arn = o.stateMachineArn ?? (await restoreStateMachineArn(ctx, account));
  const stamp = io.now().toISOString().replace(/[-:]/g, "").slice(0, 15);
  let executionArn: string;
  try {
    const started = await io.aws.sfn(profile, ctx.region).send(
      new StartExecutionCommand({
        stateMachineArn: arn,
        name: `${what}-${stamp}`,
        input: JSON.stringify(request),
      }),
    );
    executionArn = started.executionArn ?? "";
  } catch (err) {
    if ((err as { name?: string }).name === "StateMachineDoesNotExist") {
      throw new CliError(
        `restore state machine ${arn} does not exist: deploy the DR stack with the restorer, or pass --state-machine-arn`,
      );
    }
    throw credentialError(err, profile) ?? err;
  }
  if (!ctx.json) io.out(`Started ${executionArn}${o.wait ? " (Ctrl-C stops following, not the restore)" : ""}`);
  if (!o.wait) {
    if (ctx.json) io.out(JSON.stringify({ executionArn }, null, 2));
    return 0;
  }
  return follow(ctx, executionArn, mode, plan);
}

/** One restore target with the age of its recovery point. */
export interface PlannedTarget extends RestoreTarget {
  /** Minutes between the recovery point and now. */
  readonly ageMinutes: number;
  /** The recovery point is older than the RPO. */
  readonly olderThanRpo: boolean;
}

/** Adds each target's age against the RPO. */
export function planWithAges(targets: readonly RestoreTarget[], now: Date, rpoMinutes: number): PlannedTarget[] {
  return targets.map((t) => {
    const ageMinutes = Math.max(0, Math.floor((now.getTime() - Date.parse(t.recoveryPoint)) / 60_000));
    return { ...t, ageMinutes, olderThanRpo: ageMinutes > rpoMinutes };
  });
}

/**
 * ARN of the restore state machine: the stack's `stateMachineArns.restorer` output when a stack name was given and
 * `pulumi stack output` answers; otherwise derived from the stack config, with a notice on stderr saying so.
 */
export async function restoreStateMachineArn(ctx: CliContext, account: string): Promise<string> {
  const derived = `arn:aws:states:${ctx.region}:${account}:stateMachine:${ctx.settings.stateMachineName}`;
  let why: string;
  if (ctx.stackName) {
    try {
      const outputs = await ctx.io.stackOutputs(ctx.stackName);
      const arn = (outputs.stateMachineArns as { restorer?: unknown } | undefined)?.restorer;
      if (typeof arn === "string" && arn.startsWith("arn:")) return arn;
      why = `stack ${ctx.stackName} has no stateMachineArns.restorer output (is the restorer deployed?)`;
    } catch (err) {
      why = `pulumi stack output --stack ${ctx.stackName} failed: ${errorMessage(err).split("\n")[0]}`;
    }
  } else {
    why = "a stack file was given, not a stack name";
  }
  ctx.io.err(`notice: ${why}; using the state machine ARN derived from ${ctx.stack.source}: ${derived}`);
  return derived;
}

async function follow(
  ctx: CliContext,
  executionArn: string,
  mode: RestoreMode,
  plan: readonly PlannedTarget[],
): Promise<number> {
  const { io } = ctx;
  const c = ctx.colors;
  const sfn = io.aws.sfn(ctx.profile, ctx.region);
  const rds = io.aws.rds(ctx.profile, ctx.settings.region);
  const started = io.now().getTime();
  const lastState = new Map<string, string>();
  for (;;) {
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    const elapsed = Math.round((io.now().getTime() - started) / 60_000);
    if (d.status === "RUNNING" || d.status === "PENDING_REDRIVE") {
      // Per-DB progress: the status of each new DB, printed when it changes.
      for (const t of plan) {
        const state = await dbState(rds, t);
        if (lastState.get(t.key) === state) continue;
        lastState.set(t.key, state);
        if (!ctx.json)
          io.out(`  ${t.key} -> ${t.targetId}: ${state === "available" ? c.green(state) : state} (${elapsed} min)`);
      }
      await io.sleep(POLL_SECONDS * 1000);
      continue;
    }
    if (d.status === "SUCCEEDED") {
      const result = JSON.parse(d.output ?? "{}") as RestoreResult;
      if (ctx.json) {
        io.out(JSON.stringify({ executionArn, status: d.status, result }, null, 2));
        return 0;
      }
      io.out(c.green(`${mode === "drill" ? "Drill" : "Failover"} succeeded in ${result.elapsedMinutes} min.`));
      for (const r of result.restored ?? []) {
        const endpoint = r.address ? `${r.address}${r.port ? `:${r.port}` : ""}` : "(no endpoint reported)";
        io.out(`  ${r.key} -> ${r.targetId}  ${endpoint}  recovery point ${r.recoveryPoint}`);
      }
      if (mode === "drill") io.out("  The drill DBs have been deleted.");
      return 0;
    }
    const reason = [d.error, d.cause].filter((x) => x).join(": ") || "no error reported";
    throw new CliError(
      `${mode === "drill" ? "drill" : "failover"} ${String(d.status).toLowerCase()}: ${firstLine(reason)} (${executionArn})`,
    );
  }
}

/** Status of the DB a target creates (`pending` until RDS knows it). */
async function dbState(rds: ReturnType<CliContext["io"]["aws"]["rds"]>, t: RestoreTarget): Promise<string> {
  try {
    if (t.kind === "cluster") {
      const r = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: t.targetId }));
      return r?.DBClusters?.[0]?.Status ?? "pending";
    }
    const r = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: t.targetId }));
    return r?.DBInstances?.[0]?.DBInstanceStatus ?? "pending";
  } catch (err) {
    if (["DBInstanceNotFoundFault", "DBClusterNotFoundFault"].includes((err as { name?: string }).name ?? "")) {
      return "pending";
    }
    throw err;
  }
}

function firstLine(text: string): string {
  try {
    // Lambda errors arrive as {"errorMessage","errorType"} JSON in the cause.
    return text
      .replace(/\{"errorMessage":"((?:[^"\\]|\\.)*)".*$/s, (_m, msg: string) => JSON.parse(`"${msg}"`))
      .split("\n")[0]!;
  } catch (err) {
    return `${text.split("\n")[0]} (${errorMessage(err)})`;
  }
}
