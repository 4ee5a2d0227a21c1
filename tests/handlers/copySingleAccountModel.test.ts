/**
 * A single-account stack (role `both`) end to end over the in-memory RDS model: the real Taker, Copier, Checker and
 * both Janitors, configured from the environment `config/derive.ts` gives a `both` stack, hour by hour. It shows
 * that the account's own snapshots reach the DR region, and that the copy window stops the re-copy churn when the
 * source keeps snapshots longer than the DR Janitor keeps their copies.
 */
import { describe, expect, it } from "vitest";

import { handlerEnvironment, type PilotLightConfig, parseStackConfig } from "../../config";
import { makeHandler as makeCheck } from "../../functions/check/handler";
import { parseCopyConfig } from "../../functions/copy/config";
import { makeHandler as makeCopy } from "../../functions/copy/handler";
import { parseExpireConfig } from "../../functions/expire/config";
import { makeHandler as makeExpire } from "../../functions/expire/handler";
import type { HandlerDeps } from "../../functions/lib/lambda";
import { liveObservability } from "../../functions/lib/powertools";
import { isOwned, TAG } from "../../functions/lib/tags";
import { parseTakeConfig } from "../../functions/take/config";
import { makeHandler as makeTake } from "../../functions/take/handler";
import { RdsWorld } from "../../sim/aws/rdsModel";

const ACCOUNT = "555555555555";
const HOME = "eu-west-1";
const FAR = "eu-central-1";
const T0 = new Date("2026-03-02T00:00:00Z");
const HOUR = 3_600_000;

/** A `both` stack's configuration (one account, DR region FAR, hourly snapshots) with the given retention. */
function stack(retention: Record<string, number>): PilotLightConfig {
  return parseStackConfig(
    { role: "both", drRegion: FAR, rpoMinutes: 120, snapshotIntervalMinutes: 60, retention },
    "Pulumi.single.yaml",
    { region: HOME },
  );
}

/**
 * The account and its handlers. `source`/`dr` are the stack configurations the Taker + source Janitor and the
 * Copier/Checker + DR Janitor are configured from (as config/derive.ts does); `copyWindowHours` overrides the
 * derived window (to show what happens without it).
 */
function account(o: { source: PilotLightConfig; dr: PilotLightConfig; copyWindowHours?: number }) {
  let now = T0;
  const clock = () => now;
  const world = new RdsWorld({ clock });
  const sourceKey = world.createKey(ACCOUNT, HOME, { alias: "alias/rpl-source" });
  const drKey = world.createKey(ACCOUNT, HOME, { alias: "alias/rpl-dr" });
  const drFarKey = world.createKey(ACCOUNT, FAR, { alias: "alias/rpl-dr" });
  world.addDbInstance(ACCOUNT, HOME, { id: "orders", sizeGb: 10, kmsKeyArn: sourceKey });
  world.addDbCluster(ACCOUNT, HOME, { id: "ledger", sizeGb: 20, kmsKeyArn: sourceKey, engine: "aurora-postgresql" });

  const deps = <C>(config: C): HandlerDeps<C> => ({
    clients: world.clients(ACCOUNT),
    clock,
    config,
    obs: liveObservability,
  });
  const refs = { drKmsKeyArn: drKey, drRegionKmsKeyArn: drFarKey, accountId: ACCOUNT };
  const env = (config: PilotLightConfig, step: "take" | "copy" | "check" | "expire", stage?: "source" | "dr") => ({
    AWS_REGION: HOME,
    ...(handlerEnvironment(config, step, { ...refs, ...(stage ? { stage } : {}) }) as Record<string, string>),
  });
  const copyEnv = {
    ...env(o.dr, "copy"),
    ...(o.copyWindowHours ? { RPL_COPY_WINDOW_HOURS: String(o.copyWindowHours) } : {}),
  };
  const take = makeTake(deps(parseTakeConfig(env(o.source, "take"))));
  const copy = makeCopy(deps(parseCopyConfig(copyEnv)));
  const check = makeCheck(deps(parseCopyConfig({ ...env(o.dr, "check"), ...copyEnv })));
  const expireSource = makeExpire(deps(parseExpireConfig(env(o.source, "expire", "source"))));
  const expireDr = makeExpire(deps(parseExpireConfig(env(o.dr, "expire", "dr"))));

  const errors: string[] = [];
  const attempt = async (step: string, run: () => Promise<unknown>) => {
    try {
      await run();
    } catch (err) {
      errors.push(`${now.toISOString()} ${step}: ${(err as Error).message}`);
    }
  };
  /** Every DR-region copy identifier that ever existed (sampled after each step that can create one). */
  const seenFar = new Set<string>();
  const sample = () => {
    for (const s of world.snapshots(ACCOUNT, FAR)) if (isOwned(s.tags)) seenFar.add(`${s.kind}:${s.id}`);
  };
  const advance = (minutes: number) => {
    now = new Date(now.getTime() + minutes * 60_000);
  };
  const hour = async () => {
    const start = now.getTime();
    await attempt("take", () => take({}));
    advance(15);
    await attempt("copy", () => copy({}));
    sample();
    advance(30);
    await attempt("check", () => check({}));
    await attempt("copy", () => copy({}));
    sample();
    await attempt("expire source", () => expireSource({}));
    await attempt("expire dr", () => expireDr({}));
    now = new Date(start + HOUR);
  };
  const copyCalls = () =>
    world.callCount("CopyDBSnapshot", { region: FAR }) + world.callCount("CopyDBClusterSnapshot", { region: FAR });
  return { world, hour, errors, seenFar, copyCalls, keys: { drKey, drFarKey }, check };
}

const KEEP_ALL_DAY = { allHours: 24, dailyDays: 3, weeklyWeeks: 0, monthlyMonths: 0, minKeep: 2 };

describe("single-account stack (role both) over the RDS model", () => {
  it("copies every snapshot the Taker takes straight into the DR region under the DR-region key", async () => {
    // Prepare
    const config = stack(KEEP_ALL_DAY);
    const a = account({ source: config, dr: config });
    // Act
    for (let h = 0; h < 6; h++) await a.hour();
    // Assert
    expect(a.errors).toEqual([]);
    const sources = a.world.snapshots(ACCOUNT, HOME).filter((s) => s.tags[TAG.stage] === "source");
    const far = a.world.snapshots(ACCOUNT, FAR).filter((s) => isOwned(s.tags));
    expect(sources).toHaveLength(12); // 2 DBs x 6 hours
    expect(far.map((s) => [s.tags[TAG.copiedFrom], s.tags[TAG.stage], s.kmsKeyId, s.status]).sort()).toEqual(
      sources.map((s) => [s.arn, "dr-region", a.keys.drFarKey, "available"]).sort(),
    );
    // No cross-account hop: nothing was copied inside the home region.
    expect(a.world.callCount("CopyDBSnapshot", { region: HOME })).toBe(0);
    expect(a.world.callCount("CopyDBClusterSnapshot", { region: HOME })).toBe(0);
    expect(await a.check({})).toMatchObject({ pending: 0, failed: 0 });
  });

  // The source keeps two days of hourly snapshots; the DR Janitor keeps 6 hours of copies (+ the newest per day).
  const source = stack({ allHours: 48, dailyDays: 0, weeklyWeeks: 0, monthlyMonths: 0, minKeep: 1 });
  const dr = stack({ allHours: 6, dailyDays: 1, weeklyWeeks: 0, monthlyMonths: 0, minKeep: 1 });

  it("never copies a recovery point again after the DR Janitor deleted its copy (window = DR allHours)", async () => {
    const a = account({ source, dr });
    for (let h = 0; h < 20; h++) await a.hour();
    expect(a.errors).toEqual([]);
    // One copy call per DR-region copy that ever existed: none was made twice.
    expect(a.copyCalls()).toBe(a.seenFar.size);
    expect(a.seenFar.size).toBe(40); // 2 DBs x 20 hours, each copied exactly once
    // Retention did delete copies while the source still holds their snapshots: the case the window is for.
    const farNow = a.world.snapshots(ACCOUNT, FAR).filter((s) => isOwned(s.tags));
    expect(farNow.length).toBeLessThan(a.seenFar.size);
    expect(a.world.snapshots(ACCOUNT, HOME).filter((s) => s.tags[TAG.stage] === "source")).toHaveLength(40);
  });

  it("without the window (control) the same world copies deleted recovery points again", async () => {
    const a = account({ source, dr, copyWindowHours: 1000 });
    for (let h = 0; h < 20; h++) await a.hour();
    expect(a.copyCalls()).toBeGreaterThan(a.seenFar.size);
  });
});
