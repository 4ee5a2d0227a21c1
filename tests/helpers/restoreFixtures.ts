/**
 * Fixtures shared by the recovery tests (restore, freshness, CLI): owned DR copies as the copier tags them, and an
 * Observability spy that records every metric published through `singleMetric()`.
 */
import { vi } from "vitest";
import type { Observability } from "../../functions/lib/powertools";
import { MANAGED_BY_VALUE, type Stage, TAG } from "../../functions/lib/tags";

export const SOURCE = "111111111111";
export const SOURCE_B = "333333333333";
export const DR = "222222222222";
export const HOME = "eu-west-1";
export const DR_REGION = "eu-central-1";

/** Tags the copier writes on a DR copy. */
export function copyTags(
  dbId: string,
  recoveryPoint: Date,
  opts: { stage?: Stage; account?: string; kind?: "instance" | "cluster" } = {},
): Record<string, string> {
  return {
    [TAG.managedBy]: MANAGED_BY_VALUE,
    [TAG.sourceDb]: dbId,
    [TAG.sourceKind]: opts.kind ?? "instance",
    [TAG.sourceAccount]: opts.account ?? SOURCE,
    [TAG.sourceRegion]: HOME,
    [TAG.recoveryPoint]: recoveryPoint.toISOString(),
    [TAG.stage]: opts.stage ?? "dr",
  };
}

/** One published metric datum. */
export interface RecordedMetric {
  readonly name: string;
  readonly unit: string;
  readonly value: number;
  readonly dimensions: Record<string, string>;
}

/** Observability whose `singleMetric()` records each datum with its dimensions. */
export function spyObservability(): { obs: Observability; metrics: RecordedMetric[] } {
  const metrics: RecordedMetric[] = [];
  const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn(), debug: vi.fn(), appendKeys: vi.fn() };
  const singleMetric = vi.fn(() => {
    const dimensions: Record<string, string> = {};
    return {
      addDimension: (k: string, v: string) => {
        dimensions[k] = v;
      },
      addMetric: (name: string, unit: string, value: number) => {
        metrics.push({ name, unit, value, dimensions: { ...dimensions } });
      },
    };
  });
  const obs = {
    logger,
    metrics: { addMetric: vi.fn(), addMetadata: vi.fn(), publishStoredMetrics: vi.fn(), singleMetric },
  } as unknown as Observability;
  return { obs, metrics };
}
