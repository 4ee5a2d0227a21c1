/**
 * Operator CLI of rds-pilot-light (`npm run dr -- <command>`, or `npx rds-pilot-light <command>`), on commander:
 *
 *   check    [stack]                          validate a stack offline, show what preview would deploy
 *   status   -s <stack> [-p profile]          newest copies in the DR region, ages vs the RPO (exit 1 if stale)
 *   failover -s <stack> [-d db]... [-b time]  restore from the DR region's copies (asks first; -y skips)
 *   drill    -s <stack> [-d db]...            restore into temporary rpl-drill-* DBs, check, delete (asks first)
 *
 * `<stack>` is a stack name (`drprod` -> Pulumi.drprod.yaml; the stack's outputs are read with `pulumi stack
 * output`) or a stack file path. Errors print one line per problem and exit non-zero (1: failed or stale, 2: bad
 * usage); `--json` prints results and errors as JSON on stdout; `--debug` adds stack traces. See docs/cli.md.
 */
import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline/promises";
import { Command, CommanderError, Option } from "commander";
import { loadStackFile, recoveryRegion, resolveStackFile } from "../config";
import { ConfigError, errorMessage, errorName } from "../functions/lib/errors";
import { parseRecoverySettings } from "../functions/restore/stackConfig";
import { liveAws } from "./aws";
import { runCheck } from "./check";
import type { CliContext, CliIo } from "./context";
import { CliError, usage } from "./errors";
import { colorEnabled, colorsFor } from "./format";
import { runRestore } from "./restore";
import { buildStatus, renderStatus } from "./status";

/** Version of the package (package.json). */
export const VERSION = (JSON.parse(readFileSync(join(__dirname, "..", "package.json"), "utf8")) as { version: string })
  .version;

interface GlobalOptions {
  json?: boolean;
  debug?: boolean;
  color?: boolean;
}

/** Builds the commander program; `exit` receives each command's exit code. */
export function buildProgram(io: CliIo, exit: (code: number) => void): Command {
  const program = new Command("rds-pilot-light")
    .description(
      "Operator CLI of rds-pilot-light: check a stack offline; show DR freshness, fail over and drill, talking only to the DR region.",
    )
    .version(VERSION, "-V, --version", "print the version")
    .option("--json", "print results and errors as JSON on stdout")
    .option("--no-color", "no colours (also: NO_COLOR=1, or output that is not a terminal)")
    .option("--debug", "print stack traces on errors")
    .helpOption("-h, --help", "show help for a command")
    .configureHelp({ showGlobalOptions: true })
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => {
        for (const l of s.replace(/\n$/, "").split("\n")) io.out(l);
      },
      writeErr: (s) => {
        for (const l of s.replace(/\n$/, "").split("\n")) io.err(l);
      },
      // Commander's own errors (unknown option, missing argument) are printed by runCli, as text or JSON.
      outputError: () => {},
    });
  const stackOption = () =>
    new Option("-s, --stack <stack>", "DR stack: a stack name (drprod) or a stack file (Pulumi.drprod.yaml)");
  const profileOption = () =>
    new Option("-p, --profile <name>", "AWS profile of the DR account (default: the SDK's credential chain)");
  const globals = (cmd: Command) => cmd.optsWithGlobals<GlobalOptions>();

  program
    .command("check")
    .description("validate a stack file offline and print what preview would deploy (exit 1 naming every problem)")
    .argument("[stack]", "stack name (prod -> Pulumi.prod.yaml) or stack file")
    .addOption(new Option("-s, --stack <stack>", "same as the [stack] argument"))
    .action((arg: string | undefined, o: { stack?: string }, cmd: Command) => {
      const g = globals(cmd);
      const stack = arg ?? o.stack;
      if (!stack) throw usage("check needs a stack: npm run check -- prod (or a Pulumi.<stack>.yaml path)");
      exit(runCheck(stack, io, { json: g.json ?? false, colors: colorsFor(colorEnabled(io, g)) }));
    });

  program
    .command("status")
    .description(
      "newest copy of every DB in the DR region, its age against the RPO, snapshot quotas (exit 1 if any is stale or missing)",
    )
    .addOption(stackOption().makeOptionMandatory())
    .addOption(profileOption())
    .option(
      "--source-profile <name>",
      "also show the source account's newest snapshots and sharing (calls the source region)",
    )
    .option("--source-region <region>", "region of the source DBs (default: from the copies' tags)")
    .action(async (o: { stack: string; profile?: string; sourceProfile?: string; sourceRegion?: string }, cmd) => {
      const ctx = await loadContext(o.stack, io, o.profile, globals(cmd));
      const report = await buildStatus(ctx, {
        ...(o.sourceProfile ? { sourceProfile: o.sourceProfile } : {}),
        ...(o.sourceRegion ? { sourceRegion: o.sourceRegion } : {}),
      });
      if (ctx.json) io.out(JSON.stringify(report, null, 2));
      else for (const l of renderStatus(ctx, report)) io.out(l);
      exit(report.attention.length > 0 ? 1 : 0);
    });

  const restoreCommand = (name: "failover" | "drill", description: string) =>
    program
      .command(name)
      .description(description)
      .addOption(stackOption().makeOptionMandatory())
      .addOption(profileOption())
      .addOption(
        new Option("-d, --db <id>", "a DB to restore (dbId or account/dbId); repeat for more (default: all)").argParser(
          (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
        ),
      )
      .option("-b, --before <time>", "newest copy at or before this ISO time, e.g. 2026-11-25T06:00:00Z")
      .option("-y, --yes", "start without asking (needed when stdin is not a terminal)")
      .option("-n, --dry-run", "only show the plan")
      .option("--no-wait", "print the execution ARN instead of following it")
      .option("--state-machine-arn <arn>", "restore state machine (default: the stack's output, else derived)")
      .action(
        async (
          o: {
            stack: string;
            profile?: string;
            db?: string[];
            before?: string;
            yes?: boolean;
            dryRun?: boolean;
            wait: boolean;
            stateMachineArn?: string;
          },
          cmd: Command,
        ) => {
          const ctx = await loadContext(o.stack, io, o.profile, globals(cmd));
          exit(
            await runRestore(ctx, name === "drill" ? "drill" : "restore", {
              dbIds: o.db ?? [],
              ...(o.before !== undefined ? { before: o.before } : {}),
              yes: o.yes ?? false,
              dryRun: o.dryRun ?? false,
              wait: o.wait,
              ...(o.stateMachineArn ? { stateMachineArn: o.stateMachineArn } : {}),
            }),
          );
        },
      );
  restoreCommand(
    "failover",
    "restore DBs in the DR region from their newest copies (or the newest at or before --before); shows the plan with ages vs the RPO and asks before starting",
  );
  restoreCommand(
    "drill",
    "restore into temporary rpl-drill-* DBs, check them and delete them (what the weekly drill does); asks before starting",
  );
  return program;
}

/** Runs the CLI with `argv` (without node and script); returns the exit code. Never throws. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const json = argv.includes("--json");
  const debug = argv.includes("--debug");
  let code = 0;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    if (argv.length === 0) {
      program.outputHelp({ error: true });
      return 2;
    }
    await program.parseAsync([...argv], { from: "user" });
    return code;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version end here too, with exit code 0.
      if (err.exitCode === 0) return 0;
      return report(
        io,
        new CliError(`${err.message.replace(/^error: /, "")} (see --help)`, { exitCode: 2 }),
        json,
        debug,
      );
    }
    return report(io, err, json, debug);
  }
}

function report(io: CliIo, err: unknown, json: boolean, debug: boolean): number {
  const cli = err instanceof CliError ? err : undefined;
  const exitCode = cli?.exitCode ?? 1;
  const problems = cli?.problems ?? [`${errorName(err)}: ${errorMessage(err).split("\n")[0]}`];
  if (json) {
    io.out(JSON.stringify({ ok: false, error: { exitCode, problems } }, null, 2));
  } else {
    for (const p of problems) io.err(`rds-pilot-light: error: ${p}`);
  }
  if (debug && err instanceof Error) io.err(err.stack ?? String(err));
  return exitCode;
}

/** Loads the DR stack, its recovery settings and (when a stack name was given) nothing more: outputs load lazily. */
async function loadContext(
  stackArg: string,
  io: CliIo,
  profile: string | undefined,
  g: GlobalOptions,
): Promise<CliContext> {
  let stack: ReturnType<typeof loadStackFile>;
  let file: string;
  try {
    file = resolveStackFile(stackArg, io.cwd);
    stack = loadStackFile(file, io.cwd);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message, { cause: err, problems: err.message.split("\n") });
    throw err;
  }
  if (stack.role === "source") {
    throw usage(`${stack.source} is a source stack (rds-pilot-light:role source); pass the DR stack`);
  }
  let settings: ReturnType<typeof parseRecoverySettings>;
  try {
    settings = parseRecoverySettings(stack.restore, stack);
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message, { cause: err, problems: err.message.split("\n") });
    throw err;
  }
  const json = g.json ?? false;
  const isName = !existsSync(resolve(io.cwd, stackArg)) && !/\.ya?ml$/i.test(stackArg);
  return {
    io,
    stack,
    settings,
    stackFile: file,
    ...(isName ? { stackName: stackArg } : {}),
    region: recoveryRegion(stack),
    ...(profile ? { profile } : {}),
    json,
    colors: colorsFor(colorEnabled(io, g)),
  };
}

/** `pulumi stack output --json --stack <name>`, spawned in `cwd`. */
export function pulumiStackOutputs(stackName: string, cwd: string): Promise<Record<string, unknown>> {
  return new Promise((resolvePromise, reject) => {
    execFile(
      "pulumi",
      ["stack", "output", "--json", "--stack", stackName],
      { cwd, timeout: 60_000, maxBuffer: 4 * 1024 * 1024 },
      (err, stdout, stderr) => {
        if (err) {
          const reason =
            (err as NodeJS.ErrnoException).code === "ENOENT"
              ? "pulumi is not on PATH"
              : (stderr.trim().split("\n")[0] ?? err.message);
          reject(new Error(reason));
          return;
        }
        try {
          resolvePromise(JSON.parse(stdout) as Record<string, unknown>);
        } catch {
          reject(new Error("pulumi stack output printed no JSON"));
        }
      },
    );
  });
}

/** The real process's ports. */
export function processIo(): CliIo {
  return {
    out: (l) => process.stdout.write(`${l}\n`),
    err: (l) => process.stderr.write(`${l}\n`),
    isTTY: Boolean(process.stdout.isTTY),
    stdinIsTTY: Boolean(process.stdin.isTTY),
    env: process.env,
    cwd: process.cwd(),
    confirm: async (question) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return /^(y|yes)$/i.test((await rl.question(question)).trim());
      } finally {
        rl.close();
      }
    },
    stackOutputs: (name) => pulumiStackOutputs(name, process.cwd()),
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
