/**
 * The simulator's handler loading: each step's handler core and Lambda configuration exactly as the stacks configure
 * them (environment from `handlerEnvironment`, parsed by the handler's own parser), and the silent observability the
 * handlers run with. Used by the simulator and the bench.
 */

import { handlerEnvironment, type PilotLightConfig, type Step } from "../config";
import type { AwsClients } from "../functions/lib/clients";
import type { HandlerDeps } from "../functions/lib/lambda";
import type { Observability } from "../functions/lib/powertools";
import { type SweepList, withSweepList } from "../functions/lib/sweep";
import type { TaskHandler } from "./localStepFunctions";

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
  /** Receives each metric datum the handler publishes with its own dimensions (`singleMetric`); default: dropped. */
  readonly onMetric?: (name: string, dimensions: Readonly<Record<string, string>>, value: number) => void;
}

/**
 * A step's handler core exactly as the stacks configure it: environment from `handlerEnvironment`, parsed by the
 * handler's own config parser, passed to its `makeHandler` with the given clients and clock (used by the bench).
 * Like the Lambda entry points (functions/<step>/index.ts), it answers a sweep's list step with the step's
 * `sweep.ts` lister (functions/lib/sweep.ts); the Checker has none (it runs inside the Copier's iterations).
 */
export async function loadStepHandler(o: StepHandlerOptions): Promise<TaskHandler> {
  const { mod, config } = await loadStepModule(o);
  const obs = o.onMetric ? metricsObs(o.onMetric) : silentObs;
  const deps = { clients: o.clients, clock: o.clock, config: config as never, obs };
  const core = mod.makeHandler(deps);
  const lister = await loadSweepLister(o.step);
  return lister ? withSweepList(core, lister(deps), o.step) : core;
}

type SweepLister = (deps: HandlerDeps<never>) => () => Promise<SweepList>;

async function loadSweepLister(step: Step): Promise<SweepLister | undefined> {
  switch (step) {
    case "take":
      return (await import("../functions/take/sweep")).makeSweepLister as SweepLister;
    case "share":
      return (await import("../functions/share/sweep")).makeSweepLister as SweepLister;
    case "copy":
      return (await import("../functions/copy/sweep")).makeSweepLister as SweepLister;
    case "expire":
      return (await import("../functions/expire/sweep")).makeSweepLister as SweepLister;
    default:
      return undefined;
  }
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
/** `RPL_SIM_DEBUG`, read once: handlers warn often, and each `process.env` read is a call into the runtime. */
const DEBUG = Boolean(process.env.RPL_SIM_DEBUG);
export const debugLog = (...a: unknown[]) => {
  if (DEBUG) console.error(...a.map((x) => (typeof x === "string" ? x : JSON.stringify(x))));
};
/** Handlers log and emit metrics into the void: the report is the simulator's output. */
export const silentObs: Observability = {
  logger: { info: noop, warn: debugLog, error: debugLog, debug: noop, appendKeys: noop },
  metrics: {
    addMetric: noop,
    addMetadata: noop,
    publishStoredMetrics: noop,
    singleMetric: () => ({ addDimension: noop, addDimensions: noop, addMetric: noop, addMetadata: noop }) as never,
  },
} as unknown as Observability;

/**
 * Like {@link silentObs}, but every datum published through `singleMetric` (a metric with its own dimensions, such as
 * `SnapshotQuotaBlocked` with `Region` and `Kind`, functions/lib/quotaMetric.ts) reaches `onMetric`, so the simulator
 * can evaluate the alarms the components put on it.
 */
export function metricsObs(
  onMetric: (name: string, dimensions: Readonly<Record<string, string>>, value: number) => void,
): Observability {
  return {
    ...silentObs,
    metrics: {
      ...silentObs.metrics,
      singleMetric: () => {
        const dimensions: Record<string, string> = {};
        return {
          addDimension: (k: string, v: string) => {
            dimensions[k] = v;
          },
          addDimensions: (d: Record<string, string>) => Object.assign(dimensions, d),
          addMetric: (name: string, _unit: string, value: number) => onMetric(name, { ...dimensions }, value),
          addMetadata: noop,
        } as never;
      },
    },
  } as unknown as Observability;
}
