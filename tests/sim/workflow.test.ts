/**
 * End-to-end workflow against the RDS model: the real take -> share -> copy -> region copy -> expire handlers,
 * driven hour by hour over a week of virtual time, in two source accounts and one DR account across two regions.
 */
import { beforeAll, describe, expect, it } from "vitest";

import { parseCopyConfig } from "../../functions/copy/config";
import { makeHandler as makeCopy } from "../../functions/copy/handler";
import { parseExpireConfig } from "../../functions/expire/config";
import { makeHandler as makeExpire } from "../../functions/expire/handler";
import { errorMessage, errorName } from "../../functions/lib/errors";
import type { HandlerDeps } from "../../functions/lib/lambda";
import { liveObservability } from "../../functions/lib/powertools";
import { DEFAULT_RETENTION, retentionFootprint, utcDayIndex } from "../../functions/lib/retention";
import { isOwned, TAG } from "../../functions/lib/tags";
import { parseShareConfig } from "../../functions/share/config";
import { makeHandler as makeShare } from "../../functions/share/handler";
import { parseTakeConfig } from "../../functions/take/config";
import { makeHandler as makeTake } from "../../functions/take/handler";
import { type ModelSnapshot, RdsWorld } from "../../sim/aws/rdsModel";

const SRC_A = "111111111111";
const SRC_B = "444444444444";
const DR = "222222222222";
const HOME = "eu-west-1";
const FAR = "eu-central-1";
const T0 = new Date("2026-03-02T00:00:00Z");
const HOUR = 3_600_000;
const DAYS = 7;
const BUS = `arn:aws:events:${HOME}:${DR}:event-bus/rds-pilot-light`;

interface StepError {
  readonly at: string;
  readonly step: string;
  readonly name: string;
  readonly message: string;
}

/** Builds the world, the handlers of every account, and a driver that runs the pipeline hour by hour. */
function pipeline() {
  let now = T0;
  const clock = () => now;
  const world = new RdsWorld({ clock });

  const keyA = world.createKey(SRC_A, HOME, { alias: "alias/prod", allowAccounts: [DR] });
  const keyB = world.createKey(SRC_B, HOME, { alias: "alias/prod", allowAccounts: [DR] });
  const drKey = world.createKey(DR, HOME, { alias: "alias/rpl-dr" });
  const drFarKey = world.createKey(DR, FAR, { alias: "alias/rpl-dr" });

  world.addDbInstance(SRC_A, HOME, { id: "orders", sizeGb: 100, kmsKeyArn: keyA });
  // 40 GB: Aurora copies are always full (rule AURORA-COPY-FULL), and both legs of a 200 GB cluster (25 + 85 min at
  // the default throughputs, queued one after the other) would not fit in the hourly interval.
  world.addDbCluster(SRC_A, HOME, { id: "ledger", sizeGb: 40, kmsKeyArn: keyA, engine: "aurora-postgresql" });
  world.addDbInstance(SRC_A, HOME, { id: "ledger-1", clusterId: "ledger", engine: "aurora-postgresql" });
  // Many-to-one: a second source account with a DB of the same name.
  world.addDbInstance(SRC_B, HOME, { id: "orders", sizeGb: 50, kmsKeyArn: keyB });

  // Snapshots this tool does not own; none of them may ever be deleted.
  world.addSnapshot(SRC_A, HOME, {
    kind: "instance",
    id: "manual-before-upgrade",
    dbId: "orders",
    kmsKeyArn: keyA,
    createdAt: new Date("2025-01-01T00:00:00Z"),
  });
  world.addSnapshot(SRC_A, HOME, {
    kind: "instance",
    id: "rds:orders-2026-03-01-03-00",
    dbId: "orders",
    type: "automated",
    kmsKeyArn: keyA,
  });
  world.addSnapshot(SRC_A, HOME, {
    kind: "cluster",
    id: "rpl-ledger-20250101-0000",
    dbId: "ledger",
    kmsKeyArn: keyA,
    createdAt: new Date("2025-01-01T00:00:00Z"),
  });
  world.addSnapshot(DR, HOME, {
    kind: "instance",
    id: "someone-elses-copy",
    dbId: "orders",
    kmsKeyArn: drKey,
    createdAt: new Date("2025-01-01T00:00:00Z"),
  });
  world.addSnapshot(DR, FAR, {
    kind: "instance",
    id: "rpl-111111111111-orders-20250101-0000",
    dbId: "orders",
    kmsKeyArn: drFarKey,
    createdAt: new Date("2025-01-01T00:00:00Z"),
    tags: { [TAG.stage]: "dr-region" },
  });
  const foreign = [
    [SRC_A, HOME, "manual-before-upgrade"],
    [SRC_A, HOME, "rds:orders-2026-03-01-03-00"],
    [SRC_A, HOME, "rpl-ledger-20250101-0000"],
    [DR, HOME, "someone-elses-copy"],
    [DR, FAR, "rpl-111111111111-orders-20250101-0000"],
  ] as const;

  const deps = <C>(account: string, config: C): HandlerDeps<C> => ({
    clients: world.clients(account),
    clock,
    config,
    obs: liveObservability,
  });
  const env = (vars: Record<string, string>) => ({ AWS_REGION: HOME, ...vars });
  const take = [SRC_A, SRC_B].map((a) => ({
    account: a,
    run: makeTake(deps(a, parseTakeConfig(env({ RPL_INTERVAL_MINUTES: "60" })))),
  }));
  const share = [SRC_A, SRC_B].map((a) => ({
    account: a,
    run: makeShare(deps(a, parseShareConfig(env({ RPL_DR_ACCOUNTS: DR, RPL_DR_EVENT_BUS_ARNS: BUS })))),
  }));
  const copy = makeCopy(
    deps(
      DR,
      parseCopyConfig(
        env({
          RPL_SOURCE_ACCOUNTS: `${SRC_A},${SRC_B}`,
          RPL_DR_KMS_KEY_ARN: drKey,
          RPL_DR_REGION: FAR,
          RPL_DR_REGION_KMS_KEY_ARN: drFarKey,
          // Default mode (fan-out); RPL_TEST_COPY_MODE=two-step|direct runs the same workflow in another mode.
          ...(process.env.RPL_TEST_COPY_MODE ? { RPL_COPY_MODE: process.env.RPL_TEST_COPY_MODE } : {}),
        }),
      ),
    ),
  );
  const expireSource = [SRC_A, SRC_B].map((a) => ({
    account: a,
    run: makeExpire(deps(a, parseExpireConfig(env({ RPL_STAGE: "source" })))),
  }));
  const expireDr = makeExpire(deps(DR, parseExpireConfig(env({ RPL_STAGE: "dr", RPL_REGIONS: `${HOME},${FAR}` }))));

  // The DR bus's rule: each "Snapshot Shared" event starts the Copier with the event, as EventBridge would.
  const inbox: unknown[] = [];
  world.onPutEvents = ({ entry }) => {
    if (entry.EventBusName === BUS) {
      inbox.push({
        "detail-type": entry.DetailType,
        source: entry.Source,
        detail: JSON.parse(entry.Detail ?? "{}"),
        resources: entry.Resources,
      });
    }
  };

  const errors: StepError[] = [];
  const attempt = async (step: string, run: () => Promise<unknown>) => {
    try {
      await run();
    } catch (err) {
      errors.push({ at: now.toISOString(), step, name: errorName(err), message: errorMessage(err) });
    }
  };
  const advance = (minutes: number) => {
    now = new Date(now.getTime() + minutes * 60_000);
  };

  /** One scheduled hour: take, share (+ event-driven copies), copy sweeps, and the janitors. */
  const hour = async () => {
    const start = now.getTime();
    for (const t of take) await attempt(`take ${t.account}`, () => t.run({}));
    advance(20);
    for (const s of share) await attempt(`share ${s.account}`, () => s.run({}));
    for (const event of inbox.splice(0)) await attempt("copy (event)", () => copy(event));
    advance(20);
    await attempt("copy (sweep)", () => copy({}));
    advance(15);
    await attempt("copy (sweep)", () => copy({}));
    // Hourly janitors: with hourly snapshots, a daily sweep lets a day of copies pile up against the quota.
    for (const e of expireSource) await attempt(`expire source ${e.account}`, () => e.run({}));
    await attempt("expire dr", () => expireDr({}));
    now = new Date(start + HOUR);
  };

  return { world, hour, errors, foreign, keys: { keyA, keyB, drKey, drFarKey }, now: () => now };
}

/** Groups owned snapshots by `<source account>/<db>`. */
function groups(snaps: readonly ModelSnapshot[], account?: string): Map<string, ModelSnapshot[]> {
  const out = new Map<string, ModelSnapshot[]>();
  for (const s of snaps.filter((x) => isOwned(x.tags))) {
    const key = `${s.tags[TAG.sourceAccount] ?? account}/${s.tags[TAG.sourceDb] ?? s.dbId}`;
    out.set(key, [...(out.get(key) ?? []), s]);
  }
  return out;
}

const recoveryPoint = (s: ModelSnapshot) => new Date(s.tags[TAG.recoveryPoint] ?? s.createdAt ?? 0);

describe("workflow: take -> share -> copy -> region copy -> expire, one week, 2 source accounts, 2 regions", () => {
  const expected = [`${SRC_A}/ledger`, `${SRC_A}/orders`, `${SRC_B}/orders`];
  let p: ReturnType<typeof pipeline>;
  let end: Date;
  let far: Map<string, ModelSnapshot[]>;
  let home: Map<string, ModelSnapshot[]>;

  beforeAll(async () => {
    p = pipeline();
    for (let h = 0; h < DAYS * 24; h++) await p.hour();
    end = p.now();
    far = groups(p.world.snapshots(DR, FAR));
    home = groups(p.world.snapshots(DR, HOME));
  });

  it("runs every step without a failure", () => {
    expect(p.errors.slice(0, 5)).toEqual([]);
  });

  it("holds DR-region copies of every DB, encrypted with the DR keys and never the source key", () => {
    expect([...far.keys()].sort()).toEqual(expected);
    for (const key of expected) {
      for (const c of far.get(key)!) {
        expect(c.kmsKeyId).toBe(p.keys.drFarKey);
        expect(c.tags[TAG.stage]).toBe("dr-region");
        expect(`${c.tags[TAG.sourceAccount]}/${c.tags[TAG.sourceDb]}`).toBe(key);
      }
      for (const c of home.get(key) ?? []) expect(c.kmsKeyId).toBe(p.keys.drKey);
      // Fresh: a recovery point at most 3 hours old is available in the DR region.
      const available = far.get(key)!.filter((c) => c.status === "available");
      const newest = Math.max(...available.map((c) => recoveryPoint(c).getTime()));
      expect(end.getTime() - newest, key).toBeLessThanOrEqual(3 * HOUR);
      // Two-step (and a cluster in any mode, which falls back to two-step): the DR-region leg copies the home-region
      // copy, a copy of a copy, so every one is full (rules INC-SOURCE-NOT-COPY, AURORA-COPY-FULL). Fan-out copies an
      // instance's shared snapshot straight into the DR region: incremental after the first.
      const copies = far.get(key)!;
      for (const c of copies) expect(c.gbMoved, key).toBeGreaterThan(0);
      const mode = process.env.RPL_TEST_COPY_MODE ?? "fan-out";
      if (mode === "two-step" || key.endsWith("/ledger")) {
        for (const c of copies) expect(c.incremental, key).toBe(false);
      } else {
        expect(copies.filter((c) => c.incremental).length, key).toBeGreaterThan(0);
      }
    }
  });

  it("keeps the retention policy in the DR region and at the source", () => {
    for (const key of expected) {
      const copies = far.get(key) ?? [];
      const available = copies.filter((c) => c.status === "available");
      expect(copies.length, key).toBeLessThanOrEqual(retentionFootprint(DEFAULT_RETENTION, 60));
      // Beyond the all-hours window: at most one recovery point per UTC day.
      const old = available.filter(
        (c) => end.getTime() - recoveryPoint(c).getTime() > DEFAULT_RETENTION.allHours * HOUR,
      );
      const days = old.map((c) => utcDayIndex(recoveryPoint(c)));
      expect(new Set(days).size, key).toBe(days.length);
      expect(days.length, key).toBeGreaterThanOrEqual(DAYS - 2);
      // Within it: every hourly recovery point, except the newest hours still in the pipeline.
      const hours = new Set(available.map((c) => recoveryPoint(c).toISOString().slice(0, 13)));
      for (let back = 3; back < DEFAULT_RETENTION.allHours; back++) {
        const slot = new Date(Math.floor(end.getTime() / HOUR) * HOUR - back * HOUR).toISOString().slice(0, 13);
        expect(hours.has(slot), `${key} misses the ${slot}:00 recovery point`).toBe(true);
      }
    }
    for (const account of [SRC_A, SRC_B]) {
      for (const [key, snaps] of groups(p.world.snapshots(account, HOME), account)) {
        expect(snaps.length, key).toBeLessThanOrEqual(retentionFootprint(DEFAULT_RETENTION, 60));
      }
    }
  });

  it("keeps the two same-named DBs of two source accounts apart (many-to-one)", () => {
    const ids = (key: string) => new Set((far.get(key) ?? []).map((c) => c.id));
    const a = ids(`${SRC_A}/orders`);
    const b = ids(`${SRC_B}/orders`);
    expect(a.size).toBeGreaterThan(0);
    expect(b.size).toBeGreaterThan(0);
    for (const id of a) expect(b.has(id)).toBe(false);
  });

  it("never deletes a snapshot it does not own", () => {
    for (const [account, region, id] of p.foreign) {
      expect(
        p.world.snapshots(account, region).some((s) => s.id === id),
        `${account}/${region}/${id}`,
      ).toBe(true);
    }
  });
});
