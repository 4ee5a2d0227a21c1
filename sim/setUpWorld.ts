/**
 * World set-up: the scenario's stacks parsed with `loadStackFile`, the in-memory RDS/KMS world with its duration
 * model and faults, the keys the stacks would create, and the scenario's DBs with the DR stages that serve them.
 */

import { basename } from "node:path";
import { loadStackFile } from "../config";
import { RdsWorld } from "./aws/rdsModel";
import { makeTiming, type OperationSlot } from "./durations";
import type { Engine } from "./engine";
import { makeRandom } from "./random";
import type { DrStage } from "./report";
import type { Scenario } from "./scenario";
import { type DbState, HOUR, type HourWindow, type SimContext, type Stack, type StageState } from "./simContext";

/** Default manual snapshot quota (RDS, each kind). */
const DEFAULT_SNAPSHOT_QUOTA = 100;

/** Builds the world of a scenario at virtual time `engine.now` (the scenario's start). */
export function setUpWorld(scenario: Scenario, engine: Engine): SimContext {
  const startMs = engine.now;
  const endMs = startMs + scenario.days * 24 * HOUR;
  const now = () => engine.now;

  // ---------------------------------------------------------------- stacks
  const stacks: Stack[] = scenario.stacks.map((s) => ({
    file: s.file,
    name: basename(s.file)
      .replace(/^Pulumi\./, "")
      .replace(/\.ya?ml$/, ""),
    account: s.account,
    config: loadStackFile(s.file),
  }));
  const sourceStacks = stacks.filter((s) => s.config.role !== "dr");
  const drStacks = stacks.filter((s) => s.config.role !== "source");
  for (const account of Object.keys(scenario.dbs)) {
    if (!sourceStacks.some((s) => s.account === account)) {
      throw new Error(
        `${scenario.source}: dbs.${account}: no source stack deploys into account ${account} ` +
          `(stacks: ${stacks.map((s) => `${basename(s.file)} -> ${s.account} (${s.config.role})`).join(", ")})`,
      );
    }
  }

  // ---------------------------------------------------------------- the world
  const rateOf = new Map<string, number>();
  for (const [account, dbs] of Object.entries(scenario.dbs))
    for (const d of dbs) rateOf.set(`${account}/${d.id}`, d.changePercentPerHour);
  const meanRate = [...rateOf.values()].reduce((a, b) => a + b, 0) / Math.max(1, rateOf.size);
  const slot: OperationSlot = {};
  let world!: RdsWorld;
  const timing = makeTiming(
    scenario.durations,
    makeRandom(scenario.seed, "durations"),
    slot,
    (account, dbId) => (account ? rateOf.get(`${account}/${dbId}`) : undefined) ?? findRate(rateOf, dbId),
    () => world,
    now,
    meanRate,
  );
  const faultRandom = makeRandom(scenario.seed, "faults");
  // Account outages and region outages (every account's calls to that region) are rules of the world itself.
  const accountOutages = scenario.faults.outages.filter((o) => o.account !== undefined || o.region !== undefined);
  const inWindow = (o: HourWindow, t: number) =>
    t >= startMs + o.startHours * HOUR && t < startMs + (o.startHours + o.hours) * HOUR;
  // The stacks state each account's manual snapshot quota (raised quotas included); the model has one value for all
  // accounts, so it takes the largest and lower ones are filled with other snapshots (faults).
  const quotaOf = (account: string) =>
    Math.max(0, ...stacks.filter((s) => s.account === account).map((s) => s.config.manualSnapshotQuota)) ||
    DEFAULT_SNAPSHOT_QUOTA;
  const worldQuota = Math.max(...stacks.map((s) => s.config.manualSnapshotQuota));
  world = new RdsWorld({
    clock: engine.clock,
    nowMs: () => engine.now,
    quotas: {
      manualSnapshots: worldQuota,
      manualClusterSnapshots: worldQuota,
      copiesInFlightPerRegion: scenario.aws.copiesInFlightPerRegion,
    },
    ...(scenario.aws.apiRateLimit ? { apiRateLimit: scenario.aws.apiRateLimit } : {}),
    timing,
    // Faults hit each attempt and the handlers' own SDK retry strategy retries them, backing off in virtual time.
    sdkRetries: true,
    faults: {
      random: () => faultRandom.next(),
      throttleRate: scenario.faults.throttleRate,
      failCopyRate: scenario.faults.failedCopyRate,
      ...(accountOutages.length > 0
        ? {
            outage: ({ account, region, now: at }) =>
              accountOutages.some((o) => (o.account === account || o.region === region) && inWindow(o, at.getTime())),
          }
        : {}),
    },
  });

  // Keys: a source CMK per source account and region (usable by its DR accounts), DR keys per DR stack.
  const sourceKeys = new Map<string, string>();
  for (const s of sourceStacks) {
    const allow = s.config.role === "both" ? [] : [...s.config.drAccounts];
    sourceKeys.set(
      `${s.account}/${s.config.region}`,
      world.createKey(s.account, s.config.region, { alias: "alias/rds-pilot-light", allowAccounts: allow }),
    );
  }
  const drKeys = new Map<Stack, { home: string; region?: string }>();
  for (const s of drStacks) {
    const home = world.createKey(s.account, s.config.region, { alias: "alias/rds-pilot-light-dr" });
    const region = s.config.drRegion
      ? world.createKey(s.account, s.config.drRegion, { alias: "alias/rds-pilot-light-dr" })
      : undefined;
    drKeys.set(s, { home, ...(region ? { region } : {}) });
  }

  // DBs.
  const dbStates: DbState[] = [];
  for (const [account, dbs] of Object.entries(scenario.dbs)) {
    const stack = sourceStacks.find((s) => s.account === account)!;
    for (const db of dbs) {
      const region = db.region ?? stack.config.region;
      const kmsKeyArn =
        sourceKeys.get(`${account}/${region}`) ??
        world.createKey(account, region, { allowAccounts: [...stack.config.drAccounts] });
      sourceKeys.set(`${account}/${region}`, kmsKeyArn);
      const fixture = {
        id: db.id,
        sizeGb: db.sizeGb,
        changePercentPerHour: db.changePercentPerHour,
        tags: db.tags,
        kmsKeyArn,
        ...(db.engine ? { engine: db.engine } : {}),
      };
      if (db.kind === "cluster") world.addDbCluster(account, region, fixture);
      else world.addDbInstance(account, region, fixture);
      const stages = new Map<DrStage, StageState>();
      for (const dr of drStacks) {
        const serves = dr.config.role === "both" ? dr.account === account : dr.config.sourceAccounts.includes(account);
        if (!serves) continue;
        const mk = (acct: string, r: string, checkMinKeep: boolean): StageState => ({
          account: acct,
          region: r,
          minKeep: dr.config.retention.minKeep,
          checkMinKeep,
          ages: [],
          points: [],
          over: 0,
          full: 0,
          incremental: 0,
          gbCopied: 0,
          held: 0,
          maxHeld: 0,
        });
        if (dr.config.role === "dr")
          stages.set("dr", mk(dr.account, dr.config.region, !dr.config.deleteIntermediateCopy));
        if (dr.config.drRegion) stages.set("dr-region", mk(dr.account, dr.config.drRegion, true));
      }
      dbStates.push({
        account,
        region,
        db,
        rpoMinutes: db.rpoMinutes ?? scenario.rpoMinutes ?? stack.config.rpoMinutes,
        stages,
      });
    }
  }

  return {
    scenario,
    engine,
    startMs,
    endMs,
    world,
    slot,
    stacks,
    sourceStacks,
    drStacks,
    drKeys,
    dbStates,
    worldQuota,
    quotaOf,
    inWindow,
    safety: { newestCopyDeleted: [], belowMinKeep: [] },
  };
}

function findRate(rates: ReadonlyMap<string, number>, dbId: string): number | undefined {
  for (const [k, v] of rates) if (k.endsWith(`/${dbId}`)) return v;
  return undefined;
}
