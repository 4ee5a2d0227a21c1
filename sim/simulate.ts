/**
 * The simulator: the real pipeline, offline, over days of virtual time.
 *
 * Every stack file of the scenario is parsed with `loadStackFile`; each step it deploys gets its Lambda environment
 * from `handlerEnvironment`, parsed by that handler's own config parser, and its state machine from
 * `buildStepDefinition`, executed by aws-local-stepfunctions with its Task states bound to the real `makeHandler`
 * cores. The handlers talk to the in-memory RDS/KMS/EventBridge model (`RdsWorld`) through real SDK clients. What
 * the simulator adds is only the environment AWS would provide: the clock, EventBridge Scheduler firing the
 * stacks' schedules, RDS emitting "manual snapshot created" events to the Sharer, the DR bus routing the Sharer's
 * PutEvents to the Copier, CloudWatch alarms, and the scenario's faults. It plans nothing itself.
 */

import { AsyncLocalStorage } from "node:async_hooks";
import { basename } from "node:path";
import type { PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import { buildStepDefinition } from "../components/shared/stateMachines";
import {
  copyCheckLoop,
  deploymentPlan,
  drEventBusArn,
  handlerEnvironment,
  loadStackFile,
  type PilotLightConfig,
  type Step,
  schedulesFor,
} from "../config";
import type { AwsClients } from "../functions/lib/clients";
import { errorName } from "../functions/lib/errors";
import type { HandlerDeps } from "../functions/lib/lambda";
import { recoveryPointOf, type Snapshot } from "../functions/lib/model";
import type { Observability } from "../functions/lib/powertools";
import { isOwned, TAG } from "../functions/lib/tags";
import { DRILL_PREFIX } from "../functions/restore/config";
import { drillInput, freshnessAlarmPeriodSeconds } from "../functions/restore/stackConfig";
import { RdsWorld } from "./aws/rdsModel";
import { makeTiming, type OperationSlot } from "./durations";
import { Engine } from "./engine";
import { runStateMachine, type TaskHandler } from "./localStepFunctions";
import { makeRandom } from "./random";
import {
  freshnessHandlerFor,
  MetricAlarmModel,
  type MetricDatum,
  recordingObservability,
  recoverySettingsOf,
  restoreMachineFor,
} from "./recovery";
import {
  type AgeStats,
  AlarmTracker,
  type DbReport,
  type DrillReport,
  type DrStage,
  type FreshnessRunsReport,
  type MachineReport,
  percentile,
  round1,
  type SimulationReport,
  type SnapshotsHeld,
} from "./report";
import type { Scenario, ScenarioDb } from "./scenario";
import { parseSchedule } from "./schedule";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** CloudWatch period of the step failure alarms (ExecutionsFailed >= 1 in 5 minutes). */
const ALARM_PERIOD_MS = 5 * MINUTE;
/** Default manual snapshot quota (RDS, each kind). */
const DEFAULT_SNAPSHOT_QUOTA = 100;
/** Event detail-types and IDs of RDS "manual snapshot created" (docs/CONTRACTS.md). */
const RDS_CREATED = {
  instance: { detailType: "RDS DB Snapshot Event", eventId: "RDS-EVENT-0042", sourceType: "SNAPSHOT" },
  cluster: { detailType: "RDS DB Cluster Snapshot Event", eventId: "RDS-EVENT-0075", sourceType: "CLUSTER_SNAPSHOT" },
} as const;
/** The Sharer's event to the DR bus (docs/CONTRACTS.md "Event contract between accounts"). */
const SHARED_SOURCE = "rds-pilot-light";
const SHARED_DETAIL_TYPE = "RDS Pilot Light Snapshot Shared";
/**
 * Lambda's retries of a failed asynchronous invocation (EventBridge Scheduler invokes Lambda asynchronously): two
 * more attempts, one minute and then two minutes later
 * (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html).
 */
const ASYNC_RETRY_DELAYS_MS = [MINUTE, 2 * MINUTE] as const;
/** Period of the SnapshotRestorer's drill alarms (components/snapshotRestorer.ts `DRILL_ALARM_PERIOD_SECONDS`). */
const DRILL_ALARM_PERIOD_MS = 86_400_000;

/** Options of {@link simulate}. */
export interface SimulateOptions {
  /** Called now and then with the fraction of virtual time done (0-1). */
  onProgress?: (fraction: number) => void;
}

/** Result of {@link simulate}: the report plus full-resolution series for the chart. */
export interface SimulationResult {
  readonly report: SimulationReport;
  /** Per `account/db stage`: every sample as `[epoch ms, age minutes]`, and the DB's RPO. */
  readonly samples: ReadonlyMap<string, { rpoMinutes: number; points: [number, number][] }>;
  /** Real time the run took, milliseconds. */
  readonly wallMs: number;
}

interface Stack {
  readonly file: string;
  readonly name: string;
  readonly account: string;
  readonly config: PilotLightConfig;
}

interface Machine {
  readonly name: string;
  readonly account: string;
  readonly region: string;
  readonly step: string;
  readonly definition: object;
  readonly handlers: Readonly<Record<string, TaskHandler>>;
  started: number;
  succeeded: number;
  failed: number;
  running: number;
  handlerRuns: number;
  callsTotal: number;
  callsMax: number;
  readonly errors: Record<string, number>;
  readonly triggers: Record<string, number>;
  readonly alarm: AlarmTracker;
  lastFailureAt: number;
}

interface DbState {
  readonly account: string;
  readonly region: string;
  readonly db: ScenarioDb;
  readonly rpoMinutes: number;
  deletedAt?: number;
  readonly stages: Map<DrStage, StageState>;
}

interface StageState {
  readonly account: string;
  readonly region: string;
  readonly minKeep: number;
  readonly checkMinKeep: boolean;
  readonly ages: number[];
  readonly points: [number, number][];
  over: number;
  firstCopyAt?: number;
  full: number;
  incremental: number;
  held: number;
  maxHeld: number;
}

/** Per Lambda invocation: API calls made. */
interface InvocationCounter {
  calls: number;
}

const invocation = new AsyncLocalStorage<InvocationCounter>();

/** Handler modules, loaded once per process with a valid environment (they parse it at import). */
type HandlerModule = { makeHandler: (deps: HandlerDeps<never>) => (event: unknown) => Promise<unknown> };
type ConfigParser = (env: Record<string, string | undefined>) => unknown;

async function loadStep(step: Step, env: Record<string, string>): Promise<{ mod: HandlerModule; parse: ConfigParser }> {
  // Each handler module builds its production handler at import from process.env; give it this step's real
  // environment while it loads so the import cannot fail, then restore the variables.
  const saved: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k];
    process.env[k] = v;
  }
  try {
    switch (step) {
      case "take": {
        const [mod, cfg] = await Promise.all([import("../functions/take/handler"), import("../functions/take/config")]);
        return { mod: mod as unknown as HandlerModule, parse: cfg.parseTakeConfig as ConfigParser };
      }
      case "share": {
        const [mod, cfg] = await Promise.all([
          import("../functions/share/handler"),
          import("../functions/share/config"),
        ]);
        return { mod: mod as unknown as HandlerModule, parse: cfg.parseShareConfig as ConfigParser };
      }
      case "copy": {
        const [mod, cfg] = await Promise.all([import("../functions/copy/handler"), import("../functions/copy/config")]);
        return { mod: mod as unknown as HandlerModule, parse: cfg.parseCopyConfig as ConfigParser };
      }
      case "check": {
        const [mod, cfg] = await Promise.all([
          import("../functions/check/handler"),
          import("../functions/check/config"),
        ]);
        return { mod: mod as unknown as HandlerModule, parse: cfg.parseCheckConfig as ConfigParser };
      }
      case "expire": {
        const [mod, cfg] = await Promise.all([
          import("../functions/expire/handler"),
          import("../functions/expire/config"),
        ]);
        return { mod: mod as unknown as HandlerModule, parse: cfg.parseExpireConfig as ConfigParser };
      }
      default:
        throw new Error(`no handler for step ${String(step)}`);
    }
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** Options of {@link loadStepHandler}. */
export interface StepHandlerOptions {
  readonly config: PilotLightConfig;
  readonly step: Step;
  /** Resource references `handlerEnvironment` needs (keys, account id, Janitor stage). */
  readonly refs: Parameters<typeof handlerEnvironment>[2];
  readonly clients: AwsClients;
  readonly clock: () => Date;
}

/**
 * A step's handler core exactly as the stacks configure it: environment from `handlerEnvironment`, parsed by the
 * handler's own config parser, passed to its `makeHandler` with the given clients and clock (used by the bench).
 */
export async function loadStepHandler(o: StepHandlerOptions): Promise<TaskHandler> {
  const { mod, config } = await loadStepModule(o);
  return mod.makeHandler({ clients: o.clients, clock: o.clock, config: config as never, obs: silentObs });
}

/**
 * A step's Lambda configuration exactly as the stacks configure it (environment from `handlerEnvironment`, parsed by
 * the handler's own parser), for calling its pure planner directly (used by the bench).
 */
export async function loadStepConfig(o: Pick<StepHandlerOptions, "config" | "step" | "refs">): Promise<unknown> {
  return (await loadStepModule(o)).config;
}

async function loadStepModule(
  o: Pick<StepHandlerOptions, "config" | "step" | "refs">,
): Promise<{ mod: HandlerModule; config: unknown }> {
  const env = {
    ...(handlerEnvironment(o.config, o.step, o.refs) as Record<string, string>),
    AWS_REGION: o.config.region,
  };
  const { mod, parse } = await loadStep(o.step, env);
  return { mod, config: parse(env) };
}

const noop = () => {};
const debugLog = (...a: unknown[]) => {
  if (process.env.RPL_SIM_DEBUG) console.error(...a.map((x) => (typeof x === "string" ? x : JSON.stringify(x))));
};
/** Handlers log and emit metrics into the void: the report is the simulator's output. */
const silentObs: Observability = {
  logger: { info: noop, warn: debugLog, error: debugLog, debug: noop, appendKeys: noop },
  metrics: {
    addMetric: noop,
    addMetadata: noop,
    publishStoredMetrics: noop,
    singleMetric: () => ({ addDimension: noop, addDimensions: noop, addMetric: noop, addMetadata: noop }) as never,
  },
} as unknown as Observability;

/** Runs a scenario and returns its report. Deterministic for a given scenario (including its seed). */
export async function simulate(scenario: Scenario, options: SimulateOptions = {}): Promise<SimulationResult> {
  const wallStart = performance.now();
  const startMs = Date.parse(scenario.start);
  const endMs = startMs + scenario.days * 24 * HOUR;
  const engine = new Engine(startMs);
  const now = () => engine.now;

  // ---------------------------------------------------------------- stacks
  const stacks: Stack[] = scenario.stacks.map((s) => ({
    file: s.file,
    name: basename(s.file)
      .replace(/^Pulumi\./, "")
      .replace(/\.ya?ml$/, ""),
    account: s.account,
    config: loadStackFile(s.file),
  }));
  const sourceStacks = stacks.filter((s) => s.config.role !== "dr");
  const drStacks = stacks.filter((s) => s.config.role !== "source");
  for (const account of Object.keys(scenario.dbs)) {
    if (!sourceStacks.some((s) => s.account === account)) {
      throw new Error(
        `${scenario.source}: dbs.${account}: no source stack deploys into account ${account} ` +
          `(stacks: ${stacks.map((s) => `${basename(s.file)} -> ${s.account} (${s.config.role})`).join(", ")})`,
      );
    }
  }

  // ---------------------------------------------------------------- the world
  const rateOf = new Map<string, number>();
  for (const [account, dbs] of Object.entries(scenario.dbs))
    for (const d of dbs) rateOf.set(`${account}/${d.id}`, d.changePercentPerHour);
  const meanRate = [...rateOf.values()].reduce((a, b) => a + b, 0) / Math.max(1, rateOf.size);
  const slot: OperationSlot = {};
  let world!: RdsWorld;
  const timing = makeTiming(
    scenario.durations,
    makeRandom(scenario.seed, "durations"),
    slot,
    (account, dbId) => (account ? rateOf.get(`${account}/${dbId}`) : undefined) ?? findRate(rateOf, dbId),
    () => world,
    now,
    meanRate,
  );
  const faultRandom = makeRandom(scenario.seed, "faults");
  const accountOutages = scenario.faults.outages.filter((o) => o.account !== undefined);
  const inWindow = (o: { startHours: number; hours: number }, t: number) =>
    t >= startMs + o.startHours * HOUR && t < startMs + (o.startHours + o.hours) * HOUR;
  // The stacks state each account's manual snapshot quota (raised quotas included); the model has one value for all
  // accounts, so it takes the largest and lower ones are filled with other snapshots below.
  const quotaOf = (account: string) =>
    Math.max(0, ...stacks.filter((s) => s.account === account).map((s) => s.config.manualSnapshotQuota)) ||
    DEFAULT_SNAPSHOT_QUOTA;
  const worldQuota = Math.max(...stacks.map((s) => s.config.manualSnapshotQuota));
  world = new RdsWorld({
    clock: engine.clock,
    quotas: { manualSnapshots: worldQuota, manualClusterSnapshots: worldQuota },
    timing,
    faults: {
      random: () => faultRandom.next(),
      throttleRate: scenario.faults.throttleRate,
      failCopyRate: scenario.faults.failedCopyRate,
      ...(accountOutages.length > 0
        ? {
            outage: ({ account, now: at }) =>
              accountOutages.some((o) => o.account === account && inWindow(o, at.getTime())),
          }
        : {}),
    },
  });

  // Keys: a source CMK per source account and region (usable by its DR accounts), DR keys per DR stack.
  const sourceKeys = new Map<string, string>();
  for (const s of sourceStacks) {
    const allow = s.config.role === "both" ? [] : [...s.config.drAccounts];
    sourceKeys.set(
      `${s.account}/${s.config.region}`,
      world.createKey(s.account, s.config.region, { alias: "alias/rds-pilot-light", allowAccounts: allow }),
    );
  }
  const drKeys = new Map<Stack, { home: string; region?: string }>();
  for (const s of drStacks) {
    const home = world.createKey(s.account, s.config.region, { alias: "alias/rds-pilot-light-dr" });
    const region = s.config.drRegion
      ? world.createKey(s.account, s.config.drRegion, { alias: "alias/rds-pilot-light-dr" })
      : undefined;
    drKeys.set(s, { home, ...(region ? { region } : {}) });
  }

  // DBs.
  const dbStates: DbState[] = [];
  for (const [account, dbs] of Object.entries(scenario.dbs)) {
    const stack = sourceStacks.find((s) => s.account === account)!;
    for (const db of dbs) {
      const region = db.region ?? stack.config.region;
      const kmsKeyArn =
        sourceKeys.get(`${account}/${region}`) ??
        world.createKey(account, region, { allowAccounts: [...stack.config.drAccounts] });
      sourceKeys.set(`${account}/${region}`, kmsKeyArn);
      const fixture = {
        id: db.id,
        sizeGb: db.sizeGb,
        tags: db.tags,
        kmsKeyArn,
        ...(db.engine ? { engine: db.engine } : {}),
      };
      if (db.kind === "cluster") world.addDbCluster(account, region, fixture);
      else world.addDbInstance(account, region, fixture);
      const stages = new Map<DrStage, StageState>();
      for (const dr of drStacks) {
        const serves = dr.config.role === "both" ? dr.account === account : dr.config.sourceAccounts.includes(account);
        if (!serves) continue;
        const mk = (acct: string, r: string, checkMinKeep: boolean): StageState => ({
          account: acct,
          region: r,
          minKeep: dr.config.retention.minKeep,
          checkMinKeep,
          ages: [],
          points: [],
          over: 0,
          full: 0,
          incremental: 0,
          held: 0,
          maxHeld: 0,
        });
        if (dr.config.role === "dr")
          stages.set("dr", mk(dr.account, dr.config.region, !dr.config.deleteIntermediateCopy));
        if (dr.config.drRegion) stages.set("dr-region", mk(dr.account, dr.config.drRegion, true));
      }
      dbStates.push({
        account,
        region,
        db,
        rpoMinutes: db.rpoMinutes ?? scenario.rpoMinutes ?? stack.config.rpoMinutes,
        stages,
      });
    }
  }

  // ---------------------------------------------------------------- safety invariants and RDS events
  const newestCopyDeleted: string[] = [];
  const belowMinKeep: string[] = [];
  const rdsEventListeners: ((account: string, region: string, snap: Snapshot) => void)[] = [];

  const afterCall = (account: string, region: string, command: string, input: Record<string, unknown>) => {
    if (command === "CreateDBSnapshot" || command === "CreateDBClusterSnapshot") {
      // RDS stores identifiers in lowercase.
      const id = String(input.DBSnapshotIdentifier ?? input.DBClusterSnapshotIdentifier ?? "").toLowerCase();
      const snap = world.snapshot(account, region, id);
      if (!snap) return;
      // RDS announces the snapshot on EventBridge once it is available. The model's end time can be a fraction of a
      // millisecond past the Date it reports, hence the +1.
      engine.at(snap.completesAt.getTime() + 1, () => {
        const current = world.snapshot(account, region, snap.id);
        if (current?.status === "available") for (const l of rdsEventListeners) l(account, region, current);
      });
    }
  };

  const beforeDelete = (account: string, region: string, input: Record<string, unknown>): (() => void) | undefined => {
    const id = String(input.DBSnapshotIdentifier ?? input.DBClusterSnapshotIdentifier ?? "");
    const target = world.snapshot(account, region, id);
    if (!target || !isOwned(target.tags) || target.status !== "available") return undefined;
    const src = target.tags[TAG.sourceAccount];
    const targetRp = recoveryPointOf(target)?.getTime() ?? 0;
    const newer = world
      .snapshotsOf(account, region, target.dbId)
      .some(
        (s) =>
          s !== target &&
          s.status === "available" &&
          isOwned(s.tags) &&
          s.dbId === target.dbId &&
          s.tags[TAG.sourceAccount] === src &&
          (recoveryPointOf(s)?.getTime() ?? 0) >= targetRp,
      );
    if (newer) return undefined;
    return () =>
      newestCopyDeleted.push(
        `${new Date(engine.now).toISOString()}: ${account}/${region} deleted ${target.id}, the newest available copy of ${src ?? "?"}/${target.dbId}`,
      );
  };

  // Clients that count calls per Lambda invocation and tell the duration model which DB a create/copy is for.
  const clientCache = new Map<string, AwsClients>();
  const clientsFor = (account: string): AwsClients => {
    const cached = clientCache.get(account);
    if (cached) return cached;
    const base = world.clients(account);
    const wrapped = new Map<string, unknown>();
    const wrap = <C extends object>(key: string, region: string, client: C): C => {
      const hit = wrapped.get(key);
      if (hit) return hit as C;
      const target = client as unknown as {
        send: (cmd: { input: Record<string, unknown> }, ...rest: unknown[]) => Promise<unknown>;
      };
      const send = (cmd: { input: Record<string, unknown>; constructor: { name: string } }, ...rest: unknown[]) => {
        const counter = invocation.getStore();
        if (counter) counter.calls++;
        const command = cmd.constructor.name.replace(/Command$/, "");
        const isDelete = command === "DeleteDBSnapshot" || command === "DeleteDBClusterSnapshot";
        const onDeleted = isDelete ? beforeDelete(account, region, cmd.input) : undefined;
        slot.current = { account, region, command, input: cmd.input };
        let p: Promise<unknown>;
        try {
          p = target.send(cmd, ...rest);
        } finally {
          slot.current = undefined;
        }
        return p.then((out) => {
          onDeleted?.();
          afterCall(account, region, command, cmd.input);
          return out;
        });
      };
      const proxy = new Proxy(client, {
        get(t, k) {
          if (k === "send") return send;
          const v = Reflect.get(t, k, t);
          return typeof v === "function" ? v.bind(t) : v;
        },
      });
      wrapped.set(key, proxy);
      return proxy;
    };
    const made: AwsClients = {
      rds: (r) => wrap(`rds/${r}`, r, base.rds(r)),
      kms: (r) => wrap(`kms/${r}`, r, base.kms(r)),
      events: (r) => wrap(`events/${r}`, r, base.events(r)),
    };
    clientCache.set(account, made);
    return made;
  };

  // ---------------------------------------------------------------- machines
  const machines: Machine[] = [];
  const copierRoutes: { bus: string; machine: Machine }[] = [];
  const smOutages = scenario.faults.outages.filter((o) => o.stateMachine !== undefined);

  const makeMachine = async (stack: Stack, step: Step, stage?: "source" | "dr"): Promise<Machine> => {
    const c = stack.config;
    const keys = drKeys.get(stack);
    const refs = {
      ...(keys ? { drKmsKeyArn: keys.home } : {}),
      ...(keys?.region ? { drRegionKmsKeyArn: keys.region } : {}),
      accountId: stack.account,
      ...(stage ? { stage } : {}),
    };
    const fnArn = (s: string) =>
      `arn:aws:lambda:${c.region}:${stack.account}:function:rpl-${stack.name}-${s}`.slice(0, 200);
    const bind = (s: Step): Promise<TaskHandler> =>
      loadStepHandler({ config: c, step: s, refs, clients: clientsFor(stack.account), clock: engine.clock });
    const stepName = { take: "Take", share: "Share", copy: "Copy", check: "Check", expire: "Expire" }[step];
    const name = `${stack.account}/${c.region}/${step}${stage ? `-${stage}` : ""}`;
    const handlers: Record<string, TaskHandler> = { [fnArn(step + (stage ? `-${stage}` : ""))]: await bind(step) };
    let definition: object;
    if (step === "copy" && scenario.triggers.copyCheckLoop) {
      handlers[fnArn("check")] = await bind("check");
      definition = buildStepDefinition({
        stepName,
        functionArn: fnArn(step),
        check: { functionArn: fnArn("check"), ...copyCheckLoop(c) },
      });
    } else {
      definition = buildStepDefinition({ stepName, functionArn: fnArn(step + (stage ? `-${stage}` : "")) });
    }
    return newMachine(stack, name, step + (stage ? `-${stage}` : ""), definition, handlers);
  };

  const newMachine = (
    stack: Stack,
    name: string,
    step: string,
    definition: object,
    handlers: Record<string, TaskHandler>,
  ): Machine => {
    const m: Machine = {
      name,
      account: stack.account,
      region: stack.config.region,
      step,
      definition,
      handlers,
      started: 0,
      succeeded: 0,
      failed: 0,
      running: 0,
      handlerRuns: 0,
      callsTotal: 0,
      callsMax: 0,
      errors: {},
      triggers: {},
      alarm: new AlarmTracker(`${name} failures`, "step-failure"),
      lastFailureAt: Number.NEGATIVE_INFINITY,
    };
    machines.push(m);
    return m;
  };

  const recordFailure = (m: Machine, error: string) => {
    m.failed++;
    m.errors[error] = (m.errors[error] ?? 0) + 1;
    m.lastFailureAt = engine.now;
    m.alarm.set(true, engine.now);
    // The alarm returns to OK after a whole period without failures (missing data treated as not breaching).
    engine.after(ALARM_PERIOD_MS, () => {
      if (engine.now - m.lastFailureAt >= ALARM_PERIOD_MS) m.alarm.set(false, engine.now);
    });
  };

  /** What {@link startExecution} tells `onDone` when an execution ends. */
  type Ended = { status: string; error?: string; output?: unknown };
  const startExecution = (m: Machine, input: unknown, trigger: string, onDone?: (e: Ended) => void) => {
    m.started++;
    m.triggers[trigger] = (m.triggers[trigger] ?? 0) + 1;
    const down = smOutages.some(
      (o) =>
        m.step.startsWith(o.stateMachine!) &&
        (o.inAccount === undefined || o.inAccount === m.account) &&
        inWindow(o, engine.now),
    );
    if (down) {
      recordFailure(m, "SimulatedOutage");
      onDone?.({ status: "FAILED", error: "SimulatedOutage" });
      return;
    }
    m.running++;
    const handlers: Record<string, TaskHandler> = {};
    for (const [arn, h] of Object.entries(m.handlers)) {
      handlers[arn] = (payload) => {
        const counter: InvocationCounter = { calls: 0 };
        return invocation.run(counter, async () => {
          try {
            return await h(payload);
          } finally {
            m.handlerRuns++;
            m.callsTotal += counter.calls;
            m.callsMax = Math.max(m.callsMax, counter.calls);
          }
        });
      };
    }
    const startedAt = engine.now;
    engine.spawn(m.name, async () => {
      let status: string;
      let error: string | undefined;
      let output: unknown;
      try {
        const r = await runStateMachine(m.definition, { handlers, input, onWait: (seconds) => seconds * 1000 });
        status = r.status;
        error = r.error;
        output = r.output;
        if (process.env.RPL_SIM_DEBUG) {
          console.error(
            new Date(startedAt).toISOString(),
            m.name,
            trigger,
            r.status,
            r.error ?? "",
            JSON.stringify(r.output ?? r.cause),
          );
          // A failed execution also shows what each Lambda returned, in order: enough to see why a loop gave up.
          if (r.status !== "SUCCEEDED") {
            for (const c of r.taskCalls) console.error(`    ${c.state}: ${JSON.stringify(c.result ?? c.error)}`);
          }
        }
      } catch (err) {
        status = "FAILED";
        error = errorName(err);
      }
      m.running--;
      if (status === "SUCCEEDED") m.succeeded++;
      else recordFailure(m, error ?? status);
      onDone?.({ status, ...(error !== undefined ? { error } : {}), output });
    });
  };

  // ---------------------------------------------------------------- recovery components (DR stacks)
  const recoveryAlarms: AlarmTracker[] = [];
  const freshnessRuns: FreshnessRunsReport[] = [];
  const drills: DrillReport[] = [];
  /** DR locations (`account|region`) a FreshnessMonitor watches: their sampled-age alarm is left out. */
  const monitored = new Set<string>();
  const alarmsFrom = startMs + scenario.warmupHours * HOUR;

  // FreshnessMonitor: the real Lambda every `freshnessScheduleMinutes`, and one CloudWatch alarm per stage on the
  // `MaxRecoveryPointAgeMinutes` it publishes (components/freshnessMonitor.ts: Maximum > rpoMinutes, one period of
  // twice the schedule, missing data breaching).
  const armFreshness = (stack: Stack) => {
    const c = stack.config;
    const settings = recoverySettingsOf(c);
    const minutes = settings.freshnessScheduleMinutes;
    const expression = `rate(${minutes} ${minutes === 1 ? "minute" : "minutes"})`;
    const periodMs = freshnessAlarmPeriodSeconds(minutes) * 1000;
    const name = `${stack.account}/${c.region}/freshness`;
    const alarms = new Map<string, { model: MetricAlarmModel; tracker: AlarmTracker }>();
    const datapoints: Record<string, number> = {};
    for (const stage of settings.freshnessStages) {
      monitored.add(`${stack.account}|${stage === "dr" ? c.region : c.drRegion}`);
      const tracker = new AlarmTracker(`${stack.account}/${c.region} freshness alarm (${stage})`, "freshness");
      recoveryAlarms.push(tracker);
      alarms.set(stage, {
        model: new MetricAlarmModel({
          periodMs,
          threshold: c.rpoMinutes,
          comparison: "GreaterThanThreshold",
          statistic: "Maximum",
          treatMissingData: "breaching",
        }),
        tracker,
      });
      datapoints[stage] = 0;
    }
    const onMetric = (d: MetricDatum) => {
      if (d.name !== "MaxRecoveryPointAgeMinutes") return;
      const stage = d.dimensions.Stage ?? "";
      const a = alarms.get(stage);
      if (!a) return;
      a.model.put(engine.now, d.value);
      datapoints[stage] = (datapoints[stage] ?? 0) + 1;
    };
    const handler = freshnessHandlerFor(c, {
      clients: clientsFor(stack.account),
      clock: engine.clock,
      obs: recordingObservability(onMetric, debugLog),
    });
    const runs: FreshnessRunsReport = {
      name,
      schedule: expression,
      invocations: 0,
      failed: 0,
      lost: 0,
      datapoints,
      thresholdMinutes: c.rpoMinutes,
      periodMinutes: periodMs / MINUTE,
    };
    freshnessRuns.push(runs);
    const invoke = (attempt: number) =>
      engine.spawn(name, async () => {
        (runs as { invocations: number }).invocations++;
        try {
          await handler();
        } catch (err) {
          (runs as { failed: number }).failed++;
          debugLog(`${new Date(engine.now).toISOString()} ${name} attempt ${attempt + 1} failed: ${errorName(err)}`);
          const delay = ASYNC_RETRY_DELAYS_MS[attempt];
          if (delay !== undefined) engine.after(delay, () => invoke(attempt + 1));
          else (runs as { lost: number }).lost++;
        }
      });
    const s = parseSchedule(expression, startMs);
    const arm = (after: number) => {
      const t = s.next(after);
      if (t === undefined || t > endMs) return;
      engine.at(t, () => {
        invoke(0);
        arm(t);
      });
    };
    arm(startMs);
    // CloudWatch evaluates the alarm at the end of each period (periods aligned to the epoch); scored, like the
    // sampled ages, only after the warm-up, because before the first copies land the alarm is rightly in ALARM.
    const evaluateAt = (end: number) => {
      if (end > endMs) return;
      engine.at(end, () => {
        for (const a of alarms.values()) a.tracker.set(a.model.evaluate(end), end);
        evaluateAt(end + periodMs);
      });
    };
    evaluateAt(Math.ceil(alarmsFrom / periodMs) * periodMs + periodMs);
  };

  // SnapshotRestorer: the real restore state machine on the drill schedule, in `mode: drill`, and its alarms
  // (components/snapshotRestorer.ts: DrillSucceeded < 1, RestoreDurationMinutes > RTO, daily period, missing data
  // not breaching).
  const armDrills = (stack: Stack, override: string | undefined) => {
    const c = stack.config;
    const functionArn = `arn:aws:lambda:${c.region}:${stack.account}:function:rpl-${stack.name}-restore`.slice(0, 200);
    const dailyAlarm = (comparison: "GreaterThanThreshold" | "LessThanThreshold", threshold: number) =>
      new MetricAlarmModel({
        periodMs: DRILL_ALARM_PERIOD_MS,
        threshold,
        comparison,
        statistic: comparison === "GreaterThanThreshold" ? "Maximum" : "Minimum",
        treatMissingData: "notBreaching",
      });
    let settingsRto = 0;
    const drillAlarms: { metric: string; model: MetricAlarmModel; tracker: AlarmTracker }[] = [];
    const onMetric = (d: MetricDatum) => {
      for (const a of drillAlarms) {
        if (a.metric !== d.name || (d.name === "RestoreDurationMinutes" && d.dimensions.Mode !== "drill")) continue;
        a.model.put(engine.now, d.value);
        // CloudWatch sees the datapoint within minutes; the period then ends, and the next (empty) one is OK.
        const end = a.model.periodStart(engine.now) + DRILL_ALARM_PERIOD_MS;
        a.tracker.set(a.model.evaluate(end), engine.now);
        engine.at(end + DRILL_ALARM_PERIOD_MS, () =>
          a.tracker.set(a.model.evaluate(end + DRILL_ALARM_PERIOD_MS), engine.now),
        );
      }
      if (d.name === "RestoreDurationMinutes" && d.dimensions.Mode === "drill") current.restoreMinutes = d.value;
    };
    const { definition, handlers, settings } = restoreMachineFor(c, functionArn, {
      clients: clientsFor(stack.account),
      clock: engine.clock,
      obs: recordingObservability(onMetric, debugLog),
    });
    settingsRto = settings.rtoMinutes;
    const machineName = `${stack.account}/${c.region}/restore`;
    drillAlarms.push(
      {
        metric: "DrillSucceeded",
        model: dailyAlarm("LessThanThreshold", 1),
        tracker: new AlarmTracker(`${machineName} drill failed`, "drill"),
      },
      {
        metric: "RestoreDurationMinutes",
        model: dailyAlarm("GreaterThanThreshold", settingsRto),
        tracker: new AlarmTracker(`${machineName} drill slower than RTO (${settingsRto} min)`, "drill"),
      },
    );
    for (const a of drillAlarms) recoveryAlarms.push(a.tracker);
    const m = newMachine(stack, machineName, "restore", definition, handlers);
    const expression = override ?? (settings.drillSchedule === "off" ? undefined : settings.drillSchedule);
    if (!expression) return;
    // Metrics of the drill in flight (drills of one machine never overlap in a schedule of hours or more).
    let current: { restoreMinutes: number | null } = { restoreMinutes: null };
    const drillDbs = () =>
      world
        .dbs(stack.account, settings.region)
        .map((d) => d.id)
        .filter((id) => id.startsWith(DRILL_PREFIX))
        .sort();
    const s = parseSchedule(expression, startMs);
    const arm = (after: number) => {
      const t = s.next(after);
      if (t === undefined || t > endMs) return;
      engine.at(t, () => {
        current = { restoreMinutes: null };
        const mine = current;
        const index = drills.length;
        const entry: DrillReport = {
          machine: machineName,
          region: settings.region,
          startedAt: new Date(t).toISOString(),
          finishedAt: null,
          durationMinutes: null,
          restoreMinutes: null,
          status: "RUNNING",
          error: null,
          restored: [],
          cleanedUp: false,
          leftBehind: [],
          rtoMinutes: settings.rtoMinutes,
          rtoAlarm: false,
        };
        drills.push(entry);
        startExecution(m, drillInput(settings), "schedule", (e) => {
          const left = drillDbs();
          // The drill's Succeed state outputs the restorer's result (`OutputPath: $.result`).
          const result = e.output as { restored?: { targetId: string }[] } | undefined;
          const failed = e.status !== "SUCCEEDED";
          drills[index] = {
            ...entry,
            finishedAt: new Date(engine.now).toISOString(),
            durationMinutes: round1((engine.now - t) / MINUTE),
            restoreMinutes: mine.restoreMinutes,
            status: failed ? "FAILED" : "SUCCEEDED",
            error: failed ? (e.error ?? e.status) : null,
            restored: (result?.restored ?? []).map((r) => r.targetId),
            cleanedUp: left.length === 0,
            leftBehind: left,
            rtoAlarm: failed || (mine.restoreMinutes ?? 0) > settings.rtoMinutes,
          };
        });
        arm(t);
      });
    };
    arm(startMs);
  };

  for (const stack of stacks) {
    const c = stack.config;
    const plan = deploymentPlan(c);
    const sched = { ...schedulesFor(c), ...scenario.triggers.schedules };
    const has = (x: string) => plan.components.includes(x as never);
    const onSchedule = (m: Machine, expression: string | undefined) => {
      if (!expression) return;
      const s = parseSchedule(expression, startMs);
      const arm = (after: number) => {
        const t = s.next(after);
        if (t === undefined || t > endMs) return;
        engine.at(t, () => {
          startExecution(m, {}, "schedule");
          arm(t);
        });
      };
      arm(startMs);
    };
    if (c.role !== "dr" && has("taker")) onSchedule(await makeMachine(stack, "take"), sched.taker);
    if (c.role === "source" && has("sharer")) {
      const m = await makeMachine(stack, "share");
      onSchedule(m, sched.sharer);
      if (plan.eventRules.sharer && scenario.triggers.events) {
        rdsEventListeners.push((account, region, snap) => {
          if (account !== stack.account || region !== c.region) return;
          const kind = RDS_CREATED[snap.kind];
          const time = new Date(engine.now).toISOString();
          startExecution(
            m,
            {
              version: "0",
              id: `sim-${engine.eventCount}`,
              "detail-type": kind.detailType,
              source: "aws.rds",
              account,
              time,
              region,
              resources: [snap.arn],
              detail: {
                EventCategories: ["creation"],
                SourceType: kind.sourceType,
                SourceArn: snap.arn,
                Date: time,
                Message: "Manual snapshot created",
                SourceIdentifier: snap.id,
                EventID: kind.eventId,
              },
            },
            "rds-event",
          );
        });
      }
    }
    if (c.role !== "source" && has("copier")) {
      const m = await makeMachine(stack, "copy");
      onSchedule(m, sched.copier);
      if (plan.eventRules.copier && scenario.triggers.events) {
        const bus = drEventBusArn(stack.account, c.region);
        copierRoutes.push({ bus, machine: m });
      }
    }
    if (has("janitor")) {
      for (const stage of plan.janitorStages) onSchedule(await makeMachine(stack, "expire", stage), sched.janitor);
    }
    if (c.role !== "source" && has("freshness")) armFreshness(stack);
    if (c.role !== "source" && has("restorer")) armDrills(stack, scenario.triggers.schedules.drill);
  }

  // The DR bus: the Sharer's PutEvents start the Copier whose rule matches.
  world.onPutEvents = ({ account, region, entry }) => {
    const route = copierRoutes.find((r) => matchesBus(entry, r.bus));
    if (!route || entry.Source !== SHARED_SOURCE || entry.DetailType !== SHARED_DETAIL_TYPE) return;
    const detail = JSON.parse(entry.Detail ?? "{}") as unknown;
    const event = {
      version: "0",
      id: `sim-${engine.eventCount}`,
      "detail-type": entry.DetailType,
      source: entry.Source,
      account,
      time: new Date(engine.now).toISOString(),
      region,
      resources: entry.Resources ?? [],
      detail,
    };
    // Delivered asynchronously, as EventBridge does, once the Sharer's call returned.
    engine.after(0, () => startExecution(route.machine, event, "shared-event"));
  };

  // ---------------------------------------------------------------- faults on a timetable
  const faultNotes: string[] = [];
  const f = scenario.faults;
  if (f.throttleRate > 0) faultNotes.push(`${f.throttleRate * 100}% of API calls throttled`);
  if (f.failedCopyRate > 0) faultNotes.push(`${f.failedCopyRate * 100}% of copies fail`);
  for (const o of f.outages) {
    faultNotes.push(
      `${o.account ? `account ${o.account}` : `state machine ${o.stateMachine}${o.inAccount ? ` in ${o.inAccount}` : ""}`} down ` +
        `${new Date(startMs + o.startHours * HOUR).toISOString()} for ${o.hours} h`,
    );
  }
  for (const d of f.deleteDbs) {
    const st = dbStates.find((x) => x.account === d.account && x.db.id === d.id)!;
    faultNotes.push(`DB ${d.account}/${d.id} deleted at ${new Date(startMs + d.atHours * HOUR).toISOString()}`);
    engine.at(startMs + d.atHours * HOUR, () => {
      world.deleteDb(st.account, st.region, st.db.id);
      st.deletedAt = engine.now;
    });
  }
  for (const [i, q] of f.snapshotQuotas.entries()) {
    const stack = sourceStacks.find((s) => s.account === q.account) ?? stacks.find((s) => s.account === q.account);
    const region = q.region ?? stack?.config.region;
    if (!region)
      throw new Error(`${scenario.source}: faults.snapshotQuotas[${i}]: no stack deploys into account ${q.account}`);
    const fillers = Math.max(0, worldQuota - q.max);
    faultNotes.push(
      `manual snapshot quota of ${q.account}/${region} left to the tool: ${q.max}` +
        `${q.hours !== undefined ? ` for ${q.hours} h` : ""} from ${new Date(startMs + q.startHours * HOUR).toISOString()}`,
    );
    // Someone else's manual snapshots occupy the rest of the quota (both kinds), then are removed.
    const ids = (kind: string) => Array.from({ length: fillers }, (_, n) => `other-${kind}-${i}-${n}`);
    engine.at(startMs + q.startHours * HOUR, () => {
      for (const kind of ["instance", "cluster"] as const) {
        for (const id of ids(kind)) world.addSnapshot(q.account, region, { kind, id, dbId: "someone-elses-db" });
      }
    });
    if (q.hours !== undefined) {
      engine.at(startMs + (q.startHours + q.hours) * HOUR, () => {
        const saved = world.faults;
        world.faults = {};
        const rds = world.clients(q.account).rds(region);
        engine.spawn("quota-release", async () => {
          try {
            const { DeleteDBSnapshotCommand, DeleteDBClusterSnapshotCommand } = await import("@aws-sdk/client-rds");
            for (const id of ids("instance")) await rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: id }));
            for (const id of ids("cluster"))
              await rds.send(new DeleteDBClusterSnapshotCommand({ DBClusterSnapshotIdentifier: id }));
          } finally {
            world.faults = saved;
          }
        });
      });
    }
  }

  // ---------------------------------------------------------------- sampling
  const held = new Map<string, SnapshotsHeld & { max: number; atEnd: number }>();
  const freshness = new Map<string, AlarmTracker>();
  const seenCopies = new Set<string>();
  const drLocations = new Set<string>();
  for (const st of dbStates) for (const s of st.stages.values()) drLocations.add(`${s.account}|${s.region}`);
  const places = new Set<string>();
  for (const s of stacks) {
    places.add(`${s.account}|${s.config.region}`);
    if (s.config.drRegion) places.add(`${s.account}|${s.config.drRegion}`);
  }
  // The world returns the same object for a snapshot until it changes, so what a sample derives from an owned
  // snapshot (its DB key and recovery point) is worked out once per object, and a copy already counted is skipped
  // by identity before its `seenCopies` key is even built.
  type Derived = { key: string; rp: number } | null;
  const derived = new WeakMap<object, Derived>();
  const derivedOf = (s: ReturnType<RdsWorld["snapshots"]>[number]): Derived => {
    let d = derived.get(s);
    if (d === undefined) {
      d = isOwned(s.tags)
        ? { key: `${s.tags[TAG.sourceAccount] ?? ""}/${s.dbId}`, rp: recoveryPointOf(s)?.getTime() ?? 0 }
        : null;
      derived.set(s, d);
    }
    return d;
  };
  const counted = new WeakSet<object>();
  let sampleCount = 0;
  const sample = () => {
    const t = engine.now;
    // Listing a location is the expensive part of a sample: list each one at most once.
    const listed = new Map<string, ReturnType<RdsWorld["snapshots"]>>();
    const list = (loc: string) => {
      let l = listed.get(loc);
      if (!l) {
        const [account, region] = loc.split("|") as [string, string];
        l = world.snapshots(account, region);
        listed.set(loc, l);
      }
      return l;
    };
    const index = new Map<string, Map<string, { newest: number; available: number }>>();
    for (const loc of drLocations) {
      const [account, region] = loc.split("|") as [string, string];
      const byDb = new Map<string, { newest: number; available: number }>();
      for (const s of list(loc)) {
        if (s.status !== "available") continue;
        const d = derivedOf(s);
        if (!d) continue;
        const e = byDb.get(d.key) ?? { newest: Number.NEGATIVE_INFINITY, available: 0 };
        e.newest = Math.max(e.newest, d.rp);
        e.available++;
        byDb.set(d.key, e);
        if (counted.has(s)) continue;
        counted.add(s);
        const key = d.key;
        const copyKey = `${loc}|${s.id}`;
        if (!seenCopies.has(copyKey)) {
          seenCopies.add(copyKey);
          for (const db of dbStates) {
            if (`${db.account}/${db.db.id}` !== key) continue;
            for (const stage of db.stages.values()) {
              if (stage.account !== account || stage.region !== region) continue;
              if (s.incremental) stage.incremental++;
              else stage.full++;
              stage.firstCopyAt ??= t;
            }
          }
        }
      }
      index.set(loc, byDb);
    }
    const worst = new Map<string, boolean>();
    for (const db of dbStates) {
      const live = db.deletedAt === undefined;
      for (const [stageName, s] of db.stages) {
        const e = index.get(`${s.account}|${s.region}`)?.get(`${db.account}/${db.db.id}`);
        s.held = e?.available ?? 0;
        if (s.checkMinKeep && s.held < Math.min(s.minKeep, s.maxHeld)) {
          belowMinKeep.push(
            `${new Date(t).toISOString()}: ${db.account}/${db.db.id} has ${s.held} available copies in ${s.account}/${s.region} ` +
              `(had ${s.maxHeld}; retention minKeep ${s.minKeep})`,
          );
        }
        s.maxHeld = Math.max(s.maxHeld, s.held);
        if (!live) continue;
        const ageMin = (t - (e && Number.isFinite(e.newest) ? e.newest : startMs)) / MINUTE;
        s.points.push([t, round1(ageMin)]);
        if (t < scoredFrom) continue;
        s.ages.push(ageMin);
        const over = ageMin > db.rpoMinutes;
        if (over) s.over++;
        if (monitored.has(`${s.account}|${s.region}`)) continue;
        const alarmKey = `${s.account}/${s.region} recovery-point age over RPO (${stageName}, sampled)`;
        worst.set(alarmKey, (worst.get(alarmKey) ?? false) || over);
      }
    }
    for (const [k, breaching] of worst) {
      let a = freshness.get(k);
      if (!a) {
        a = new AlarmTracker(k, "sampled-age");
        freshness.set(k, a);
      }
      a.set(breaching, t);
    }
    // Manual snapshots held per account, region and kind: every 15 minutes (or every sample when sparser), plus
    // the last sample.
    const heldEvery = Math.max(1, Math.round(15 / scenario.sampleMinutes));
    if (sampleCount++ % heldEvery !== 0 && t + sampleMs <= endMs) return;
    for (const p of places) {
      const [account, region] = p.split("|") as [string, string];
      const counts = { instance: 0, cluster: 0 };
      for (const s of list(p)) if (s.type === "manual") counts[s.kind]++;
      for (const kind of ["instance", "cluster"] as const) {
        const key = `${p}|${kind}`;
        const h = held.get(key) ?? { account, region, kind, max: 0, atEnd: 0, quota: quotaOf(account) };
        h.max = Math.max(h.max, counts[kind]);
        h.atEnd = counts[kind];
        held.set(key, h);
      }
    }
  };
  const sampleMs = scenario.sampleMinutes * MINUTE;
  const scoredFrom = startMs + scenario.warmupHours * HOUR;
  const armSample = (t: number) => {
    if (t > endMs) return;
    engine.at(t, () => {
      sample();
      armSample(t + sampleMs);
    });
  };
  armSample(startMs + sampleMs);

  // ---------------------------------------------------------------- run
  await engine.runUntil(endMs, (t) => options.onProgress?.((t - startMs) / (endMs - startMs)));

  // ---------------------------------------------------------------- report
  const dbs: DbReport[] = dbStates.map((d) => {
    const stages: Partial<Record<DrStage, AgeStats>> = {};
    let missed = false;
    for (const [name, s] of d.stages) {
      const sorted = [...s.ages].sort((a, b) => a - b);
      const max = round1(sorted[sorted.length - 1] ?? 0);
      if (s.over > 0) missed = true;
      stages[name] = {
        region: s.region,
        p50: round1(percentile(sorted, 50)),
        p95: round1(percentile(sorted, 95)),
        max,
        samples: sorted.length,
        samplesOverRpo: s.over,
        firstCopyAt: s.firstCopyAt !== undefined ? new Date(s.firstCopyAt).toISOString() : null,
        copies: { full: s.full, incremental: s.incremental },
        heldAtEnd: s.held,
      };
    }
    return {
      account: d.account,
      region: d.region,
      id: d.db.id,
      kind: d.db.kind,
      sizeGb: d.db.sizeGb,
      rpoMinutes: d.rpoMinutes,
      deletedAt: d.deletedAt !== undefined ? new Date(d.deletedAt).toISOString() : null,
      stages,
      missedRpo: missed,
    };
  });

  const machineReports: MachineReport[] = machines.map((m) => ({
    name: m.name,
    account: m.account,
    region: m.region,
    step: m.step,
    started: m.started,
    succeeded: m.succeeded,
    failed: m.failed,
    running: m.running,
    errors: sortKeys(m.errors),
    handlerRuns: m.handlerRuns,
    apiCalls: {
      total: m.callsTotal,
      perRunMean: round1(m.callsTotal / Math.max(1, m.handlerRuns)),
      perRunMax: m.callsMax,
    },
    triggers: sortKeys(m.triggers),
  }));

  const series: Record<string, [number, number][]> = {};
  const samples = new Map<string, { rpoMinutes: number; points: [number, number][] }>();
  for (const d of dbStates) {
    for (const [stage, s] of d.stages) {
      const key = `${d.account}/${d.db.id} ${stage}`;
      samples.set(key, { rpoMinutes: d.rpoMinutes, points: s.points });
      // Hourly maxima keep report.json small while still showing every miss.
      const hourly = new Map<number, number>();
      for (const [t, age] of s.points) {
        const h = Math.floor((t - startMs) / HOUR);
        hourly.set(h, Math.max(hourly.get(h) ?? 0, age));
      }
      series[key] = [...hourly.entries()].map(([h, age]) => [(h + 1) * 60, age]);
    }
  }

  const alarms = [
    ...machines
      .filter((m) => m.alarm.episodes.length > 0)
      .map((m) => ({ name: m.alarm.name, kind: m.alarm.kind, episodes: m.alarm.episodes })),
    ...[...recoveryAlarms, ...freshness.values()]
      .filter((a) => a.episodes.length > 0)
      .map((a) => ({ name: a.name, kind: a.kind, episodes: a.episodes })),
  ];
  const totals = {
    apiCalls: machines.reduce((a, m) => a + m.callsTotal, 0),
    executions: machines.reduce((a, m) => a + m.started, 0),
    executionsFailed: machines.reduce((a, m) => a + m.failed, 0),
    copiesFull: dbStates.reduce((a, d) => a + [...d.stages.values()].reduce((b, s) => b + s.full, 0), 0),
    copiesIncremental: dbStates.reduce((a, d) => a + [...d.stages.values()].reduce((b, s) => b + s.incremental, 0), 0),
  };
  const report: SimulationReport = {
    scenario: {
      name: scenario.name,
      source: displayPath(scenario.source),
      seed: scenario.seed,
      days: scenario.days,
      start: new Date(startMs).toISOString(),
      end: new Date(endMs).toISOString(),
      stacks: stacks.map(
        (s) =>
          `${basename(s.file)} (${s.config.role}, ${s.account}, ${s.config.region}${s.config.drRegion ? ` -> ${s.config.drRegion}` : ""})`,
      ),
      sampleMinutes: scenario.sampleMinutes,
      warmupHours: scenario.warmupHours,
    },
    dbs,
    snapshotsHeld: [...held.values()].filter((h) => h.max > 0),
    machines: machineReports,
    alarms,
    recovery: { freshness: freshnessRuns, drills },
    safety: { newestCopyDeleted, belowMinKeep: belowMinKeep.slice(0, 50) },
    faults: faultNotes,
    totals,
    missedRpo: dbs.filter((d) => d.missedRpo).map((d) => `${d.account}/${d.id}`),
    series,
  };
  return { report, samples, wallMs: performance.now() - wallStart };
}

function matchesBus(entry: PutEventsRequestEntry, busArn: string): boolean {
  const name = entry.EventBusName ?? "default";
  return name === busArn || busArn.endsWith(`:event-bus/${name}`);
}

function findRate(rates: ReadonlyMap<string, number>, dbId: string): number | undefined {
  for (const [k, v] of rates) if (k.endsWith(`/${dbId}`)) return v;
  return undefined;
}

function sortKeys(o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => a.localeCompare(b)));
}

/** Paths relative to the working directory, so reports do not depend on where the repository lives. */
function displayPath(p: string): string {
  const cwd = process.cwd();
  return p.startsWith(`${cwd}/`) ? p.slice(cwd.length + 1) : p;
}
