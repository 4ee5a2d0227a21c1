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

import { buildReport, type SampleSeries } from "./buildReport";
import { Engine } from "./engine";
import { Executions } from "./executions";
import { armFaults } from "./faults";
import type { Executor } from "./localStepFunctions";
import { seedMathRandom } from "./random";
import { RecoveryTriggers } from "./recoveryTriggers";
import type { SimulationReport } from "./report";
import { armSampling } from "./sampling";
import type { Scenario } from "./scenario";
import { setUpWorld } from "./setUpWorld";
import { armTriggers } from "./triggers";

export { loadStepConfig, loadStepHandler, type StepHandlerOptions } from "./stepHandlers";

/** Options of {@link simulate}. */
export interface SimulateOptions {
  /** Called now and then with the fraction of virtual time done (0-1). */
  onProgress?: (fraction: number) => void;
  /**
   * Executor of the state machines (sim/localStepFunctions.ts): `fast` (default, sim/aslInterpreter.ts) or
   * `reference` (aws-local-stepfunctions). Both give the same report (tests/sim/executorReports.test.ts).
   */
  executor?: Executor;
}

/** Result of {@link simulate}: the report plus full-resolution series for the chart. */
export interface SimulationResult {
  readonly report: SimulationReport;
  /** Per `account/db stage`: every sample as `[epoch ms, age minutes]`, and the DB's RPO. */
  readonly samples: SampleSeries;
  /** Real time the run took, milliseconds. */
  readonly wallMs: number;
  /** Events the engine processed (bench/floor.ts). */
  readonly engineEvents: number;
}

/**
 * Runs a scenario and returns its report. Deterministic for a given scenario (including its seed). The parts are
 * armed in a fixed order (events at the same virtual instant run in the order they were scheduled): world set-up
 * (sim/setUpWorld.ts), machines and their triggers (sim/triggers.ts, sim/recoveryTriggers.ts, executed by
 * sim/executions.ts), timed faults (sim/faults.ts), sampling (sim/sampling.ts); then the engine runs and the report is
 * built (sim/buildReport.ts).
 */
export async function simulate(scenario: Scenario, options: SimulateOptions = {}): Promise<SimulationResult> {
  const wallStart = performance.now();
  const engine = new Engine(Date.parse(scenario.start));
  const ctx = setUpWorld(scenario, engine);
  const executions = new Executions(ctx, options.executor ?? "fast");
  const recovery = new RecoveryTriggers(ctx, executions);
  await armTriggers(ctx, executions, recovery);
  const faultNotes = armFaults(ctx);
  const sampled = armSampling(ctx, recovery.record.monitored);

  const { startMs, endMs } = ctx;
  // The SDK's retry backoff draws its jitter from Math.random: seeded for the run, so reports stay reproducible.
  const restoreRandom = seedMathRandom(scenario.seed);
  try {
    await engine.runUntil(endMs, (t) => options.onProgress?.((t - startMs) / (endMs - startMs)));
  } finally {
    restoreRandom();
  }

  const { report, samples } = buildReport(ctx, {
    machines: executions.machines,
    quotaAlarms: [...executions.quotaAlarms.values()].map((a) => a.tracker),
    recovery: recovery.record,
    sampled,
    faultNotes,
  });
  return { report, samples, wallMs: performance.now() - wallStart, engineEvents: engine.eventCount };
}
