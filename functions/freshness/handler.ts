/**
 * Freshness Lambda (DR account, every 15 minutes): lists the manual snapshots in the DR home region and the DR
 * region, measures the newest available owned copy of every source DB per stage with {@link planFreshness}, and
 * publishes `RecoveryPointAgeMinutes` (per DB), `MaxRecoveryPointAgeMinutes` (per stage, over the DBs not listed in
 * `RPL_EXPECTED_DBS`, alarmed on) and `ExpectedDbRecoveryPointAgeMinutes` (per listed DB and stage, alarmed on).
 */

import { errorName } from "../lib/errors";
import type { HandlerDeps } from "../lib/lambda";
import type { Snapshot } from "../lib/model";
import { MetricUnit } from "../lib/powertools";
import { listSnapshots } from "../lib/rds";
import type { DrStage, FreshnessConfig } from "./config";
import { type FreshnessPlan, freshnessMetrics, planFreshness } from "./plan";

/** What one run returns (small, for logs and a Choice state). */
export interface FreshnessSummary {
  readonly dbs: number;
  /** DB/stage pairs older than the RPO or without any copy. */
  readonly stale: number;
  /** DB/stage pairs without any available copy. */
  readonly missing: number;
  /** Worst age per stage over DBs not listed in `expected` (`null` = some such DB has no copy). */
  readonly maxAgeMinutes: Readonly<Record<string, number | null>>;
  /** Stages whose region could not be read this run (no datapoint: their alarm fires). */
  readonly unread: readonly DrStage[];
}

/** What {@link listWatchedRegions} could read. */
export interface WatchedSnapshots {
  /**
   * Every manual snapshot listed, ours and others' (planFreshness reads only ours: sorting them out here as well was a
   * second pass over every listed snapshot, and the monitor lists every snapshot of two regions each run; issue 10).
   */
  readonly snapshots: readonly Snapshot[];
  /** Stages whose region could not be listed (no metric is published for them, so their alarm fires). */
  readonly unread: DrStage[];
}

/**
 * Lists the manual snapshots of every region the configured stages live in. The monitor runs in the DR
 * region and also watches the home region (issue 11): a region that cannot be listed (down, throttled, denied)
 * must not silence the other region's measurement, so its stages are reported unread and get no datapoint —
 * their alarm treats missing data as breaching. Only when no region can be read does the run fail.
 */
export async function listWatchedRegions(deps: HandlerDeps<FreshnessConfig>): Promise<WatchedSnapshots> {
  const stagesOf = new Map<string, DrStage[]>();
  const add = (region: string, stage: DrStage) => stagesOf.set(region, [...(stagesOf.get(region) ?? []), stage]);
  if (deps.config.stages.includes("dr")) add(deps.config.region, "dr");
  if (deps.config.stages.includes("dr-region") && deps.config.drRegion) add(deps.config.drRegion, "dr-region");
  let snapshots: Snapshot[] | undefined;
  const unread: DrStage[] = [];
  let firstError: unknown;
  for (const [region, stages] of stagesOf) {
    try {
      const listed = await listSnapshots(deps.clients.rds(region), { type: "manual" });
      // The first region's listing (a fresh array) is the result; the next ones are appended to it.
      if (snapshots === undefined) snapshots = listed;
      else for (let i = 0; i < listed.length; i++) snapshots.push(listed[i]!);
    } catch (err) {
      firstError ??= err;
      unread.push(...stages);
      deps.obs.logger.error("region unreadable; its stages get no datapoint", {
        region,
        stages,
        error: errorName(err),
      });
    }
  }
  if (stagesOf.size > 0 && unread.length === deps.config.stages.length) throw firstError;
  return { snapshots: snapshots ?? [], unread };
}

/** Publishes the plan's metrics, each as its own EMF document so per-DB dimensions never mix. */
export function publishFreshness(deps: HandlerDeps<FreshnessConfig>, plan: FreshnessPlan): void {
  const metrics = freshnessMetrics(plan);
  for (let i = 0; i < metrics.length; i++) {
    const m = metrics[i]!;
    const single = deps.obs.metrics.singleMetric();
    // The dimensions in Object.entries order (own string keys, as added), without an array per metric.
    const dimensions = m.dimensions;
    for (const k in dimensions) if (Object.hasOwn(dimensions, k)) single.addDimension(k, dimensions[k] as string);
    single.addMetric(m.name, MetricUnit.NoUnit, m.value);
  }
}

/** Builds the freshness handler core. The event is ignored (every run measures everything). */
export function makeHandler(deps: HandlerDeps<FreshnessConfig>): (event?: unknown) => Promise<FreshnessSummary> {
  return async () => {
    const { snapshots, unread } = await listWatchedRegions(deps);
    const plan = planFreshness({
      snapshots,
      stages: deps.config.stages.filter((st) => !unread.includes(st)),
      expected: deps.config.expected,
      retired: deps.config.retired,
      now: deps.clock(),
      ...(deps.config.rpoMinutes !== undefined ? { rpoMinutes: deps.config.rpoMinutes } : {}),
      ...(deps.config.retireDeletedAfterHours !== undefined
        ? { retireDeletedAfterHours: deps.config.retireDeletedAfterHours }
        : {}),
    });
    const retiring = plan.deleted.filter((d) => !d.retired);
    if (retiring.length > 0) deps.obs.logger.warn("source DB deleted; retired after the grace period", { retiring });
    publishFreshness(deps, plan);
    let stale = 0;
    let missing = 0;
    for (const d of plan.dbs) {
      for (const c of d.stages) {
        if (c.stale) stale++;
        if (c.ageMinutes === null) missing++;
      }
    }
    // Every DB without a copy, listed in restore.expectedDbs or not (the maxima cover only unlisted DBs).
    plan.maxima.forEach((m, i) => {
      const dbs = plan.dbs.filter((d) => d.stages[i]?.ageMinutes === null).map((d) => d.key);
      if (dbs.length > 0) deps.obs.logger.warn("no available copy", { stage: m.stage, dbs });
    });
    const maxAgeMinutes = Object.fromEntries(plan.maxima.map((m) => [m.stage, m.maxAgeMinutes]));
    const summary = { dbs: plan.dbs.length, stale, missing, maxAgeMinutes, unread };
    deps.obs.logger.info("freshness measured", summary);
    return summary;
  };
}
