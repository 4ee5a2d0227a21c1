/**
 * `npm run bench`: prints figures, never pass/fail.
 *
 * 1. Worst-case recovery-point age and GB copied per day per DR stage of fan-out vs two-step (same DBs:
 *    scenarios/fanout-vs-two-step-*.yaml) and of the default scenario vs seed-schedule (same DBs), with the ratios;
 *    the simulation wall time of those four and of scenarios/twenty-dbs.yaml for 1 virtual day.
 * 2. RDS API calls per handler run for 10, 100 and 1,000 DBs with 48 snapshots each: listing calls grow with pages
 *    (100 items per page), not with snapshots; plus each handler run's wall time at that size (model included), and
 *    the time of the pure planners alone on the same inputs (no model, no SDK).
 * 3. Bundle size of each Lambda (esbuild API, `@aws-sdk/*` external, minified, not written to disk).
 * 4. CPU time (user + system) of the 20 DB x 7 day simulation (scenarios/twenty-dbs.yaml) in a child process.
 * 5. The SDK's adaptive vs standard retry mode under the model's rate-based throttling (bench/retryMode.ts).
 * 6. The `thousand-dbs` scenario (1,000 DBs, 1 day, AWS's API budget) in a bundled child process: CPU time,
 *    executions failed for throttling, peak and mean API requests per account and region against the budget, DBs met /
 *    missed / infeasible, and a verdict per goal of issue 10 (bench/thousand.ts).
 *
 * 7. Every other shipped scenario for its full length, one row per scenario (bench/scenarios.ts): the figures of
 *    docs/simulation.md "Measured results".
 * 8. The floor of each layer the simulator runs (executor, engine, SDK call, Lambda run) with trivial handlers, and
 *    what it costs at the counts of the 20 DB x 7 day run (bench/floor.ts).
 *
 * Arguments pick sections: `rpo`, `calls` (handler calls and planner times), `bundles`, `sim-cpu`, `retry`, `floor`,
 * `thousand` (`thousand:N` for N of its DBs), `scenarios`; none = all. `sim-cpu:reference` (never implied) runs the
 * `sim-cpu` simulations on the reference executor (aws-local-stepfunctions) instead of the fast one.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { relative, resolve } from "node:path";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { build } from "esbuild";
import { type PilotLightConfig, parseStackConfig, type Step } from "../config";
import type { CopyConfig } from "../functions/copy/config";
import { planCopy } from "../functions/copy/plan";
import { listCopyState } from "../functions/copy/state";
import type { ExpireConfig } from "../functions/expire/config";
import { planExpire } from "../functions/expire/plan";
import type { AwsClients } from "../functions/lib/clients";
import { sourceSnapshotId } from "../functions/lib/identifiers";
import { listDbs, listSnapshots, PAGE_SIZE } from "../functions/lib/rds";
import { MANAGED_BY_VALUE, TAG } from "../functions/lib/tags";
import { planShare, SHARED_EVENT_DETAIL_TYPE, SHARED_EVENT_SOURCE } from "../functions/share/plan";
import type { TakeConfig } from "../functions/take/config";
import { planTake } from "../functions/take/plan";
import { RdsWorld } from "../sim/aws/rdsModel";
import { buildSimulatorBundle } from "../sim/bundle";
import { polyfillPromiseWithResolvers } from "../sim/polyfills";
import type { SimulationReport } from "../sim/report";
import { defaultScenario, loadScenario } from "../sim/scenario";
import { loadStepConfig, loadStepHandler, simulate } from "../sim/simulate";
import { floorFigures } from "./floor";
import { lambdaNode } from "./lambdaNode";
import { retryFigures } from "./retryMode";
import { scenarioFigures } from "./scenarios";
import { simSplitFigures, threadCpuLine, timedRun } from "./simSplit";
import { printSweepHeader, wholeSweepRows } from "./sweeps";
import { thousandFigures } from "./thousand";

// The SDK warns once per process on Node.js 20 that future versions need Node.js 22; the simulator's output is
// its report, so silence it with the SDK's documented switch (aws/aws-sdk-js-v3#7983) unless the user set it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";

const ROOT = resolve(__dirname, "..");
const SOURCE = "111111111111";
const DR = "222222222222";
const REGION = "eu-west-1";
const DR_REGION = "eu-central-1";
const SNAPSHOTS_PER_DB = 48;
const SIZES = [10, 100, 1000] as const;
const LAMBDAS = ["take", "share", "copy", "check", "expire", "freshness", "restore"] as const;

/**
 * Issue 10's "Done when" figures gathered from the sections that ran, printed last as one summary (each line is the
 * figure its section printed above, with the target and the verdict).
 */
const GOALS: string[] = [];
const verdict = (ok: boolean) => (ok ? "met" : "NOT met");

async function main(): Promise<void> {
  polyfillPromiseWithResolvers();
  const only = new Set(process.argv.slice(2));
  const want = (k: string) => only.size === 0 || only.has(k);
  if (want("rpo")) await rpoFigures();
  if (want("calls")) {
    if (process.env[CALLS_CHILD] === "1") await callFigures();
    else callFiguresInChild();
  }
  if (want("bundles")) await bundleFigures();
  if (want("sim-cpu")) await simulationCpuFigures();
  // The same runs on the reference executor (aws-local-stepfunctions): same report sha256, more CPU.
  if (only.has("sim-cpu:reference")) await simulationCpuFigures("reference");
  // Start-up, 1, 2 and 7 days and the week by DB kind, each with its thread split (bench/simSplit.ts; ~25 s CPU).
  if (only.has("sim-split")) await simSplit();
  if (want("retry")) await retryFigures();
  if (want("floor")) await floorFigures(ROOT);
  // After sim-cpu, whose figure reads the children's CPU time so far. `thousand:250` runs 250 of the 1,000 DBs.
  const thousandSizes = [...only].filter((a) => a.startsWith("thousand:")).map((a) => Number(a.slice(9)));
  if (want("thousand") || thousandSizes.length > 0)
    GOALS.push(...(await thousandFigures(ROOT, thousandSizes.length > 0 ? thousandSizes : [1000])));
  if (want("scenarios")) await scenarioFigures(ROOT);
  if (GOALS.length > 0) {
    console.log("== Issue 10 goals, from the sections of this run");
    for (const g of GOALS) console.log(`  ${g}`);
  }
}

function worst(r: SimulationReport): number {
  let max = 0;
  for (const d of r.dbs) for (const s of Object.values(d.stages)) if (s) max = Math.max(max, s.max);
  return max;
}

/** GB copied per day into a DR stage, summed over the DBs (the transfer bill). */
function gbPerDay(r: SimulationReport, stage: "dr" | "dr-region"): number {
  return r.dbs.reduce((a, d) => a + (d.stages[stage]?.gbCopiedPerDay ?? 0), 0);
}

/** The copy mode(s) of a run, as its feasibility section names them. */
function modesOf(r: SimulationReport): string {
  return [...new Set(r.feasibility?.map((f) => f.mode) ?? [])].join("+") || "-";
}

async function rpoFigures(): Promise<void> {
  // Two pairs with the same DBs, durations and seed: fan-out vs two-step (scenarios/fanout-vs-two-step-*.yaml,
  // 3 virtual days), and the default (events, fan-out) vs the reference tool's independent schedules
  // (scenarios/seed-schedule.yaml, 7 virtual days).
  const fan = await simulate(loadScenario(resolve(ROOT, "scenarios/fanout-vs-two-step-fan-out.yaml")));
  const two = await simulate(loadScenario(resolve(ROOT, "scenarios/fanout-vs-two-step-two-step.yaml")));
  const def = await simulate(defaultScenario());
  const seed = await simulate(loadScenario(resolve(ROOT, "scenarios/seed-schedule.yaml")));
  console.log("== Worst-case recovery-point age (any DB, any stage, after warm-up) and GB copied per day");
  console.log(
    `  ${"scenario".padEnd(34)} ${"mode".padEnd(9)} ${"days".padStart(4)} ${"worst min".padStart(9)} ` +
      `${"misses".padStart(6)} ${"GB/d dr".padStart(9)} ${"GB/d dr-region".padStart(14)}`,
  );
  for (const r of [fan, two, def, seed]) {
    const rep = r.report;
    console.log(
      `  ${rep.scenario.name.padEnd(34)} ${modesOf(rep).padEnd(9)} ${String(rep.scenario.days).padStart(4)} ` +
        `${worst(rep).toFixed(1).padStart(9)} ${String(rep.missedRpo.length).padStart(6)} ` +
        `${gbPerDay(rep, "dr").toFixed(1).padStart(9)} ${gbPerDay(rep, "dr-region").toFixed(1).padStart(14)}`,
    );
  }
  const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(2) : "n/a");
  const region = (r: SimulationReport) => gbPerDay(r, "dr-region");
  console.log(
    `  ratio two-step / fan-out (same DBs): worst ${ratio(worst(two.report), worst(fan.report))}, ` +
      `DR-region GB/day ${ratio(region(two.report), region(fan.report))}`,
  );
  console.log(
    `  ratio seed-schedule / default (same DBs): worst ${ratio(worst(seed.report), worst(def.report))}, ` +
      `DR-region GB/day ${ratio(region(seed.report), region(def.report))}`,
  );
  console.log(
    `  API calls over the run: default ${def.report.totals.apiCalls}, seed-schedule ${seed.report.totals.apiCalls}`,
  );
  console.log("== Simulation wall time (this process, one core)");
  // twenty-dbs runs 1 virtual day here, not the scenario's 7: a week of 20 DBs takes many minutes of wall time.
  const twenty = await simulate({ ...loadScenario(resolve(ROOT, "scenarios/twenty-dbs.yaml")), days: 1 });
  for (const [name, r] of [
    ["fanout-vs-two-step-fan-out (3 DBs, 3 days)", fan],
    ["fanout-vs-two-step-two-step (3 DBs, 3 days)", two],
    ["default (3 DBs, 7 days)", def],
    ["seed-schedule (3 DBs, 7 days)", seed],
    ["twenty-dbs (20 DBs, 1 day)", twenty],
  ] as const) {
    const t = r.report.totals;
    console.log(
      `  ${name.padEnd(44)} ${(r.wallMs / 1000).toFixed(1).padStart(6)} s  ` +
        `(${t.executions} executions, ${t.apiCalls} API calls, RPO misses: ${r.report.missedRpo.length} DBs)`,
    );
  }
}

/**
 * The bench's RDS world: `n` DB instances in the source account, each with {@link SNAPSHOTS_PER_DB} Taker snapshots
 * 30 minutes apart, the newest 20 minutes old; keys in both accounts. `advance(minutes)` moves its clock.
 */
function seedWorld(n: number) {
  let now = Date.parse("2026-01-06T00:10:00Z");
  const clock = () => new Date(now);
  const advance = (minutes: number) => {
    now += minutes * 60_000;
  };
  const world = new RdsWorld({
    clock,
    quotas: { manualSnapshots: 100_000, manualClusterSnapshots: 100_000, copiesInFlightPerRegion: 20 },
  });
  const srcKey = world.createKey(SOURCE, REGION, { allowAccounts: [DR] });
  const drKey = world.createKey(DR, REGION);
  const drRegionKey = world.createKey(DR, DR_REGION);
  for (let i = 0; i < n; i++) {
    const dbId = `db-${String(i).padStart(4, "0")}`;
    world.addDbInstance(SOURCE, REGION, { id: dbId, sizeGb: 20, kmsKeyArn: srcKey });
    for (let k = 0; k < SNAPSHOTS_PER_DB; k++) {
      const at = new Date(now - (k + 1) * 30 * 60_000 + 10 * 60_000);
      world.addSnapshot(SOURCE, REGION, {
        kind: "instance",
        id: sourceSnapshotId(dbId, at),
        dbId,
        createdAt: at,
        kmsKeyArn: srcKey,
        tags: {
          [TAG.managedBy]: MANAGED_BY_VALUE,
          [TAG.sourceDb]: dbId,
          [TAG.sourceKind]: "instance",
          [TAG.sourceAccount]: SOURCE,
          [TAG.sourceRegion]: REGION,
          [TAG.recoveryPoint]: at.toISOString(),
          [TAG.stage]: "source",
        },
      });
    }
  }
  return { world, clock, advance, srcKey, drKey, drRegionKey };
}

function benchConfig(role: "source" | "dr", dbs: number): PilotLightConfig {
  const common = {
    rpoMinutes: 60,
    maxDbs: dbs,
    manualSnapshotQuota: 100_000,
    retention: { allHours: 24, dailyDays: 14, weeklyWeeks: 8, monthlyMonths: 6, minKeep: 3 },
  };
  const raw =
    role === "source"
      ? { role, drAccounts: [DR], ...common }
      : { role, sourceAccounts: [SOURCE], drRegion: DR_REGION, ...common };
  return parseStackConfig(raw, `bench-${role}`, { region: REGION });
}

/**
 * One listing a sweep needs: every snapshot of one type in one account and region (both kinds), or (`dbs`) every DB
 * instance and cluster (the Sharer's deleted-DB check).
 */
interface Listing {
  readonly account: string;
  readonly region: string;
  readonly type: "manual" | "shared" | "dbs";
}

/**
 * Pages one pass over `listings` takes: per listing and kind, max(1, ceil(items / PAGE_SIZE)). The items are counted
 * with one listing each (its own calls are not counted against the run measured next).
 */
async function onePassPages(world: RdsWorld, listings: readonly Listing[]): Promise<number> {
  let pages = 0;
  for (const l of listings) {
    const rds = world.clients(l.account).rds(l.region);
    const items = l.type === "dbs" ? await listDbs(rds) : await listSnapshots(rds, { type: l.type });
    for (const kind of ["instance", "cluster"] as const) {
      pages += Math.max(1, Math.ceil(items.filter((s) => s.kind === kind).length / PAGE_SIZE));
    }
  }
  return pages;
}

/** Counts calls by the world's own record, split into listing (Describe*) and the rest. */
function countSince(world: RdsWorld, from: number): { list: number; write: number } {
  let list = 0;
  let write = 0;
  for (const c of world.calls.slice(from)) {
    if (c.command.startsWith("Describe") || c.command.startsWith("List")) list++;
    else write++;
  }
  return { list, write };
}

/** Set in the child process {@link callFiguresInChild} starts: that process runs the `calls` section itself. */
const CALLS_CHILD = "RPL_BENCH_CALLS_CHILD";

/**
 * Runs the `calls` section in a fresh child process (this script, same Node.js flags and loader, argument `calls`)
 * and prints its output, taking its goal lines into this run's summary. The planner times depend on the heap the
 * process has built up: after the `rpo` simulations in the same process (`npm run bench`) the heap held ~600-800 MB,
 * every young-generation collection took ~10-60 ms instead of ~1-2 ms (V8 `--trace-gc`), and the planners, which
 * allocate their results, measured up to twice their time in a fresh process (docs/performance.md, branch
 * `copyrun`). A fresh process is what a Lambda container runs a handler in, and it makes the figure independent of
 * the sections run before it, like the `sim-cpu` figure.
 */
function callFiguresInChild(): void {
  const r = spawnSync(process.execPath, [...process.execArgv, __filename, "calls"], {
    cwd: ROOT,
    env: { ...process.env, [CALLS_CHILD]: "1" },
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 1 << 30,
  });
  const out = String(r.stdout ?? "");
  const at = out.indexOf("== Issue 10 goals");
  process.stdout.write(at < 0 ? out : out.slice(0, at));
  if (at >= 0) {
    for (const line of out.slice(at).split("\n").slice(1)) if (line.trim()) GOALS.push(line.trim());
  }
  if (r.status !== 0) throw new Error(`calls section (child process) exited with ${r.status ?? r.signal}`);
}

async function callFigures(): Promise<void> {
  const planners: PlannerTimes[] = [];
  console.log(`== RDS API calls per handler run (${SNAPSHOTS_PER_DB} snapshots per DB; listing = Describe*/List*)`);
  console.log(
    `  Listing calls grow with pages, not snapshots: one Describe* call returns up to ${PAGE_SIZE} items, so listing\n` +
      `  ${SNAPSHOTS_PER_DB} x N snapshots takes ceil(${SNAPSHOTS_PER_DB} x N / ${PAGE_SIZE}) calls per listing (N = 1,000: ` +
      `${Math.ceil((SNAPSHOTS_PER_DB * 1000) / PAGE_SIZE)}), plus\n` +
      "  one page per empty kind. 'share (first)' shares every snapshot (one modify + one tag call per snapshot),\n" +
      "  so its other calls grow with snapshots by design; 'share (again)' is the steady state. 'wall ms' is the whole\n" +
      "  handler run against the in-memory model (listing included); the pure planner times follow the table.",
  );
  console.log(
    "  'one pass' (sweeps) = the pages of listing each listing the run needs once: sum over listings of\n" +
      `  max(1, ceil(items / ${PAGE_SIZE})), counted from the model's snapshots before the run (+1 DescribeKey per\n` +
      "  KMS key for a Sharer that shares). Targets are issue 10's: take <= 15, copy-event <= 3, check-event <= 1.",
  );
  console.log("  DBs    step            listing  other  wall ms  reads: target / one pass");
  for (const n of SIZES) {
    const seeded = seedWorld(n);
    const { world, drKey, drRegionKey } = seeded;
    const clock = seeded.clock;
    const advance = seeded.advance;
    const source = benchConfig("source", n);
    const dr = benchConfig("dr", n);
    const run = async (
      label: string,
      config: PilotLightConfig,
      step: Step,
      account: string,
      o: { stage?: "source" | "dr"; event?: unknown; target?: number; onePass?: Listing[]; keys?: number } = {},
    ) => {
      const clients: AwsClients = world.clients(account);
      const handler = await loadStepHandler({
        config,
        step,
        refs: {
          drKmsKeyArn: drKey,
          drRegionKmsKeyArn: drRegionKey,
          accountId: account,
          ...(o.stage ? { stage: o.stage } : {}),
        },
        clients,
        clock,
      });
      // Plus one KMS DescribeKey per key (the Sharer's per-container cache starts cold: one handler per row).
      const pass = o.onePass ? (await onePassPages(world, o.onePass)) + (o.keys ?? 0) : undefined;
      const from = world.calls.length;
      const t = performance.now();
      let error = "";
      try {
        await handler(o.event ?? {});
      } catch (err) {
        error = ` (${(err as Error).name})`;
      }
      const ms = performance.now() - t;
      const c = countSince(world, from);
      const bound =
        o.target !== undefined
          ? `  <= ${o.target}: ${c.list <= o.target ? "met" : "NOT met"}`
          : pass !== undefined
            ? `  ${pass}: ${c.list <= pass ? "one pass" : "MORE than one pass"}`
            : "";
      if (n === 1000 && o.target !== undefined)
        GOALS.push(
          `reads per run, ${label} at 1,000 DBs: ${c.list} (target <= ${o.target}: ${verdict(c.list <= o.target)})`,
        );
      if (n === 1000 && label === "share-event") GOALS.push(`reads per run, share-event at 1,000 DBs: ${c.list}`);
      console.log(
        `  ${String(n).padEnd(6)} ${label.padEnd(15)} ${String(c.list).padStart(7)}  ${String(c.write).padStart(5)}  ${ms.toFixed(0).padStart(7)}${error}${bound}`,
      );
    };
    // Event-started runs name one recovery point: the newest seeded (available) source snapshot of the first DB.
    // The Copier and Checker get the event the Sharer puts on the DR bus (share/plan.ts sharedEventDetail).
    const eventAt = new Date(clock().getTime() - 20 * 60_000);
    const eventSnapshotId = sourceSnapshotId("db-0000", eventAt);
    const eventArn = `arn:aws:rds:${REGION}:${SOURCE}:snapshot:${eventSnapshotId}`;
    const sharedEvent = {
      "detail-type": SHARED_EVENT_DETAIL_TYPE,
      source: SHARED_EVENT_SOURCE,
      detail: {
        snapshotArn: eventArn,
        kind: "instance",
        dbId: "db-0000",
        sourceAccount: SOURCE,
        sourceRegion: REGION,
        recoveryPoint: eventAt.toISOString(),
      },
    };
    const manual = (account: string, region: string): Listing => ({ account, region, type: "manual" });
    await run("take (sweep)", source, "take", SOURCE, { target: 15 });
    await run("share-event", source, "share", SOURCE, {
      event: { "detail-type": "RDS DB Snapshot Event", detail: { SourceIdentifier: eventSnapshotId } },
    });
    // A Sharer sweep also lists the DBs once (its deleted-DB check, functions/share/deletedDbs.ts): part of its pass.
    const shareListings = [manual(SOURCE, REGION), { account: SOURCE, region: REGION, type: "dbs" } as const];
    await run("share (first)", source, "share", SOURCE, { onePass: shareListings, keys: 1 });
    await run("share (again)", source, "share", SOURCE, { onePass: shareListings });
    advance(20);
    const drListings: Listing[] = [
      { account: DR, region: REGION, type: "shared" },
      manual(DR, REGION),
      manual(DR, DR_REGION),
    ];
    await run("copy-event", dr, "copy", DR, { event: sharedEvent, target: 3 });
    await run("check-event", dr, "check", DR, { event: sharedEvent, target: 1 });
    await run("copy (sweep)", dr, "copy", DR, { onePass: drListings });
    advance(40);
    await run("check (sweep)", dr, "check", DR, { onePass: drListings });
    await run("expire source", source, "expire", SOURCE, { stage: "source", onePass: [manual(SOURCE, REGION)] });
    await run("expire dr", dr, "expire", DR, { stage: "dr", onePass: [manual(DR, REGION), manual(DR, DR_REGION)] });
    planners.push(await plannerTimes(n, world, { source, dr, drKey, drRegionKey, clock }));
  }
  printSweepHeader();
  for (const n of SIZES) {
    // A fresh world per size: the same seed as the per-run rows, nothing taken, shared or copied yet.
    const w = seedWorld(n);
    const shareListings: Listing[] = [
      { account: SOURCE, region: REGION, type: "manual" },
      { account: SOURCE, region: REGION, type: "dbs" },
    ];
    const listings: Record<"share" | "copy" | "expire-source" | "expire-dr", Listing[]> = {
      share: shareListings,
      copy: [
        { account: DR, region: REGION, type: "shared" },
        { account: DR, region: REGION, type: "manual" },
        { account: DR, region: DR_REGION, type: "manual" },
      ],
      "expire-source": [{ account: SOURCE, region: REGION, type: "manual" }],
      "expire-dr": [
        { account: DR, region: REGION, type: "manual" },
        { account: DR, region: DR_REGION, type: "manual" },
      ],
    };
    await wholeSweepRows({
      n,
      world: w.world,
      advance: w.advance,
      source: benchConfig("source", n),
      dr: benchConfig("dr", n),
      sourceAccount: SOURCE,
      drAccount: DR,
      handler: (config, step, account, stage) =>
        loadStepHandler({
          config,
          step,
          refs: {
            drKmsKeyArn: w.drKey,
            drRegionKmsKeyArn: w.drRegionKey,
            accountId: account,
            ...(stage ? { stage } : {}),
          },
          clients: w.world.clients(account),
          clock: w.clock,
        }),
      // Plus one KMS DescribeKey for the Sharer (its per-container cache starts cold).
      onePass: async (sweep) => (await onePassPages(w.world, listings[sweep])) + (sweep === "share" ? 1 : 0),
    });
  }
  console.log("== Pure planner time per run (median of 5; inputs listed beforehand, no model or SDK in the timing)");
  console.log(
    "  wall = wall-clock ms; cpu = user+system CPU ms of this process (process.cpuUsage(), includes GC threads)",
  );
  console.log("  DBs    snapshots  take wall/cpu    share wall/cpu   copy wall/cpu     expire wall/cpu");
  const both = (t: Timing, width: number) => `${t.wall.toFixed(2)}/${t.cpu.toFixed(2)}`.padStart(width);
  for (const p of planners) {
    if (p.dbs === 1000) {
      for (const k of ["take", "share", "copy", "expire"] as const)
        GOALS.push(
          `planner ${k} at 1,000 DBs x ${SNAPSHOTS_PER_DB}: ${p[k].cpu.toFixed(1)} ms CPU (target < 50: ${verdict(p[k].cpu < 50)})`,
        );
    }
    console.log(
      `  ${String(p.dbs).padEnd(6)} ${String(p.snapshots).padStart(9)}  ${both(p.take, 15)}  ${both(p.share, 15)}  ${both(p.copy, 16)}  ${both(p.expire, 17)}`,
    );
  }
}

/** Median wall time and median CPU time (user + system of this process) of one run, in milliseconds. */
interface Timing {
  wall: number;
  cpu: number;
}

interface PlannerTimes {
  dbs: number;
  snapshots: number;
  take: Timing;
  share: Timing;
  copy: Timing;
  expire: Timing;
}

/**
 * With `RPL_BENCH_FULL_GC=1`, a full garbage collection before each timed planner run (V8's `gc`, exposed at run time
 * through `v8.setFlagsFromString("--expose-gc")` and read from a new context), so a run starts from a collected heap
 * instead of the bench's leftovers. A variant to compare, not the default: the planners then measure 2-5 times slower.
 * With `--trace-gc` no collection at all runs between one forced collection and the next, so the extra time is the
 * forced collection's own aftermath (V8 sweeps the ~260 MB heap concurrently after a full collection, on threads that
 * `process.cpuUsage()` counts, and the main thread sweeps when it allocates), not the planners (docs/performance.md,
 * branch `copyrun`).
 */
const fullGc: (() => void) | undefined =
  process.env.RPL_BENCH_FULL_GC === "1"
    ? (() => {
        setFlagsFromString("--expose-gc");
        return runInNewContext("gc") as () => void;
      })()
    : undefined;

/** Median wall time and median CPU time of `fn` over `runs` runs, in milliseconds. */
function median(fn: () => unknown, runs = 5): Timing {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < runs; i++) {
    fullGc?.();
    const c = process.cpuUsage();
    const t = performance.now();
    fn();
    wall.push(performance.now() - t);
    const d = process.cpuUsage(c);
    cpu.push((d.user + d.system) / 1000);
  }
  const mid = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(runs / 2)] ?? 0;
  return { wall: mid(wall), cpu: mid(cpu) };
}

/**
 * Times each step's pure planner on what its handler would list now: the inputs are listed first with the same
 * listing functions the handlers use (functions/lib/rds.ts, functions/copy/state.ts), then only the planner runs.
 */
async function plannerTimes(
  n: number,
  world: RdsWorld,
  o: {
    source: PilotLightConfig;
    dr: PilotLightConfig;
    drKey: string;
    drRegionKey: string;
    clock: () => Date;
  },
): Promise<PlannerTimes> {
  const refs = (account: string, stage?: "source" | "dr") => ({
    drKmsKeyArn: o.drKey,
    drRegionKmsKeyArn: o.drRegionKey,
    accountId: account,
    ...(stage ? { stage } : {}),
  });
  const now = o.clock();
  const take = (await loadStepConfig({ config: o.source, step: "take", refs: refs(SOURCE) })) as TakeConfig;
  const copy = (await loadStepConfig({ config: o.dr, step: "copy", refs: refs(DR) })) as CopyConfig;
  const expire = (await loadStepConfig({
    config: o.source,
    step: "expire",
    refs: refs(SOURCE, "source"),
  })) as ExpireConfig;
  const rds = world.clients(SOURCE).rds(REGION);
  const [dbs, snapshots] = await Promise.all([listDbs(rds), listSnapshots(rds, { type: "manual" })]);
  const copyState = await listCopyState(world.clients(DR), copy);
  return {
    dbs: n,
    snapshots: snapshots.length,
    take: median(() => planTake({ dbs, snapshots, now, config: take, quotas: {} })),
    share: median(() => planShare({ snapshots, drAccounts: [DR] })),
    copy: median(() => planCopy({ config: copy, scope: { kind: "sweep" }, now, ...copyState })),
    expire: median(() => planExpire({ snapshots, now, stage: expire.stage, policy: expire.retention })),
  };
}

/**
 * The simulations {@link simulationCpuFigures} measures: 20 DBs x 7 days (issue 10 target: < 10 s of CPU). The
 * 1,000-DB scenario has its own section (`thousand`, bench/thousand.ts).
 */
const SIM_CPU_RUNS = [
  { label: "twenty-dbs (20 DBs x 7 virtual days)", scenario: "scenarios/twenty-dbs.yaml" },
] as const;

/**
 * CPU time (user + system, from the children's resource usage) of each simulation in {@link SIM_CPU_RUNS}, each run as
 * its own process from an esbuild bundle of the simulator (sim/bundle.ts: same report as `npm run simulate`, without
 * tsx's compile and closure wrappers), plus the SHA-256 of its JSON report: the same seed must give the same
 * fingerprint before and after a change that is meant not to change results.
 */
async function simulationCpuFigures(executor?: "reference"): Promise<void> {
  console.log(
    `== Simulation CPU time (user+sys of one child process, bundled simulator) and report fingerprint${executor ? `, ${executor} executor` : ""}`,
  );
  const bundle = resolve(ROOT, "dist", "sim-bench.cjs");
  await buildSimulatorBundle(bundle);
  // The Lambdas' own Node major (bench/lambdaNode.ts) besides the one running the bench (Node 20 on this machine).
  const lambda = lambdaNode(ROOT);
  const nodes: { node: string; label: string }[] = [{ node: process.execPath, label: `bench's ${process.version}` }];
  if ("node" in lambda) nodes.push({ node: lambda.node, label: `Lambda runtime's ${lambda.version}` });
  else console.log(`  (no run on the Lambda runtime's Node: ${lambda.reason})`);
  for (const run of SIM_CPU_RUNS) {
    if (!existsSync(resolve(ROOT, run.scenario))) {
      console.log(`  ${run.label}: ${run.scenario} is not in this checkout`);
      continue;
    }
    const args = [
      bundle,
      "--scenario",
      run.scenario,
      "--json",
      "--no-progress",
      ...(executor ? ["--executor", executor] : []),
    ];
    console.log(`  ${run.label}`);
    for (const { node, label } of nodes) {
      // CPU from this process's children usage around the (waited-for) child; per-thread CPU from the preload
      // bench/threadCpu.cjs, which the child prints on stderr at exit (bench/simSplit.ts).
      const r = timedRun(ROOT, node, bundle, args.slice(1));
      const cpu = r.cpu;
      // Exit 1 or 3 is a verdict on the pipeline (RPO missed), not a failed run: the report is still printed.
      const status = r.stdout?.length ? `exit ${r.status}` : "no report";
      const fingerprint = createHash("sha256")
        .update(r.stdout ?? "")
        .digest("hex")
        .slice(0, 16);
      console.log(
        `    on ${label}: ${node === process.execPath ? "node" : relative(ROOT, node)} ${relative(ROOT, bundle)} ${args.slice(1).join(" ")}`,
      );
      console.log(`      cpu ${cpu.toFixed(1)} s (user+sys), ${status}, report sha256 ${fingerprint}`);
      console.log(`      ${threadCpuLine(r.threads)}`);
      if (node === process.execPath) console.log(`      ${machinesLine(r.stdout)}`);
      if (!executor)
        GOALS.push(`simulation ${run.label} on ${label}: ${cpu.toFixed(1)} s CPU (target < 10: ${verdict(cpu < 10)})`);
    }
  }
}

/** The `sim-split` section (bench/simSplit.ts) on a fresh bundle of the simulator. */
async function simSplit(): Promise<void> {
  const bundle = resolve(ROOT, "dist", "sim-bench.cjs");
  await buildSimulatorBundle(bundle);
  simSplitFigures(ROOT, bundle, SIM_CPU_RUNS[0].scenario);
}

/** The work behind the CPU figure: executions, Lambda runs and API calls per state machine, from the JSON report. */
function machinesLine(stdout: Buffer | string | null): string {
  try {
    const r = JSON.parse(String(stdout)) as SimulationReport;
    const all = r.machines.map((m) => `${m.step} ${m.started}/${m.handlerRuns}/${m.apiCalls.total}`).join(", ");
    return `state machines (executions / Lambda runs / API calls): ${all}; all: ${r.totals.executions} executions, ${r.totals.apiCalls} API calls`;
  } catch {
    return "state machines: no JSON report";
  }
}

async function bundleFigures(): Promise<void> {
  console.log("== Lambda bundle sizes (esbuild, minified, @aws-sdk/* external)");
  for (const name of LAMBDAS) {
    const entry = resolve(ROOT, "functions", name, "handler.ts");
    try {
      const out = await build({
        entryPoints: [entry],
        bundle: true,
        platform: "node",
        target: "node22",
        format: "cjs",
        minify: true,
        write: false,
        external: ["@aws-sdk/*"],
        logLevel: "silent",
      });
      const bytes = out.outputFiles.reduce((a, f) => a + f.contents.length, 0);
      console.log(`  ${name.padEnd(10)} ${(bytes / 1024).toFixed(1).padStart(8)} KiB`);
    } catch (err) {
      console.log(`  ${name.padEnd(10)} not built: ${(err as Error).message.split("\n")[0]}`);
    }
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
