/**
 * `SnapshotQuotaBlocked` (issue 13): how many snapshots a step could not create in one run because an RDS manual
 * snapshot quota was full (the Taker's headroom check or a `SnapshotQuotaExceeded` fault; the Copier's
 * `SnapshotQuotaExceeded`/`SharedSnapshotQuotaExceeded` on a copy). One EMF document per region and kind, so the
 * alarm of one kind in one region fires on its own, and the alarm (components/shared/quotaAlarms.ts) names the
 * account, region and kind. Nothing is published when nothing was blocked: the alarm treats missing data as not
 * breaching and returns to OK in the first period without a blocked snapshot.
 */
import type { DbKind } from "./model";
import { MetricUnit, type Observability } from "./powertools";

export const QUOTA_BLOCKED_METRIC = "SnapshotQuotaBlocked";

/** The quota a blocked snapshot ran into. */
export interface QuotaBlockedItem {
  readonly region: string;
  readonly kind: DbKind;
}

/** Publishes one `SnapshotQuotaBlocked` datum (dimensions `Region`, `Kind`) per region and kind with a count. */
export function publishQuotaBlocked(obs: Observability, items: readonly QuotaBlockedItem[]): void {
  const counts = new Map<string, { region: string; kind: DbKind; n: number }>();
  for (const i of items) {
    const key = `${i.region}|${i.kind}`;
    const c = counts.get(key) ?? { region: i.region, kind: i.kind, n: 0 };
    c.n++;
    counts.set(key, c);
  }
  for (const c of counts.values()) {
    const m = obs.metrics.singleMetric();
    m.addDimension("Region", c.region);
    m.addDimension("Kind", c.kind);
    m.addMetric(QUOTA_BLOCKED_METRIC, MetricUnit.Count, c.n);
    obs.logger.error("snapshot quota blocked snapshots", { region: c.region, kind: c.kind, blocked: c.n });
  }
}
