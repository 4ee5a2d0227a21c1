/**
 * Operator CLI of rds-pilot-light: `status`, `failover`, `drill`.
 *
 *   npm run dr -- status --stack Pulumi.drprod.yaml --profile dr-admin [--source-profile prod-readonly] [--json]
 *   npx rds-pilot-light failover --stack Pulumi.drprod.yaml --profile dr-admin [--db orders ...] [--before TIME] --yes
 *   npx rds-pilot-light drill --stack Pulumi.drprod.yaml --profile dr-admin [--db orders]
 *
 * Errors print one line and exit non-zero (1: the operation failed, 2: bad usage or input); `--debug` adds the
 * stack trace.
 */
import { parseArgs } from "node:util";
import { loadStackFile } from "../config";
import { errorMessage, errorName } from "../functions/lib/errors";
import { parseRecoverySettings } from "../functions/restore/stackConfig";
import { liveAws } from "./aws";
import type { CliContext, CliIo } from "./context";
import { CliError, usage } from "./errors";
import { colorsFor } from "./format";
import { runRestore } from "./restore";
import { buildStatus, renderStatus } from "./status";

/** Help text. */
export const HELP = `Usage: rds-pilot-light <command> --stack <Pulumi.<stack>.yaml> [options]

Commands:
  status     Newest copies of every DB in the DR account (and source account), ages vs the RPO, snapshot quotas
  failover   Restore DBs in the DR account from their newest copies (or the newest at or before --before)
  drill      Restore into temporary rpl-drill-* DBs, check them, delete them (what the weekly drill does)

Options:
  --stack FILE              The DR stack file (rds-pilot-light:role dr or both)           [required]
  --profile NAME            AWS profile of the DR account (default: the SDK's default credential chain)
  --source-profile NAME     status: AWS profile of a source account, to show source snapshots and sharing
  --source-region REGION    status: region of the source DBs (default: from the copies' tags)
  --db ID                   failover/drill: a DB to restore (dbId or account/dbId); repeat for more (default: all)
  --before TIME             failover/drill: newest copy at or before this ISO time, e.g. 2026-11-25T06:00:00Z
  --yes                     failover: start it (without --yes it only shows the plan)
  --no-wait                 failover/drill: print the execution ARN instead of following it
  --state-machine-arn ARN   failover/drill: restore state machine (default: derived from the stack)
  --json                    machine-readable output
  --debug                   stack traces on errors
  -h, --help                this help
`;

const OPTIONS = {
  stack: { type: "string" },
  profile: { type: "string" },
  "source-profile": { type: "string" },
  "source-region": { type: "string" },
  db: { type: "string", multiple: true },
  before: { type: "string" },
  yes: { type: "boolean" },
  "no-wait": { type: "boolean" },
  "state-machine-arn": { type: "string" },
  json: { type: "boolean" },
  debug: { type: "boolean" },
  help: { type: "boolean", short: "h" },
} as const;

/** Runs the CLI with `argv` (without node and script); returns the exit code. Never throws. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const debug = argv.includes("--debug");
  try {
    return await dispatch(argv, io);
  } catch (err) {
    const exit = err instanceof CliError ? err.exitCode : 1;
    const message = err instanceof CliError ? err.message : `${errorName(err)}: ${errorMessage(err).split("\n")[0]}`;
    io.err(`rds-pilot-light: error: ${message}`);
    if (debug && err instanceof Error) io.err(err.stack ?? String(err));
    return exit;
  }
}

async function dispatch(argv: readonly string[], io: CliIo): Promise<number> {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true; strict: true }>>;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw usage(`${errorMessage(err).split("\n")[0]} (see --help)`);
  }
  const v = parsed.values;
  const [command, ...extra] = parsed.positionals;
  if (v.help || command === "help" || command === undefined) {
    for (const l of HELP.trimEnd().split("\n")) io.out(l);
    return command === undefined && !v.help ? 2 : 0;
  }
  if (!["status", "failover", "drill"].includes(command))
    throw usage(`unknown command "${command}" (status, failover, drill)`);
  if (extra.length > 0) throw usage(`unexpected argument "${extra[0]}" (use --db to name DBs)`);
  if (command !== "status" && (v["source-profile"] || v["source-region"])) {
    throw usage("--source-profile and --source-region are options of status only");
  }
  if (command === "status" && (v.db || v.before || v.yes))
    throw usage("--db, --before and --yes are options of failover/drill");
  if (command === "drill" && v.yes) throw usage("drill needs no --yes (drill DBs are temporary and always deleted)");
  if (!v.stack) throw usage("--stack is required: the DR stack file, e.g. --stack Pulumi.drprod.yaml");

  const ctx = loadContext(v.stack, io, v.profile, v.json ?? false);
  if (command === "status") {
    const report = await buildStatus(ctx, {
      ...(v["source-profile"] ? { sourceProfile: v["source-profile"] } : {}),
      ...(v["source-region"] ? { sourceRegion: v["source-region"] } : {}),
    });
    if (ctx.json) io.out(JSON.stringify(report, null, 2));
    else for (const l of renderStatus(ctx, report)) io.out(l);
    return 0;
  }
  return runRestore(ctx, command === "drill" ? "drill" : "restore", {
    dbIds: v.db ?? [],
    ...(v.before !== undefined ? { before: v.before } : {}),
    yes: v.yes ?? false,
    wait: !(v["no-wait"] ?? false),
    ...(v["state-machine-arn"] ? { stateMachineArn: v["state-machine-arn"] } : {}),
  });
}

function loadContext(stackFile: string, io: CliIo, profile: string | undefined, json: boolean): CliContext {
  let stack: ReturnType<typeof loadStackFile>;
  try {
    stack = loadStackFile(stackFile);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") throw usage(`stack file ${stackFile} not found`);
    throw usage(errorMessage(err).split("\n").join("; "));
  }
  if (stack.role === "source") {
    throw usage(`${stackFile} is a source stack (rds-pilot-light:role source); pass the DR stack file`);
  }
  let settings: ReturnType<typeof parseRecoverySettings>;
  try {
    settings = parseRecoverySettings(stack.restore, stack);
  } catch (err) {
    throw usage(errorMessage(err).split("\n").join("; "));
  }
  return {
    io,
    stack,
    settings,
    stackFile,
    ...(profile ? { profile } : {}),
    json,
    colors: colorsFor(io.isTTY && !json),
  };
}

/** The real process's ports. */
export function processIo(): CliIo {
  return {
    out: (l) => process.stdout.write(`${l}\n`),
    err: (l) => process.stderr.write(`${l}\n`),
    progress: (l) => process.stdout.write(`\r${l}\u001b[K`),
    isTTY: Boolean(process.stdout.isTTY),
    aws: liveAws(),
    now: () => new Date(),
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  };
}

if (require.main === module) {
  runCli(process.argv.slice(2), processIo()).then((code) => {
    process.exitCode = code;
  });
}
