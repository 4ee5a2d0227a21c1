/**
 * Environment of the freshness Lambda (DR account). Parsed once at cold start; a bad variable fails the cold start
 * with a ConfigError naming it.
 */
import * as z from "zod/mini";
import { parseEnv, positiveInt, region } from "../lib/env";
import { ConfigError } from "../lib/errors";
import { runtimeRegion } from "../lib/lambda";
import { DEFAULT_RETIRE_DELETED_AFTER_HOURS } from "../lib/sourceDeleted";
import type { Stage } from "../lib/tags";
import { type DbRef, parseDbRefList } from "./dbRefs";

/** Stages the freshness monitor can watch (copies in the DR account). */
export type DrStage = Extract<Stage, "dr" | "dr-region">;

/** Parsed freshness configuration. */
export interface FreshnessConfig {
  /**
   * The DR account's home region, where `dr` copies live (`RPL_HOME_REGION`; default: the region the Lambda runs
   * in). The FreshnessMonitor runs in the DR region (issue 11), so it names the home region explicitly.
   */
  readonly region: string;
  /** DR region holding the `dr-region` copies (optional). */
  readonly drRegion?: string;
  /** Stages to measure; default `dr`, plus `dr-region` when a DR region is set. */
  readonly stages: readonly DrStage[];
  /** DBs that must have copies even if none exist yet (`RPL_EXPECTED_DBS`). */
  readonly expected: readonly DbRef[];
  /** DBs no longer protected: never measured, never alarmed on (`RPL_RETIRED_DBS`). */
  readonly retired: readonly DbRef[];
  /** Recovery point objective in minutes: copies older than this are reported stale (`RPL_RPO_MINUTES`). */
  readonly rpoMinutes?: number;
  /**
   * Hours after its source reported it deleted before a DB is retired like a `retiredDbs` entry
   * (`RPL_RETIRE_DELETED_AFTER_HOURS`, functions/lib/sourceDeleted.ts). @defaultValue 24
   */
  readonly retireDeletedAfterHours?: number;
}

const unsetIfEmpty = (v: string | undefined) => (v === undefined || v.trim() === "" ? undefined : v);

const schema = z.object({
  RPL_HOME_REGION: z.optional(region),
  RPL_DR_REGION: z.optional(region),
  RPL_FRESHNESS_STAGES: z.optional(z.string()),
  RPL_EXPECTED_DBS: z.optional(z.string()),
  RPL_RETIRED_DBS: z.optional(z.string()),
  RPL_RPO_MINUTES: z.optional(positiveInt("minutes")),
  RPL_RETIRE_DELETED_AFTER_HOURS: z.optional(positiveInt("hours")),
});

/** Parses a comma list of stages; errors name `RPL_FRESHNESS_STAGES`. */
export function parseStages(text: string | undefined, drRegion: string | undefined): DrStage[] {
  if (text === undefined) return drRegion ? ["dr", "dr-region"] : ["dr"];
  const out: DrStage[] = [];
  for (const raw of text.split(",")) {
    const s = raw.trim();
    if (s === "") continue;
    if (s !== "dr" && s !== "dr-region") {
      throw new ConfigError(`freshness: RPL_FRESHNESS_STAGES: "${s}" is not a stage (use dr and/or dr-region)`);
    }
    if (s === "dr-region" && !drRegion) {
      throw new ConfigError("freshness: RPL_FRESHNESS_STAGES lists dr-region but RPL_DR_REGION is unset; set both");
    }
    if (!out.includes(s)) out.push(s);
  }
  if (out.length === 0) throw new ConfigError("freshness: RPL_FRESHNESS_STAGES must list at least one stage");
  return out;
}

/** Parses the freshness Lambda's environment; throws a ConfigError naming every bad variable. */
export function parseFreshnessConfig(env: Readonly<Record<string, string | undefined>>): FreshnessConfig {
  const cleaned = {
    RPL_HOME_REGION: unsetIfEmpty(env.RPL_HOME_REGION),
    RPL_DR_REGION: unsetIfEmpty(env.RPL_DR_REGION),
    RPL_FRESHNESS_STAGES: unsetIfEmpty(env.RPL_FRESHNESS_STAGES),
    RPL_EXPECTED_DBS: unsetIfEmpty(env.RPL_EXPECTED_DBS),
    RPL_RETIRED_DBS: unsetIfEmpty(env.RPL_RETIRED_DBS),
    RPL_RPO_MINUTES: unsetIfEmpty(env.RPL_RPO_MINUTES),
    RPL_RETIRE_DELETED_AFTER_HOURS: unsetIfEmpty(env.RPL_RETIRE_DELETED_AFTER_HOURS),
  };
  const p = parseEnv("freshness", schema, cleaned);
  const expected = parseDbRefList(p.RPL_EXPECTED_DBS);
  const retired = parseDbRefList(p.RPL_RETIRED_DBS);
  const bad = [
    ...expected.errors.map((e) => `RPL_EXPECTED_DBS: ${e}`),
    ...retired.errors.map((e) => `RPL_RETIRED_DBS: ${e}`),
    ...(p.RPL_RETIRE_DELETED_AFTER_HOURS === 0
      ? ["RPL_RETIRE_DELETED_AFTER_HOURS: must be at least 1 hour (got 0)"]
      : []),
  ];
  if (bad.length > 0) throw new ConfigError(`freshness Lambda configuration is invalid: ${bad.join("; ")}`);
  return {
    region: p.RPL_HOME_REGION ?? runtimeRegion(env),
    ...(p.RPL_DR_REGION ? { drRegion: p.RPL_DR_REGION } : {}),
    stages: parseStages(p.RPL_FRESHNESS_STAGES, p.RPL_DR_REGION),
    expected: expected.refs,
    retired: retired.refs,
    ...(p.RPL_RPO_MINUTES !== undefined ? { rpoMinutes: p.RPL_RPO_MINUTES } : {}),
    retireDeletedAfterHours: p.RPL_RETIRE_DELETED_AFTER_HOURS ?? DEFAULT_RETIRE_DELETED_AFTER_HOURS,
  };
}
