/**
 * Bench section `floor`: what each layer of the simulator costs per unit of work with nothing of ours in it, and what
 * that floor alone costs at the counts of the issue 10 run (scenarios/twenty-dbs.yaml, 20 DBs x 7 virtual days;
 * target < 10 s of CPU). Each figure is CPU time (user + system, `process.cpuUsage`, this process) over many
 * repetitions after a warm-up, divided by the repetitions:
 *
 * - executor: the copy state machine as the components build it (check loop included), run by the simulator's fast
 *   executor (sim/aslInterpreter.ts) and, for comparison, by the reference (aws-local-stepfunctions) through
 *   sim/localStepFunctions.ts inside the engine (virtual Waits), its Lambdas trivial
 *   handlers that return a fixed summary (pending until the last check): CPU per state entered, and per execution of a
 *   one-state machine (the fixed cost of an execution);
 * - engine: a virtual timer that does nothing (one engine event and the settling turn after it);
 * - SDK call: `DescribeDBClusterSnapshots` for one DB through a real RDSClient answered by the model (sim/aws), the
 *   SDK's retry middleware included, for a DB with no snapshots (SDK and model overhead alone) and with 48;
 * - Lambda run: one invocation through the simulator's runtime (sim/lambdaRuntime.ts) of a handler that returns at
 *   once, and one through `lambdaHandler` (middy + Powertools Logger/Metrics middlewares, what a deployed Lambda runs;
 *   the simulator does not run it) for comparison.
 *
 * The counts (executions, states, Lambda runs, SDK calls, engine events) are read from one virtual day of
 * scenarios/twenty-dbs.yaml run in the same process, then multiplied by 7. Everything runs in one child process from
 * an esbuild bundle of bench/floorChild.ts, as the sim-cpu figure runs the simulator.
 */
import { spawnSync } from "node:child_process";
import { relative, resolve } from "node:path";
import { DescribeDBClusterSnapshotsCommand } from "@aws-sdk/client-rds";
import type { Context } from "aws-lambda";
import { buildStepDefinition } from "../components/shared/stateMachines";
import { COPY_CHECK_WAIT_SECONDS, copyCheckLoop } from "../config";
import { lambdaHandler } from "../functions/lib/lambda";
import { RdsWorld } from "../sim/aws/rdsModel";
import { buildSimulatorBundle } from "../sim/bundle";
import { Engine } from "../sim/engine";
import { SimLambdaRuntime } from "../sim/lambdaRuntime";
import { type Executor, executorCounts, runStateMachine } from "../sim/localStepFunctions";
import { loadScenario } from "../sim/scenario";
import { simulate } from "../sim/simulate";

const ACCOUNT = "111111111111";
const REGION = "eu-west-1";
const START = Date.parse("2026-01-05T00:00:00Z");
const COPY_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:rpl-floor-copy`;
const CHECK_ARN = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:rpl-floor-check`;
/** Issue 10's CPU target for twenty-dbs (20 DBs x 7 virtual days), user + system seconds. */
const TARGET_S = 10;
const DAYS = 7;

/** CPU microseconds per repetition of `body` (run `reps` times after `warm` warm-up repetitions). */
async function cpuPer(reps: number, warm: number, body: (i: number) => Promise<void>): Promise<number> {
  for (let i = 0; i < warm; i++) await body(i);
  const before = process.cpuUsage();
  for (let i = 0; i < reps; i++) await body(i);
  const d = process.cpuUsage(before);
  return (d.user + d.system) / reps;
}

/** Runs `body` as one engine process (virtual timers) and the engine until it has finished. */
async function inEngine(body: (engine: Engine) => Promise<void>): Promise<void> {
  const engine = new Engine(START);
  let failure: unknown;
  engine.spawn("floor", () =>
    body(engine).catch((e: unknown) => {
      failure = e;
    }),
  );
  await engine.runUntil(START + 365 * 86_400_000);
  if (failure) throw failure;
}

/** A trivial Copy/check summary: pending work until `checksLeft` reaches 0, then done. */
function summary(pending: number) {
  return { pending, waiting: 0, ready: 0, failed: 0, leftPending: 0, nextCheckSeconds: COPY_CHECK_WAIT_SECONDS };
}

/** The copy machine with its check loop, as the simulator runs it (config/derive.ts copyCheckLoop defaults). */
function copyMachine(): object {
  return buildStepDefinition({
    stepName: "Copy",
    functionArn: COPY_ARN,
    check: { functionArn: CHECK_ARN, ...copyCheckLoop({ expectedCopyMinutes: 60, copyCheckMaxWaitMinutes: 15 }) },
  });
}

interface ExecutorFloor {
  usPerState: number;
  statesPerExecution: number;
  usPerExecution: number;
}

async function executorFloor(executor: Executor): Promise<ExecutorFloor> {
  const definition = copyMachine();
  const checks = 8;
  let states = 0;
  let executions = 0;
  const runLoop = async () =>
    inEngine(async () => {
      let left = checks;
      const handlers = {
        [COPY_ARN]: async () => summary(1),
        [CHECK_ARN]: async () => summary(--left > 0 ? 1 : 0),
      };
      const r = await runStateMachine(definition, { handlers, input: {}, onWait: (s) => s * 1000, executor });
      if (r.status !== "SUCCEEDED") throw new Error(`floor: the copy loop ended ${r.status} ${r.error ?? ""}`);
      states += r.states.length;
      executions++;
    });
  // Enough warm-up for the optimising compiler to be done with the executor (its background threads' CPU counts in
  // process.cpuUsage): with 30 loops the fast executor's figure was mostly compilation (15 µs a state, not 3).
  const fast = executor === "fast";
  const usPerLoop = await cpuPer(fast ? 2000 : 200, fast ? 500 : 50, runLoop);
  const statesPerExecution = states / executions;
  const trivial = { StartAt: "Only", States: { Only: { Type: "Pass", End: true } } };
  const usPerExecution = await cpuPer(fast ? 5000 : 2000, fast ? 2000 : 300, () =>
    inEngine(async () => {
      await runStateMachine(trivial, { handlers: {}, input: {}, executor });
    }),
  );
  // The loop's own execution is counted once under the fixed cost, not spread over its states.
  return { usPerState: (usPerLoop - usPerExecution) / statesPerExecution, statesPerExecution, usPerExecution };
}

async function engineFloor(): Promise<number> {
  const n = 20_000;
  const engine = new Engine(START);
  for (let i = 0; i < 2000; i++) engine.after(i, () => {});
  await engine.runUntil(START + 2000);
  const before = process.cpuUsage();
  for (let i = 0; i < n; i++) engine.after(1000 + i, () => {});
  await engine.runUntil(START + 1000 + n);
  const d = process.cpuUsage(before);
  return (d.user + d.system) / n;
}

async function sdkFloor(snapshots: number): Promise<number> {
  let now = START;
  const world = new RdsWorld({ clock: () => new Date(now) });
  world.addDbCluster(ACCOUNT, REGION, { id: "floor-db" });
  for (let i = 0; i < snapshots; i++) {
    world.addSnapshot(ACCOUNT, REGION, {
      kind: "cluster",
      id: `rpl-floor-db-${i}`,
      dbId: "floor-db",
      createdAt: new Date(START - (i + 1) * 3_600_000),
    });
  }
  now += 1000;
  const rds = world.clients(ACCOUNT).rds(REGION);
  const cmd = () => new DescribeDBClusterSnapshotsCommand({ DBClusterIdentifier: "floor-db", SnapshotType: "manual" });
  const out = await rds.send(cmd());
  if ((out.DBClusterSnapshots ?? []).length !== snapshots) {
    throw new Error(`floor: the model listed ${out.DBClusterSnapshots?.length} snapshots, not ${snapshots}`);
  }
  return cpuPer(5000, 500, async () => {
    await rds.send(cmd());
  });
}

async function lambdaFloors(): Promise<{ sim: number; middy: number }> {
  let sim = 0;
  await inEngine(async (engine) => {
    const runtime = new SimLambdaRuntime(engine, 1);
    const fn = { functionArn: COPY_ARN, step: "copy", timeoutSeconds: 300 };
    sim = await cpuPer(5000, 500, async () => {
      await runtime.invoke(fn, async () => ({ ok: true }));
    });
  });
  const handler = lambdaHandler(async () => ({ ok: true }), "copy");
  const context = {
    functionName: "rpl-floor-copy",
    functionVersion: "$LATEST",
    invokedFunctionArn: COPY_ARN,
    memoryLimitInMB: "256",
    awsRequestId: "00000000-0000-4000-a000-000000000000",
    logGroupName: "/aws/lambda/rpl-floor-copy",
    logStreamName: "floor",
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 300_000,
  } as unknown as Context;
  // Powertools prints its EMF line (and middy nothing) per run; the cost of writing it is part of a run.
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = (() => true) as typeof process.stdout.write;
  let middy: number;
  try {
    middy = await cpuPer(3000, 300, async () => {
      await handler({}, context);
    });
  } finally {
    process.stdout.write = write;
  }
  return { sim, middy };
}

/**
 * Prints the floors and what each costs at the counts of 20 DBs x 7 days, measured in a child process running an
 * esbuild bundle of bench/floorChild.ts (sim/bundle.ts: the code the sim-cpu figure runs, without tsx's wrappers).
 */
export async function floorFigures(root: string): Promise<void> {
  console.log("== Simulator floor: CPU per unit of work with trivial handlers (user+sys), bundled child process");
  const bundle = resolve(root, "dist", "floor-child.cjs");
  await buildSimulatorBundle(bundle, resolve(root, "bench", "floorChild.ts"));
  const args = [relative(root, bundle), resolve(root, "scenarios", "twenty-dbs.yaml")];
  console.log(`  node ${args.join(" ")}   (the bench builds the bundle from bench/floorChild.ts)`);
  // Powertools' "no application metrics" warnings of the middy runs go to stderr: not shown.
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: ["ignore", "inherit", "pipe"], maxBuffer: 1 << 30 });
  if (r.status !== 0)
    console.log(`  exit ${r.status ?? r.signal}: ${String(r.stderr).trim().split("\n").slice(-3).join(" | ")}`);
}

/** The measurements and the table (bench/floorChild.ts runs this). */
export async function printFloors(scenarioFile: string): Promise<void> {
  const ex = await executorFloor("fast");
  const ref = await executorFloor("reference");
  const engineUs = await engineFloor();
  const sdk0 = await sdkFloor(0);
  const sdk48 = await sdkFloor(48);
  const lambda = await lambdaFloors();

  executorCounts.executions = 0;
  executorCounts.states = 0;
  const day = await simulate({ ...loadScenario(scenarioFile), days: 1 });
  const t = day.report.totals;
  const runs = day.report.machines.reduce((a, m) => a + m.handlerRuns, 0);
  const counts = {
    executions: executorCounts.executions * DAYS,
    states: executorCounts.states * DAYS,
    runs: runs * DAYS,
    calls: t.apiCalls * DAYS,
    events: day.engineEvents * DAYS,
  };
  const row = (what: string, usEach: number, count: number, unit: string) => {
    const s = (usEach * count) / 1e6;
    console.log(
      `  ${what.padEnd(58)} ${usEach.toFixed(1).padStart(7)} µs x ${String(count).padStart(8)} ${unit.padEnd(10)} = ` +
        `${s.toFixed(1).padStart(5)} s (${((100 * s) / TARGET_S).toFixed(0).padStart(3)} % of ${TARGET_S} s)`,
    );
    return s;
  };
  console.log(
    `  copy loop with trivial Lambdas: ${ex.statesPerExecution.toFixed(0)} states per execution of 8 checks ` +
      `(${(ex.statesPerExecution / 8).toFixed(1)} per check)`,
  );
  let sum = 0;
  sum += row(
    "executor (fast), per state entered (glue + sim/aslInterpreter.ts)",
    ex.usPerState,
    counts.states,
    "states",
  );
  sum += row(
    "executor (fast), fixed cost per execution (one Pass state)",
    ex.usPerExecution,
    counts.executions,
    "execs",
  );
  row("executor (reference), per state entered (aws-local-stepfunctions)", ref.usPerState, counts.states, "states");
  row("executor (reference), fixed cost per execution", ref.usPerExecution, counts.executions, "execs");
  sum += row("engine, per event (timer + settling turn)", engineUs, counts.events, "events");
  sum += row("SDK call, RDSClient -> model, DB without snapshots", sdk0, counts.calls, "calls");
  row("SDK call, RDSClient -> model, DB with 48 snapshots", sdk48, counts.calls, "calls");
  sum += row("Lambda run, simulator runtime (trivial handler)", lambda.sim, counts.runs, "runs");
  row("Lambda run, middy + Powertools lambdaHandler (not simulated)", lambda.middy, counts.runs, "runs");
  console.log(
    `  floor of the layers the simulator runs (fast executor, engine, SDK without snapshots, runtime): ${sum.toFixed(1)} s ` +
      `of CPU for ${DAYS} days, before any handler, planner or model work`,
  );
}
