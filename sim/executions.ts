/**
 * Execution: the stacks' state machines run by aws-local-stepfunctions with their Task states bound to the real
 * handler cores, through SDK clients that count API calls per Lambda invocation, tell the duration model which
 * operation is in flight, announce snapshots RDS makes available, and check the safety invariant "never delete the
 * newest available copy". Each machine's executions, failures, API calls and failure alarm are recorded here.
 */

import { FUNCTION_TIMEOUT_SECONDS } from "../components/shared/lambdaSettings";
import { buildSweepStepDefinition } from "../components/shared/sweepMachine";
import { copyCheckLoop, type Step, sweepMapOptions } from "../config";
import type { AwsClients } from "../functions/lib/clients";
import { errorName } from "../functions/lib/errors";
import { recoveryTimeOf, type Snapshot } from "../functions/lib/model";
import { QUOTA_BLOCKED_METRIC } from "../functions/lib/quotaMetric";
import { isOwned, TAG } from "../functions/lib/tags";
import { ThrottledRuns } from "./apiUsage";
import { operationName } from "./aws/rdsModel";
import {
  currentInvocation,
  InvocationStoppedError,
  newInvocationRecord,
  runInInvocation,
  type SimFunction,
  SimLambdaRuntime,
} from "./lambdaRuntime";
import { type Executor, runStateMachine, type TaskHandler } from "./localStepFunctions";
import { AlarmTracker } from "./report";
import { MINUTE, type SimContext, type Stack } from "./simContext";
import { loadStepHandler } from "./stepHandlers";

/** CloudWatch period of the step failure alarms (ExecutionsFailed >= 1 in 5 minutes). */
const ALARM_PERIOD_MS = 5 * MINUTE;

/** A deployed state machine and what its executions did. */
export interface Machine {
  readonly name: string;
  readonly account: string;
  readonly region: string;
  readonly step: string;
  readonly definition: object;
  readonly handlers: Readonly<Record<string, TaskHandler>>;
  /** The Lambda configuration of each handler, by ARN: its invocations get a Lambda context (sim/lambdaRuntime.ts). */
  functions?: Readonly<Record<string, SimFunction>>;
  started: number;
  succeeded: number;
  failed: number;
  running: number;
  handlerRuns: number;
  callsTotal: number;
  callsMax: number;
  readonly errors: Record<string, number>;
  /** Executions that failed because of throttling (error or cause names it; sim/apiUsage.ts). */
  failedThrottling: number;
  readonly triggers: Record<string, number>;
  readonly alarm: AlarmTracker;
  lastFailureAt: number;
}

/** What {@link Executions.start} tells `onDone` when an execution ends. */
export type Ended = { status: string; error?: string; cause?: string; output?: unknown };

/** `RPL_SIM_DEBUG` (print every execution), read once per process. */
const DEBUG = Boolean(process.env.RPL_SIM_DEBUG);

/** The machines of a simulation, their clients, and their executions. */
export class Executions {
  readonly machines: Machine[] = [];
  /** Called when RDS announces a manual snapshot as available ("manual snapshot created" on EventBridge). */
  readonly snapshotAvailableListeners: ((account: string, region: string, snap: Snapshot) => void)[] = [];
  private readonly clientCache = new Map<string, AwsClients>();
  /** Runs each step Lambda invocation with a Lambda context counting down in virtual time. */
  private readonly lambda: SimLambdaRuntime;

  constructor(
    private readonly ctx: SimContext,
    /** Executor of every execution (sim/localStepFunctions.ts); both give the same results. */
    private readonly executor: Executor = "fast",
  ) {
    this.lambda = new SimLambdaRuntime(ctx.engine, ctx.scenario.seed);
  }

  /** Clients that count calls per Lambda invocation and tell the duration model which DB a create/copy is for. */
  clientsFor(account: string): AwsClients {
    const cached = this.clientCache.get(account);
    if (cached) return cached;
    const { world, slot } = this.ctx;
    const base = world.clients(account);
    const wrap = <C extends object>(region: string, client: C): C => {
      const target = client as unknown as {
        send: (cmd: { input: Record<string, unknown> }, ...rest: unknown[]) => Promise<unknown>;
      };
      const send = (cmd: { input: Record<string, unknown>; constructor: { name: string } }, ...rest: unknown[]) => {
        // A Lambda stopped at its timeout makes no more calls (sim/lambdaRuntime.ts).
        const counter = currentInvocation();
        if (counter?.stopped) return Promise.reject(new InvocationStoppedError(counter.functionName));
        if (counter) counter.calls++;
        // The model's own name for the operation: a bundle renames SDK command classes (see operationName).
        const command = operationName(cmd) ?? "unknown";
        const isDelete = command === "DeleteDBSnapshot" || command === "DeleteDBClusterSnapshot";
        const onDeleted = isDelete ? this.beforeDelete(account, region, cmd.input) : undefined;
        slot.current = { account, region, command, input: cmd.input };
        let p: Promise<unknown>;
        try {
          p = target.send(cmd, ...rest);
        } finally {
          slot.current = undefined;
        }
        return p.then((out) => {
          onDeleted?.();
          this.afterCall(account, region, command, cmd.input);
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
      return proxy;
    };
    // One wrapped client per service and region, looked up by region (the handlers ask for one per SDK call).
    const perRegion = <C extends object>(make: (region: string) => C) => {
      const byRegion = new Map<string, C>();
      return (region: string): C => {
        let c = byRegion.get(region);
        if (c === undefined) {
          c = wrap(region, make(region));
          byRegion.set(region, c);
        }
        return c;
      };
    };
    const made: AwsClients = {
      rds: perRegion((r) => base.rds(r)),
      kms: perRegion((r) => base.kms(r)),
      events: perRegion((r) => base.events(r)),
    };
    this.clientCache.set(account, made);
    return made;
  }

  /** The state machine a stack deploys for a step, its Task states bound to the real handler cores. */
  async makeMachine(stack: Stack, step: Step, stage?: "source" | "dr"): Promise<Machine> {
    const c = stack.config;
    const keys = this.ctx.drKeys.get(stack);
    const refs = {
      ...(keys ? { drKmsKeyArn: keys.home } : {}),
      ...(keys?.region ? { drRegionKmsKeyArn: keys.region } : {}),
      accountId: stack.account,
      ...(stage ? { stage } : {}),
    };
    const fnArn = (s: string) =>
      `arn:aws:lambda:${c.region}:${stack.account}:function:rpl-${stack.name}-${s}`.slice(0, 200);
    const bind = (s: Step): Promise<TaskHandler> =>
      loadStepHandler({
        config: c,
        step: s,
        refs,
        clients: this.clientsFor(stack.account),
        clock: this.ctx.engine.clock,
        onMetric: (metric, dims) => {
          if (metric === QUOTA_BLOCKED_METRIC)
            this.quotaBlocked(stack.account, dims.Region ?? c.region, dims.Kind ?? "");
        },
      });
    const stepName = { take: "Take", share: "Share", copy: "Copy", check: "Check", expire: "Expire" }[step];
    const name = `${stack.account}/${c.region}/${step}${stage ? `-${stage}` : ""}`;
    const handlers: Record<string, TaskHandler> = { [fnArn(step + (stage ? `-${stage}` : ""))]: await bind(step) };
    let definition: object;
    // The definitions the components deploy: sweeps fan out per DB on a Map (components/shared/sweepMachine.ts).
    // A scenario's own API budget (aws.apiRateLimit) is the account's budget the concurrency is derived from.
    const limit = this.ctx.scenario.aws.apiRateLimit;
    // An explicit sweep.maxConcurrency is kept; the pauses still follow the scenario's budget.
    const sweep = limit ? sweepMapOptions(c, limit) : sweepMapOptions(c);
    if (step === "copy" && this.ctx.scenario.triggers.copyCheckLoop) {
      handlers[fnArn("check")] = await bind("check");
      definition = buildSweepStepDefinition({
        stepName,
        functionArn: fnArn(step),
        check: { functionArn: fnArn("check"), ...copyCheckLoop(c) },
        sweep,
      });
    } else {
      definition = buildSweepStepDefinition({
        stepName,
        functionArn: fnArn(step + (stage ? `-${stage}` : "")),
        sweep,
        batched: step === "take",
      });
    }
    const m = this.newMachine(stack, name, step + (stage ? `-${stage}` : ""), definition, handlers);
    // Every step Lambda is deployed with the components' timeout (components/shared/stepResources.ts stepFunction).
    m.functions = Object.fromEntries(
      Object.keys(handlers).map((arn) => [
        arn,
        { functionArn: arn, step: arn === fnArn("check") ? "check" : step, timeoutSeconds: FUNCTION_TIMEOUT_SECONDS },
      ]),
    );
    return m;
  }

  /** Registers a machine (its definition and Task handlers) for the report. */
  newMachine(
    stack: Stack,
    name: string,
    step: string,
    definition: object,
    handlers: Record<string, TaskHandler>,
    region = stack.config.region,
  ): Machine {
    const m: Machine = {
      name,
      account: stack.account,
      region,
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
      failedThrottling: 0,
      triggers: {},
      alarm: new AlarmTracker(`${name} failures`, "step-failure"),
      lastFailureAt: Number.NEGATIVE_INFINITY,
    };
    this.machines.push(m);
    return m;
  }

  /** Starts an execution of `m` now (an engine process), unless a scenario outage has the machine down. */
  start(m: Machine, input: unknown, trigger: string, onDone?: (e: Ended) => void): void {
    const { engine, scenario, inWindow } = this.ctx;
    m.started++;
    m.triggers[trigger] = (m.triggers[trigger] ?? 0) + 1;
    const down = scenario.faults.outages.some(
      (o) =>
        o.stateMachine !== undefined &&
        m.step.startsWith(o.stateMachine) &&
        (o.inAccount === undefined || o.inAccount === m.account) &&
        inWindow(o, engine.now),
    );
    if (down) {
      this.recordFailure(m, "SimulatedOutage");
      onDone?.({ status: "FAILED", error: "SimulatedOutage" });
      return;
    }
    if (this.regionDown(m.region)) {
      this.recordFailure(m, "RegionOutage");
      onDone?.({ status: "FAILED", error: "RegionOutage" });
      return;
    }
    m.running++;
    const handlers: Record<string, TaskHandler> = {};
    const throttledRuns = new ThrottledRuns();
    // Every handler of a deployed step runs as a Lambda, which its function timeout ends: the executor needs no Task
    // timeout timer of its own where the Task allows at least that long (sim/aslInterpreter.ts runTask).
    let settleWithinMs: number | undefined = 0;
    for (const [arn, h] of Object.entries(m.handlers)) {
      const fn = m.functions?.[arn];
      if (fn && settleWithinMs !== undefined) settleWithinMs = Math.max(settleWithinMs, fn.timeoutSeconds * 1000);
      else settleWithinMs = undefined;
      // Not an async function: the invocation's promise, chained once.
      handlers[arn] = (payload) => {
        const counter = newInvocationRecord();
        const counted = () => {
          m.handlerRuns++;
          m.callsTotal += counter.calls;
          m.callsMax = Math.max(m.callsMax, counter.calls);
        };
        let run: Promise<unknown>;
        try {
          run = fn ? this.lambda.invoke(fn, h, payload, counter) : runInInvocation(counter, () => h(payload));
        } catch (err) {
          run = Promise.reject(err);
        }
        return run.then(
          (out) => {
            throttledRuns.note(payload);
            counted();
            return out;
          },
          (err: unknown) => {
            throttledRuns.note(payload, err);
            counted();
            throw err;
          },
        );
      };
    }
    const startedAt = engine.now;
    engine.spawn(m.name, async () => {
      let status: string;
      let error: string | undefined;
      let cause: string | undefined;
      let output: unknown;
      try {
        // Retry intervals (with the retriers' jitter) are slept in virtual time, as Step Functions waits them: a
        // herd of executions throttled together retries spread out, not at the same instant.
        const r = await runStateMachine(m.definition, {
          handlers,
          input,
          onWait: (seconds) => seconds * 1000,
          realRetryDelays: true,
          executor: this.executor,
          ...(settleWithinMs !== undefined ? { handlersSettleWithinMs: settleWithinMs } : {}),
        });
        status = r.status;
        error = r.error;
        cause = r.cause;
        output = r.output;
        if (DEBUG) {
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
      else {
        this.recordFailure(m, error ?? status);
        if (throttledRuns.explains(error, cause)) m.failedThrottling++;
      }
      onDone?.({
        status,
        ...(error !== undefined ? { error } : {}),
        ...(cause !== undefined ? { cause } : {}),
        output,
      });
    });
  }

  /** A region outage (`faults.outages[].region`) covers `region` now: nothing living there runs. */
  regionDown(region: string): boolean {
    const { engine, scenario, inWindow } = this.ctx;
    return scenario.faults.outages.some((o) => o.region === region && inWindow(o, engine.now));
  }

  /**
   * The quota alarms of components/shared/quotaAlarms.ts: one per account, region and kind on `SnapshotQuotaBlocked`
   * (Sum > 0 over one 5-minute period, missing data not breaching), so it fires when a step publishes a blocked
   * snapshot and returns to OK after a whole period without one.
   */
  readonly quotaAlarms = new Map<string, { tracker: AlarmTracker; lastAt: number }>();

  private quotaBlocked(account: string, region: string, kind: string): void {
    const { engine } = this.ctx;
    const key = `${account}/${region} ${kind} snapshot quota blocked`;
    let a = this.quotaAlarms.get(key);
    if (!a) {
      a = { tracker: new AlarmTracker(key, "quota"), lastAt: Number.NEGATIVE_INFINITY };
      this.quotaAlarms.set(key, a);
    }
    const alarm = a;
    alarm.lastAt = engine.now;
    alarm.tracker.set(true, engine.now);
    engine.after(ALARM_PERIOD_MS, () => {
      if (engine.now - alarm.lastAt >= ALARM_PERIOD_MS) alarm.tracker.set(false, engine.now);
    });
  }

  private recordFailure(m: Machine, error: string): void {
    const { engine } = this.ctx;
    m.failed++;
    m.errors[error] = (m.errors[error] ?? 0) + 1;
    m.lastFailureAt = engine.now;
    m.alarm.set(true, engine.now);
    // The alarm returns to OK after a whole period without failures (missing data treated as not breaching).
    engine.after(ALARM_PERIOD_MS, () => {
      if (engine.now - m.lastFailureAt >= ALARM_PERIOD_MS) m.alarm.set(false, engine.now);
    });
  }

  /** After a create: RDS announces the snapshot on EventBridge once it is available. */
  private afterCall(account: string, region: string, command: string, input: Record<string, unknown>): void {
    if (command !== "CreateDBSnapshot" && command !== "CreateDBClusterSnapshot") return;
    const { engine, world } = this.ctx;
    // RDS stores identifiers in lowercase.
    const id = String(input.DBSnapshotIdentifier ?? input.DBClusterSnapshotIdentifier ?? "").toLowerCase();
    const snap = world.snapshot(account, region, id);
    if (!snap) return;
    // The model's end time can be a fraction of a millisecond past the Date it reports, hence the +1.
    engine.at(snap.completesAt.getTime() + 1, () => {
      const current = world.snapshot(account, region, snap.id);
      if (current?.status === "available") for (const l of this.snapshotAvailableListeners) l(account, region, current);
    });
  }

  /** Before a delete: if it removes the newest available copy of a DB, returns what records that once it succeeded. */
  private beforeDelete(account: string, region: string, input: Record<string, unknown>): (() => void) | undefined {
    const { engine, world, safety } = this.ctx;
    const id = String(input.DBSnapshotIdentifier ?? input.DBClusterSnapshotIdentifier ?? "");
    const target = world.snapshot(account, region, id);
    if (!target || !isOwned(target.tags) || target.status !== "available") return undefined;
    const src = target.tags[TAG.sourceAccount];
    const targetRp = recoveryTimeOf(target) ?? 0;
    const newer = world
      .snapshotsOf(account, region, target.dbId)
      .some(
        (s) =>
          s !== target &&
          s.status === "available" &&
          isOwned(s.tags) &&
          s.dbId === target.dbId &&
          s.tags[TAG.sourceAccount] === src &&
          (recoveryTimeOf(s) ?? 0) >= targetRp,
      );
    if (newer) return undefined;
    return () =>
      safety.newestCopyDeleted.push(
        `${new Date(engine.now).toISOString()}: ${account}/${region} deleted ${target.id}, the newest available copy of ${src ?? "?"}/${target.dbId}`,
      );
  }
}
