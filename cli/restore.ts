/**
 * `failover` and `drill`: preview the restore with the same planner the restorer Lambda runs (so an unknown DB or
 * a `--before` older than every copy fails here, before anything starts), then start the restore state machine
 * and follow the execution until it ends.
 */
import { DescribeExecutionCommand, StartExecutionCommand } from "@aws-sdk/client-sfn";
import { parseDbRef, parseDbRefList } from "../functions/freshness/dbRefs";
import { ConfigError, errorMessage, SnapshotNotFoundError } from "../functions/lib/errors";
import { listSnapshots } from "../functions/lib/rds";
import type { RestoreResult } from "../functions/restore/handler";
import { planRestore, type RestoreMode, type RestoreRequest, type RestoreTarget } from "../functions/restore/plan";
import { checkAccount, credentialError } from "./aws";
import type { CliContext } from "./context";
import { CliError, usage } from "./errors";
import { table } from "./format";

/** Seconds between DescribeExecution calls while following. */
export const POLL_SECONDS = 15;

/** Options of `failover` / `drill`. */
export interface RestoreOptions {
  readonly dbIds: readonly string[];
  readonly before?: string;
  /** failover: actually start (without it the command only shows the plan). */
  readonly yes: boolean;
  /** Follow the execution until it ends. */
  readonly wait: boolean;
  /** Override of the state machine ARN (default: derived from the stack and account). */
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
  const account = await checkAccount(io.aws, profile, stack.region, "DR", {
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

  const what = mode === "drill" ? "Drill" : "Failover";
  if (!ctx.json) {
    io.out(c.bold(`${what} plan (${settings.region}, account ${account}):`));
    for (const l of table(
      ["DB", "KIND", "RECOVERY POINT", "SNAPSHOT", "NEW DB"],
      targets.map((t) => [t.key, t.kind, t.recoveryPoint, t.snapshotId, [t.targetId, ...t.memberIds].join(" + ")]),
    )) {
      io.out(`  ${l}`);
    }
  }
  if (mode === "restore" && !o.yes) {
    if (ctx.json) io.out(JSON.stringify({ dryRun: true, targets }, null, 2));
    else io.out(c.yellow("Nothing started. Re-run with --yes to start the failover."));
    return 0;
  }

  const arn =
    o.stateMachineArn ?? `arn:aws:states:${stack.region}:${account}:stateMachine:${settings.stateMachineName}`;
  const stamp = io.now().toISOString().replace(/[-:]/g, "").slice(0, 15);
  let executionArn: string;
  try {
    const started = await io.aws.sfn(profile, stack.region).send(
      new StartExecutionCommand({
        stateMachineArn: arn,
        name: `${mode === "drill" ? "drill" : "failover"}-${stamp}`,
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
  return follow(ctx, executionArn, mode);
}

async function follow(ctx: CliContext, executionArn: string, mode: RestoreMode): Promise<number> {
  const { io } = ctx;
  const c = ctx.colors;
  const sfn = io.aws.sfn(ctx.profile, ctx.stack.region);
  const started = io.now().getTime();
  for (;;) {
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    const elapsed = Math.round((io.now().getTime() - started) / 60_000);
    if (d.status === "RUNNING" || d.status === "PENDING_REDRIVE") {
      const line = `  ${mode === "drill" ? "drill" : "failover"} running, ${elapsed} min elapsed`;
      if (!ctx.json) (io.isTTY && io.progress ? io.progress : io.out)(line);
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
    if (ctx.json) io.out(JSON.stringify({ executionArn, status: d.status, error: d.error, cause: d.cause }, null, 2));
    throw new CliError(
      `${mode === "drill" ? "drill" : "failover"} ${String(d.status).toLowerCase()}: ${firstLine(reason)} (${executionArn})`,
    );
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
