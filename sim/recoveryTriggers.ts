/**
 * Recovery components of the DR stacks, on their schedules: the FreshnessMonitor Lambda and its alarms, and the
 * SnapshotRestorer's drill state machine and its alarms.
 */

import { recoveryRegion } from "../config";
import { expectedDbAlarms, PER_DB_ALARM_METRIC } from "../functions/freshness/alarms";
import { errorName } from "../functions/lib/errors";
import { DRILL_PREFIX } from "../functions/restore/config";
import { DRILL_VALIDATION_FAILED } from "../functions/restore/handler";
import { drillInput, freshnessAlarmPeriodSeconds } from "../functions/restore/stackConfig";
import type { Executions, Machine } from "./executions";
import {
  freshnessHandlerFor,
  MetricAlarmModel,
  type MetricDatum,
  modeledValidator,
  recordingObservability,
  recoverySettingsOf,
  restoreMachineFor,
} from "./recovery";
import { AlarmTracker, type DrillReport, type FailoverReport, type FreshnessRunsReport, round1 } from "./report";
import { parseSchedule } from "./schedule";
import { HOUR, MINUTE, type SimContext, type Stack } from "./simContext";
import { debugLog } from "./stepHandlers";

/**
 * Lambda's retries of a failed asynchronous invocation (EventBridge Scheduler invokes Lambda asynchronously): two
 * more attempts, one minute and then two minutes later
 * (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-error-handling.html).
 */
const ASYNC_RETRY_DELAYS_MS = [MINUTE, 2 * MINUTE] as const;
/** Period of the SnapshotRestorer's drill alarms (components/snapshotRestorer.ts `DRILL_ALARM_PERIOD_SECONDS`). */
const DRILL_ALARM_PERIOD_MS = 86_400_000;

/** What the recovery components record for the report. */
export interface RecoveryRecord {
  readonly alarms: AlarmTracker[];
  readonly freshnessRuns: FreshnessRunsReport[];
  readonly drills: DrillReport[];
  /** Failovers the scenario started (`recovery.failovers`). */
  readonly failovers: FailoverReport[];
  /** DR locations (`account|region`) a FreshnessMonitor watches: their sampled-age alarm is left out. */
  readonly monitored: Set<string>;
}

/** Arms the recovery components of DR stacks on the engine. */
export class RecoveryTriggers {
  readonly record: RecoveryRecord = { alarms: [], freshnessRuns: [], drills: [], failovers: [], monitored: new Set() };

  constructor(
    private readonly ctx: SimContext,
    private readonly executions: Executions,
  ) {}

  /**
   * FreshnessMonitor: the real Lambda every `freshnessScheduleMinutes`, and one CloudWatch alarm per stage on the
   * `MaxRecoveryPointAgeMinutes` it publishes (components/freshnessMonitor.ts: Maximum > rpoMinutes, one period of
   * twice the schedule, missing data breaching).
   */
  armFreshness(stack: Stack): void {
    const { engine, startMs, endMs, scenario } = this.ctx;
    const { monitored, freshnessRuns } = this.record;
    const recoveryAlarms = this.record.alarms;
    const alarmsFrom = startMs + scenario.warmupHours * HOUR;
    const c = stack.config;
    const settings = recoverySettingsOf(c);
    const minutes = settings.freshnessScheduleMinutes;
    const expression = `rate(${minutes} ${minutes === 1 ? "minute" : "minutes"})`;
    const periodMs = freshnessAlarmPeriodSeconds(minutes) * 1000;
    // The FreshnessMonitor lives in the recovery region (issue 11): a home-region outage does not stop it.
    const home = recoveryRegion(c);
    const name = `${stack.account}/${home}/freshness`;
    const alarms = new Map<string, { model: MetricAlarmModel; tracker: AlarmTracker }>();
    const datapoints: Record<string, number> = {};
    for (const stage of settings.freshnessStages) {
      monitored.add(`${stack.account}|${stage === "dr" ? c.region : c.drRegion}`);
      const tracker = new AlarmTracker(`${stack.account}/${home} freshness alarm (${stage})`, "freshness");
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
    // One alarm per expected DB and stage (issue 13), as components/freshnessMonitor.ts creates them.
    for (const e of expectedDbAlarms(settings.expectedDbs, c.retiredDbs, settings.freshnessStages)) {
      const tracker = new AlarmTracker(
        `${stack.account}/${home} freshness alarm (${e.stage}, DB ${e.ref})`,
        "freshness",
      );
      recoveryAlarms.push(tracker);
      const model = new MetricAlarmModel({
        periodMs,
        threshold: c.rpoMinutes,
        comparison: "GreaterThanThreshold",
        statistic: "Maximum",
        treatMissingData: "breaching",
      });
      alarms.set(`${e.stage}|${e.ref}`, { model, tracker });
    }
    // The per-stage multi-time-series alarm (components/freshnessMonitor.ts `-per-db-alarm`): one contributor per
    // DbId series, created when its first datapoint arrives; a contributor without data is OK (it does not exist).
    const contributors = new Map<string, { model: MetricAlarmModel; tracker: AlarmTracker }>();
    const contributorOf = (stage: string, db: string) => {
      const key = `${stage}|${db}`;
      let a = contributors.get(key);
      if (!a) {
        a = {
          model: new MetricAlarmModel({
            periodMs,
            threshold: c.rpoMinutes,
            comparison: "GreaterThanThreshold",
            statistic: "Maximum",
            treatMissingData: "notBreaching",
          }),
          tracker: new AlarmTracker(
            `${stack.account}/${home} per-DB freshness alarm (${stage}, DB ${db})`,
            "freshness",
          ),
        };
        contributors.set(key, a);
        recoveryAlarms.push(a.tracker);
      }
      return a;
    };
    const onMetric = (d: MetricDatum) => {
      const stage = d.dimensions.Stage ?? "";
      if (d.name === PER_DB_ALARM_METRIC.name) {
        const db = d.dimensions[PER_DB_ALARM_METRIC.contributorDimension];
        if (db !== undefined && settings.freshnessStages.includes(stage as never))
          contributorOf(stage, db).model.put(engine.now, d.value);
        return;
      }
      const key =
        d.name === "MaxRecoveryPointAgeMinutes"
          ? stage
          : d.name === "ExpectedDbRecoveryPointAgeMinutes"
            ? `${stage}|${d.dimensions.Db ?? ""}`
            : undefined;
      if (key === undefined) return;
      const a = alarms.get(key);
      if (!a) return;
      a.model.put(engine.now, d.value);
      if (key === stage) datapoints[stage] = (datapoints[stage] ?? 0) + 1;
    };
    const handler = freshnessHandlerFor(c, {
      clients: this.executions.clientsFor(stack.account),
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
    const invoke = (attempt: number) => {
      if (this.executions.regionDown(home)) {
        // Scheduler and Lambda of a region that is down run nothing.
        (runs as { lost: number }).lost++;
        return;
      }
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
    };
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
        for (const a of contributors.values()) a.tracker.set(a.model.evaluate(end), end);
        evaluateAt(end + periodMs);
      });
    };
    evaluateAt(Math.ceil(alarmsFrom / periodMs) * periodMs + periodMs);
  }

  /**
   * SnapshotRestorer: the real restore state machine on the drill schedule, in `mode: drill`, and its alarms
   * (components/snapshotRestorer.ts: DrillSucceeded < 1, RestoreDurationMinutes > RTO, daily period, missing data
   * not breaching).
   */
  armDrills(stack: Stack, override: string | undefined): void {
    const { engine, startMs, endMs, world, scenario } = this.ctx;
    const { drills } = this.record;
    const recoveryAlarms = this.record.alarms;
    const c = stack.config;
    // The SnapshotRestorer lives in the recovery region (issue 11).
    const home = recoveryRegion(c);
    const functionArn = `arn:aws:lambda:${home}:${stack.account}:function:rpl-${stack.name}-restore`.slice(0, 200);
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
      if (d.name === "DrillValidationMinutes") current.validationMinutes = d.value;
    };
    const { definition, handlers, settings } = restoreMachineFor(
      c,
      functionArn,
      {
        clients: this.executions.clientsFor(stack.account),
        clock: engine.clock,
        obs: recordingObservability(onMetric, debugLog),
      },
      modeledValidator(scenario.recovery.drillValidator, (ms) => engine.sleep(ms)),
    );
    settingsRto = settings.rtoMinutes;
    const machineName = `${stack.account}/${home}/restore`;
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
    const m = this.executions.newMachine(stack, machineName, "restore", definition, handlers, home);
    for (const f of scenario.recovery.failovers) this.armFailover(m, settings, f);
    const expression = override ?? (settings.drillSchedule === "off" ? undefined : settings.drillSchedule);
    if (!expression) return;
    // Metrics of the drill in flight (drills of one machine never overlap in a schedule of hours or more).
    let current: { restoreMinutes: number | null; validationMinutes: number | null } = {
      restoreMinutes: null,
      validationMinutes: null,
    };
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
        current = { restoreMinutes: null, validationMinutes: null };
        const mine = current;
        const index = drills.length;
        const entry: DrillReport = {
          machine: machineName,
          region: settings.region,
          startedAt: new Date(t).toISOString(),
          finishedAt: null,
          durationMinutes: null,
          restoreMinutes: null,
          validation: null,
          validationMinutes: null,
          validationReason: null,
          status: "RUNNING",
          error: null,
          restored: [],
          cleanedUp: false,
          leftBehind: [],
          rtoMinutes: settings.rtoMinutes,
          rtoAlarm: false,
        };
        drills.push(entry);
        this.executions.start(m, drillInput(settings), "schedule", (e) => {
          const left = drillDbs();
          // The drill's Succeed state outputs the restorer's result (`OutputPath: $.result`).
          const result = e.output as
            | { restored?: { targetId: string }[]; drill?: { validation?: "passed" | "none"; reason?: string } }
            | undefined;
          const failed = e.status !== "SUCCEEDED";
          const rejected = e.error === DRILL_VALIDATION_FAILED;
          drills[index] = {
            ...entry,
            finishedAt: new Date(engine.now).toISOString(),
            durationMinutes: round1((engine.now - t) / MINUTE),
            restoreMinutes: mine.restoreMinutes,
            validation: rejected ? "failed" : (result?.drill?.validation ?? null),
            validationMinutes: mine.validationMinutes,
            validationReason: rejected ? (e.cause ?? null) : (result?.drill?.reason ?? null),
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
  }

  /** A failover an operator starts (`recovery.failovers`): the same restore state machine, `mode: restore`. */
  private armFailover(
    m: Machine,
    settings: { rtoMinutes: number; region: string },
    f: { atHours: number; dbIds?: string[] | undefined },
  ): void {
    const { engine, startMs, endMs } = this.ctx;
    const { failovers } = this.record;
    const t = startMs + f.atHours * HOUR;
    if (t > endMs) return;
    engine.at(t, () => {
      const index = failovers.length;
      const entry: FailoverReport = {
        machine: m.name,
        region: settings.region,
        startedAt: new Date(t).toISOString(),
        finishedAt: null,
        status: "RUNNING",
        error: null,
        elapsedMinutes: null,
        rtoMinutes: settings.rtoMinutes,
        withinRto: false,
        restored: [],
      };
      failovers.push(entry);
      const input = { mode: "restore", ...(f.dbIds && f.dbIds.length > 0 ? { dbIds: f.dbIds } : {}) };
      this.executions.start(m, input, "operator", (e) => {
        const out = e.output as
          | { elapsedMinutes?: number; restored?: { key: string; targetId: string; recoveryPoint: string }[] }
          | undefined;
        const ok = e.status === "SUCCEEDED";
        const elapsed = out?.elapsedMinutes ?? null;
        failovers[index] = {
          ...entry,
          finishedAt: new Date(engine.now).toISOString(),
          status: ok ? "SUCCEEDED" : "FAILED",
          error: ok ? null : (e.error ?? e.status),
          elapsedMinutes: elapsed,
          withinRto: ok && elapsed !== null && elapsed <= settings.rtoMinutes,
          restored: (out?.restored ?? []).map((r) => ({
            db: r.key,
            targetId: r.targetId,
            recoveryPoint: r.recoveryPoint,
            ageAtStartMinutes: round1((t - Date.parse(r.recoveryPoint)) / MINUTE),
          })),
        };
      });
    });
  }
}
