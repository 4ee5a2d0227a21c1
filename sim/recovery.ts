/**
 * The recovery side of a DR stack in the simulator: the FreshnessMonitor's Lambda and alarms, and the
 * SnapshotRestorer's scheduled drills. Everything here is built from the same functions the components use
 * (`parseRecoverySettings`, `freshnessEnvironment`, `restoreEnvironment`, `buildRestoreDefinition`,
 * `freshnessAlarmPeriodSeconds`) and runs the real `makeHandler` cores; what the simulator adds is CloudWatch evaluating the
 * alarms on the metrics those handlers emit.
 */
import { buildRestoreDefinition } from "../components/shared/restoreStateMachine";
import { type PilotLightConfig, recoveryRegion } from "../config";
import { parseFreshnessConfig } from "../functions/freshness/config";
import { makeHandler as makeFreshnessHandler } from "../functions/freshness/handler";
import type { AwsClients } from "../functions/lib/clients";
import type { Observability } from "../functions/lib/powertools";
import { parseRestoreConfig } from "../functions/restore/config";
import { makeHandler as makeRestoreHandler, type RestoreEvent } from "../functions/restore/handler";
import {
  freshnessEnvironment,
  parseRecoverySettings,
  type RecoverySettings,
  restoreEnvironment,
} from "../functions/restore/stackConfig";
import type { TaskHandler } from "./localStepFunctions";

/** One metric datum a handler published (EMF), with the dimensions it was published under. */
export interface MetricDatum {
  readonly name: string;
  readonly value: number;
  readonly dimensions: Readonly<Record<string, string>>;
}

/**
 * An Observability whose metrics go to `onMetric` instead of stdout: both `addMetric` (dimensions added with
 * `addDimension(s)` on the shared instance) and `singleMetric()` documents. Logs go to `log` (warn/error only).
 */
export function recordingObservability(
  onMetric: (d: MetricDatum) => void,
  log: (...a: unknown[]) => void = () => {},
): Observability {
  const noop = () => {};
  const shared: Record<string, string> = {};
  const withDimensions = (dimensions: Record<string, string>) => ({
    addDimension: (k: string, v: string) => {
      dimensions[k] = v;
    },
    addDimensions: (d: Record<string, string>) => {
      Object.assign(dimensions, d);
    },
  });
  return {
    logger: { info: noop, warn: log, error: log, debug: noop, appendKeys: noop },
    metrics: {
      ...withDimensions(shared),
      addMetric: (name: string, _unit: string, value: number) => onMetric({ name, value, dimensions: { ...shared } }),
      addMetadata: noop,
      publishStoredMetrics: noop,
      singleMetric: () => {
        const dimensions: Record<string, string> = {};
        return {
          ...withDimensions(dimensions),
          addMetric: (name: string, _unit: string, value: number) =>
            onMetric({ name, value, dimensions: { ...dimensions } }),
          addMetadata: noop,
        };
      },
    },
  } as unknown as Observability;
}

/** The `restore` block of a DR stack, validated and defaulted exactly as the recovery components do it. */
export function recoverySettingsOf(config: PilotLightConfig): RecoverySettings {
  return parseRecoverySettings(config.restore, config);
}

/** Handler dependencies common to the recovery Lambdas. */
export interface RecoveryDeps {
  readonly clients: AwsClients;
  readonly clock: () => Date;
  readonly obs: Observability;
}

/**
 * The freshness Lambda's core as the FreshnessMonitor deploys it: environment from `freshnessEnvironment`, parsed by
 * `parseFreshnessConfig`, running in the recovery region (`recoveryRegion`: the DR region when set) and told the
 * home region, where the `dr` copies live.
 */
export function freshnessHandlerFor(config: PilotLightConfig, deps: RecoveryDeps): () => Promise<unknown> {
  const env = {
    RPL_HOME_REGION: config.region,
    ...freshnessEnvironment(recoverySettingsOf(config), config),
    AWS_REGION: recoveryRegion(config),
  };
  return makeFreshnessHandler({ ...deps, config: parseFreshnessConfig(env) });
}

/**
 * The restore state machine as the SnapshotRestorer deploys it (definition from `buildRestoreDefinition` with the
 * stack's RTO and drill validation Lambda; Lambda environment from `restoreEnvironment`, parsed by
 * `parseRestoreConfig`), in the recovery region. `validator` stands in for the stack's drill validation Lambda.
 */
export function restoreMachineFor(
  config: PilotLightConfig,
  functionArn: string,
  deps: RecoveryDeps,
  validator?: TaskHandler,
): { definition: object; handlers: Record<string, TaskHandler>; settings: RecoverySettings } {
  const settings = recoverySettingsOf(config);
  const env = {
    ...restoreEnvironment(settings, config.retiredDbs, config.source),
    AWS_REGION: recoveryRegion(config),
  };
  const handler = makeRestoreHandler({ ...deps, config: parseRestoreConfig(env) });
  const validatorArn = settings.drillValidationLambdaArn;
  if (validatorArn && !validator) {
    throw new Error(`restoreMachineFor: ${config.source} names a drill validation Lambda but no model was given`);
  }
  return {
    definition: buildRestoreDefinition({
      functionArn,
      rtoMinutes: settings.rtoMinutes,
      ...(validatorArn
        ? { validationFunctionArn: validatorArn, validationTimeoutSeconds: settings.drillValidationTimeoutSeconds }
        : {}),
    }),
    handlers: {
      [functionArn]: (p) => handler(p as RestoreEvent),
      ...(validatorArn && validator ? { [validatorArn]: validator } : {}),
    },
    settings,
  };
}

/** The scenario's model of a drill validation Lambda (`recovery.drillValidator`). */
export interface ValidatorModel {
  readonly answer: "pass" | "fail" | "error";
  readonly latencyMinutes: number;
  readonly reason?: string | undefined;
}

/**
 * A drill validation Lambda as the scenario describes it: takes `latencyMinutes` of virtual time (`sleep`), then
 * answers `{ passed, reason? }` or throws. Past the state machine's TimeoutSeconds, Step Functions gives up first.
 */
export function modeledValidator(model: ValidatorModel, sleep: (ms: number) => Promise<void>): TaskHandler {
  return async () => {
    await sleep(model.latencyMinutes * 60_000);
    if (model.answer === "error") {
      const err = new Error(model.reason ?? "could not connect to the restored DB");
      err.name = "DrillCheckError";
      throw err;
    }
    return { passed: model.answer === "pass", ...(model.reason ? { reason: model.reason } : {}) };
  };
}

/** Options of {@link MetricAlarmModel}. */
export interface MetricAlarmOptions {
  /** Alarm period, milliseconds. Periods are aligned to the epoch, as CloudWatch aligns them. */
  readonly periodMs: number;
  readonly threshold: number;
  readonly comparison: "GreaterThanThreshold" | "LessThanThreshold";
  /** Statistic over the period's datapoints. */
  readonly statistic: "Maximum" | "Minimum";
  readonly treatMissingData: "breaching" | "notBreaching";
}

/**
 * A CloudWatch metric alarm with one evaluation period: at the end of each period, the statistic of the datapoints
 * in that period is compared with the threshold; a period without datapoints counts as `treatMissingData` says.
 */
export class MetricAlarmModel {
  readonly #points: { t: number; v: number }[] = [];
  constructor(readonly options: MetricAlarmOptions) {}

  put(atMs: number, value: number): void {
    this.#points.push({ t: atMs, v: value });
  }

  /** Start of the period that contains `atMs`. */
  periodStart(atMs: number): number {
    return Math.floor(atMs / this.options.periodMs) * this.options.periodMs;
  }

  /** Whether the period ending at `endMs` breaches; datapoints older than that period are dropped. */
  evaluate(endMs: number): boolean {
    const o = this.options;
    const from = endMs - o.periodMs;
    while (this.#points.length > 0 && this.#points[0]!.t < from) this.#points.shift();
    const values = this.#points.filter((p) => p.t < endMs).map((p) => p.v);
    if (values.length === 0) return o.treatMissingData === "breaching";
    const stat = o.statistic === "Maximum" ? Math.max(...values) : Math.min(...values);
    return o.comparison === "GreaterThanThreshold" ? stat > o.threshold : stat < o.threshold;
  }
}
