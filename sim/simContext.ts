/**
 * What the parts of a simulation share: the scenario, the engine and its virtual time span, the in-memory world, the
 * stacks it deploys, the per-DB bookkeeping the sampler fills and the safety findings. Built by `setUpWorld`, read by
 * the executions, triggers, sampler and report builder.
 */

import type { PilotLightConfig } from "../config";
import type { RdsWorld } from "./aws/rdsModel";
import type { OperationSlot } from "./durations";
import type { Engine } from "./engine";
import type { DrStage } from "./report";
import type { Scenario, ScenarioDb } from "./scenario";

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

/** A stack file of the scenario, deployed into one account. */
export interface Stack {
  readonly file: string;
  readonly name: string;
  readonly account: string;
  readonly config: PilotLightConfig;
}

/** One source DB and its DR stages. */
export interface DbState {
  readonly account: string;
  readonly region: string;
  readonly db: ScenarioDb;
  readonly rpoMinutes: number;
  deletedAt?: number;
  readonly stages: Map<DrStage, StageState>;
}

/** One DR stage (account and region holding copies) of a DB, as sampled. */
export interface StageState {
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
  /** GB moved by the copies counted in `full` / `incremental` (rule COPY-BYTES). */
  gbCopied: number;
  held: number;
  maxHeld: number;
}

/** A time window of the scenario, in hours from its start. */
export interface HourWindow {
  readonly startHours: number;
  readonly hours: number;
}

/** The shared state of one simulation run. */
export interface SimContext {
  readonly scenario: Scenario;
  readonly engine: Engine;
  readonly startMs: number;
  readonly endMs: number;
  readonly world: RdsWorld;
  /** The operation the duration model is asked about (set around each SDK call). */
  readonly slot: OperationSlot;
  readonly stacks: readonly Stack[];
  readonly sourceStacks: readonly Stack[];
  readonly drStacks: readonly Stack[];
  /** DR keys per DR stack: in its home region and, when it has one, in its DR region. */
  readonly drKeys: ReadonlyMap<Stack, { home: string; region?: string }>;
  readonly dbStates: readonly DbState[];
  /** The manual snapshot quota the model enforces (the largest of the stacks'). */
  readonly worldQuota: number;
  /** The manual snapshot quota the stacks state for an account. */
  readonly quotaOf: (account: string) => number;
  /** Whether virtual time `t` is inside a scenario window. */
  readonly inWindow: (o: HourWindow, t: number) => boolean;
  /** Safety findings, filled as they happen. */
  readonly safety: { readonly newestCopyDeleted: string[]; readonly belowMinKeep: string[] };
}
