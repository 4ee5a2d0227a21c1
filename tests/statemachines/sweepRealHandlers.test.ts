/**
 * The fanned-out sweep machines (components/shared/sweepMachine.ts) run with their Task states bound to the REAL
 * handlers and listers (makeHandler + sweep.ts, wrapped by withSweepList exactly as the Lambda entry points are) over
 * the in-memory RDS model: Take, Share and Expire in the source account, Copy with its check loop in the DR account.
 * A schedule's `{}` lists once and runs every DB in its own iteration; a DB that fails is reported after the others
 * finished their work.
 */
import { describe, expect, it } from "vitest";
import { buildSweepStepDefinition, type SweepOptions } from "../../components/shared/sweepMachine";
import { makeHandler as makeCheck } from "../../functions/check/handler";
import { parseCopyConfig } from "../../functions/copy/config";
import { makeHandler as makeCopy } from "../../functions/copy/handler";
import { makeSweepLister as listCopy } from "../../functions/copy/sweep";
import { parseExpireConfig } from "../../functions/expire/config";
import { makeHandler as makeExpire } from "../../functions/expire/handler";
import { makeSweepLister as listExpire } from "../../functions/expire/sweep";
import type { HandlerDeps } from "../../functions/lib/lambda";
import { liveObservability } from "../../functions/lib/powertools";
import { withSweepList } from "../../functions/lib/sweep";
import { isOwned, TAG } from "../../functions/lib/tags";
import { parseShareConfig } from "../../functions/share/config";
import { makeHandler as makeShare } from "../../functions/share/handler";
import { makeSweepLister as listShare } from "../../functions/share/sweep";
import { parseTakeConfig } from "../../functions/take/config";
import { makeHandler as makeTake } from "../../functions/take/handler";
import { makeSweepLister as listTake } from "../../functions/take/sweep";
import { RdsWorld } from "../../sim/aws/rdsModel";
import { causeMessage, runStateMachine, type TaskHandler } from "../../sim/localStepFunctions";

const SRC = "111111111111";
const DR = "222222222222";
const HOME = "eu-west-1";
const FAR = "eu-central-1";
const fnArn = (account: string, name: string) => `arn:aws:lambda:${HOME}:${account}:function:rpl-${name}`;
const ARN = {
  take: fnArn(SRC, "take"),
  share: fnArn(SRC, "share"),
  expire: fnArn(SRC, "expire"),
  copy: fnArn(DR, "copy"),
  check: fnArn(DR, "check"),
};
const SWEEP: SweepOptions = { mode: "DISTRIBUTED", maxConcurrency: 2 };
/** As the stacks deploy share, copy and expire sweeps: items of several DBs, each paced by its own estimate. */
const ITEMS: SweepOptions = { ...SWEEP, items: { maxRequests: 50, secondsPerRequest: 0.5 } };
const DBS = ["billing", "customers", "orders"];

function setup() {
  let now = new Date("2026-11-25T06:00:00Z");
  const clock = () => now;
  const world = new RdsWorld({ clock });
  const srcKey = world.createKey(SRC, HOME, { alias: "alias/prod", allowAccounts: [DR] });
  const drKey = world.createKey(DR, HOME, { alias: "alias/rpl-dr" });
  const drFarKey = world.createKey(DR, FAR, { alias: "alias/rpl-dr" });
  for (const id of DBS) world.addDbInstance(SRC, HOME, { id, sizeGb: 20, kmsKeyArn: srcKey });
  // A DB outside RPL_DB_ID_REGEX: never listed, never snapshotted.
  world.addDbInstance(SRC, HOME, { id: "scratch", sizeGb: 5, kmsKeyArn: srcKey });

  const deps = <C>(account: string, config: C): HandlerDeps<C> => ({
    clients: world.clients(account),
    clock,
    config,
    obs: liveObservability,
  });
  const copyConfig = parseCopyConfig({
    AWS_REGION: HOME,
    RPL_SOURCE_ACCOUNTS: SRC,
    RPL_DR_KMS_KEY_ARN: drKey,
    RPL_DR_REGION: FAR,
    RPL_DR_REGION_KMS_KEY_ARN: drFarKey,
  });
  const takeDeps = deps(SRC, parseTakeConfig({ AWS_REGION: HOME, RPL_DB_ID_REGEX: "^(billing|customers|orders)$" }));
  const shareDeps = deps(SRC, parseShareConfig({ AWS_REGION: HOME, RPL_DR_ACCOUNTS: DR }));
  const expireDeps = (clients = world.clients(SRC)) => ({
    ...deps(
      SRC,
      parseExpireConfig({
        AWS_REGION: HOME,
        RPL_STAGE: "source",
        RPL_RETENTION: JSON.stringify({ allHours: 1, dailyDays: 0, weeklyWeeks: 0, monthlyMonths: 0, minKeep: 1 }),
      }),
    ),
    clients,
  });
  const copyDeps = deps(DR, copyConfig);
  const failing = new Set<string>();
  /** When set, every item run of a sweep crashes with an error that names no DB (a Lambda out of memory). */
  const crash = { all: false };
  /** DBs whose snapshot deletes RDS refuses (AccessDenied), inside a run that deletes other DBs' snapshots too. */
  const undeletable = new Set<string>();
  const expireClients = world.clients(SRC);
  const deniedDeletes: typeof expireClients = {
    ...expireClients,
    rds: (region: string) => {
      const rds = expireClients.rds(region);
      const send = rds.send.bind(rds) as (c: unknown) => Promise<unknown>;
      return new Proxy(rds, {
        get: (target, prop, receiver) =>
          prop === "send"
            ? async (command: { input?: { DBSnapshotIdentifier?: string } }) => {
                const id = command.input?.DBSnapshotIdentifier ?? "";
                if (
                  command.constructor.name.startsWith("DeleteDBSnapshot") &&
                  [...undeletable].some((db) => id.includes(`-${db}-`))
                )
                  throw Object.assign(new Error("not allowed"), { name: "AccessDenied" });
                return send(command);
              }
            : Reflect.get(target, prop, receiver),
      });
    },
  };
  /** The handler as deployed, plus a fault: a run of an item with a DB in `failing` crashes (as a Lambda can). */
  const deployed = (core: TaskHandler, lister: () => Promise<unknown>, step: string): TaskHandler => {
    const h = withSweepList(core as never, lister as never, step) as TaskHandler;
    return async (payload) => {
      const p = payload as { dbId?: string; dbIds?: string[] };
      const dbIds = p.dbIds ?? (p.dbId ? [p.dbId] : []);
      if (crash.all && dbIds.length > 0) throw Object.assign(new Error("Runtime exited"), { name: "Crash" });
      const crashed = dbIds.find((id) => failing.has(id));
      if (crashed) throw Object.assign(new Error(`${step}: ${crashed} crashed`), { name: "Crash" });
      return h(payload);
    };
  };
  const handlers: Record<string, TaskHandler> = {
    [ARN.take]: deployed(makeTake(takeDeps) as TaskHandler, listTake(takeDeps), "take"),
    [ARN.share]: deployed(makeShare(shareDeps) as TaskHandler, listShare(shareDeps), "share"),
    [ARN.expire]: deployed(makeExpire(expireDeps(deniedDeletes)) as TaskHandler, listExpire(expireDeps()), "expire"),
    [ARN.copy]: deployed(makeCopy(copyDeps) as TaskHandler, listCopy(copyDeps), "copy"),
    [ARN.check]: makeCheck(copyDeps) as TaskHandler,
  };
  const machines = {
    take: buildSweepStepDefinition({ stepName: "Take", functionArn: ARN.take, sweep: SWEEP }),
    takeBatched: buildSweepStepDefinition({
      stepName: "Take",
      functionArn: ARN.take,
      sweep: { ...SWEEP, batch: { size: 2, maxConcurrency: 1, pauseSeconds: 10 } },
      batched: true,
    }),
    share: buildSweepStepDefinition({ stepName: "Share", functionArn: ARN.share, sweep: ITEMS }),
    expire: buildSweepStepDefinition({ stepName: "Expire", functionArn: ARN.expire, sweep: ITEMS }),
    copy: buildSweepStepDefinition({
      stepName: "Copy",
      functionArn: ARN.copy,
      check: { functionArn: ARN.check, waitSeconds: 300, maxChecks: 50 },
      sweep: ITEMS,
    }),
  };
  const advance = (seconds: number) => {
    now = new Date(now.getTime() + seconds * 1000);
  };
  const run = (definition: object, input: unknown = {}) =>
    runStateMachine(definition, { handlers, input, onWait: (seconds) => void advance(seconds) });
  return { world, run, machines, advance, failing, undeletable, crash };
}

const owned = (world: RdsWorld, account: string, region: string) =>
  world.snapshots(account, region).filter((s) => isOwned(s.tags));
/** DBs of the calls of `state`: an item's `dbIds`, else its `dbId`. */
const perDb = (r: { taskCalls: readonly { state: string; payload: unknown }[] }, state: string) =>
  r.taskCalls
    .filter((c) => c.state === state)
    .flatMap((c) => (c.payload as { dbIds?: string[] }).dbIds ?? [(c.payload as { dbId: string }).dbId])
    .sort();
/** Calls of `state`. */
const calls = (r: { taskCalls: readonly { state: string; payload: unknown }[] }, state: string) =>
  r.taskCalls.filter((c) => c.state === state);

describe("fanned-out sweeps with the real handlers", () => {
  it("take, share and copy each list once and run every DB in its own iteration, end to end", async () => {
    const s = setup();
    const take = await s.run(s.machines.take);
    expect(take.status).toBe("SUCCEEDED");
    expect(take.output).toEqual({ summary: { dbs: 3, items: 3, failed: 0 } });
    expect(take.taskCalls.filter((c) => c.state === "ListTakeItems")).toHaveLength(1);
    expect(perDb(take, "DbTake")).toEqual(DBS);
    expect(
      owned(s.world, SRC, HOME)
        .map((x) => x.dbId)
        .sort(),
    ).toEqual(DBS);

    s.advance(3600);
    const share = await s.run(s.machines.share);
    expect(share.status).toBe("SUCCEEDED");
    // The three DBs' snapshots fill less than a page: one item carries them all, paced by its own estimate (one page
    // and two writes per snapshot to share: 7 requests x 0.5 s).
    expect(calls(share, "DbShare").map((c) => c.payload)).toEqual([
      { dbId: "billing", dbKind: "instance", dbIds: DBS, pauseSeconds: 4 },
    ]);
    expect(share.waits).toEqual([4]);
    expect(share.output).toEqual({ summary: { dbs: 3, items: 1, failed: 0 } });
    expect(owned(s.world, SRC, HOME).every((x) => x.tags[TAG.sharedSet] !== undefined)).toBe(true);

    const copy = await s.run(s.machines.copy);
    expect(copy.status).toBe("SUCCEEDED");
    // One item of the three DBs: its Copier and check runs list each region once with a three-valued filter.
    expect(calls(copy, "DbCopy")).toHaveLength(1);
    expect(perDb(copy, "DbCopy")).toEqual(DBS);
    // Each DB's check loop checked that DB only.
    expect(new Set(perDb(copy, "DbCheckCopy"))).toEqual(new Set(DBS));
    const far = owned(s.world, DR, FAR);
    expect(far.map((x) => `${x.dbId}:${x.status}`).sort()).toEqual(DBS.map((d) => `${d}:available`));

    // A second copy sweep finds nothing left to do: the list is empty and no DB runs.
    const again = await s.run(s.machines.copy);
    expect(again.status).toBe("SUCCEEDED");
    expect(again.output).toEqual({ summary: { dbs: 0, items: 0, failed: 0 } });
  });

  it("a batched take sweep plans once and its items only create, paused between batches", async () => {
    const s = setup();
    const from = s.world.calls.length;
    const take = await s.run(s.machines.takeBatched);
    expect(take.status).toBe("SUCCEEDED");
    // 3 DBs in batches of 2: two items, each followed by the pause.
    expect(take.output).toEqual({ summary: { dbs: 2, items: 2, failed: 0 } });
    expect(take.waits).toEqual([10, 10]);
    const calls = s.world.calls.slice(from).map((c) => c.command);
    expect(calls.filter((c) => c.startsWith("Create")).length).toBe(3);
    // The list step's reads only: one DescribeDBInstances, one DescribeDBClusters, one DescribeAccountAttributes.
    expect(calls.filter((c) => c.startsWith("Describe")).sort()).toEqual([
      "DescribeAccountAttributes",
      "DescribeDBClusters",
      "DescribeDBInstances",
    ]);
    expect(
      owned(s.world, SRC, HOME)
        .map((x) => x.dbId)
        .sort(),
    ).toEqual(DBS);
  });

  it("a DB whose run fails is reported after the other DBs were snapshotted", async () => {
    const s = setup();
    s.failing.add("customers");
    const take = await s.run(s.machines.take);
    expect(take.status).toBe("FAILED");
    expect(take.error).toBe("PartialFailureError");
    expect(causeMessage(take.cause)).toContain("take sweep (1 of 3 DBs) failed for 1 item(s): customers (Crash:");
    expect(
      owned(s.world, SRC, HOME)
        .map((x) => x.dbId)
        .sort(),
    ).toEqual(["billing", "orders"]);
  });

  it("the Janitor's sweep lists DBs with something to delete and deletes only within each DB's scope", async () => {
    const s = setup();
    for (let h = 0; h < 3; h++) {
      expect((await s.run(s.machines.take)).status).toBe("SUCCEEDED");
      s.advance(3600);
    }
    const before = owned(s.world, SRC, HOME);
    expect(before).toHaveLength(9);
    const from = s.world.calls.length;
    const expire = await s.run(s.machines.expire);
    expect(expire.status).toBe("SUCCEEDED");
    expect(perDb(expire, "DbExpire")).toEqual(DBS);
    // One item, one listing with a three-valued filter (list step: one listing per kind).
    expect(calls(expire, "DbExpire")).toHaveLength(1);
    expect(
      s.world.calls
        .slice(from)
        .filter((c) => c.command.startsWith("Describe"))
        .map((c) => c.command),
    ).toEqual(["DescribeDBSnapshots", "DescribeDBClusterSnapshots", "DescribeDBSnapshots"]);
    const after = owned(s.world, SRC, HOME);
    // Every DB keeps exactly its newest snapshot (minKeep 1, nothing younger than an hour).
    for (const db of DBS) {
      // Taker ids end in the slot time (rpl-<db>-<yyyymmdd-hhmm>), so the newest sorts last.
      const newest = before
        .filter((x) => x.dbId === db)
        .map((x) => x.id)
        .sort()
        .at(-1);
      expect(after.filter((x) => x.dbId === db).map((x) => x.id)).toEqual([newest]);
    }
  });

  it("names only the DB whose deletes failed in a multi-DB item; the item's other DBs are done", async () => {
    const s = setup();
    for (let h = 0; h < 3; h++) {
      expect((await s.run(s.machines.take)).status).toBe("SUCCEEDED");
      s.advance(3600);
    }
    s.undeletable.add("customers");
    const expire = await s.run(s.machines.expire);
    expect(calls(expire, "DbExpire")).toHaveLength(1);
    expect(expire.status).toBe("FAILED");
    expect(expire.error).toBe("PartialFailureError");
    const message = causeMessage(expire.cause);
    expect(message).toMatch(
      /^expire sweep \(1 of 3 DBs\) failed for 1 item\(s\): customers \(PartialFailureError: its item \(3 DBs from billing\) failed: expire failed for 2 item/,
    );
    expect(message).not.toMatch(/: (billing|orders) \(/);
    const after = owned(s.world, SRC, HOME);
    expect(after.filter((x) => x.dbId === "customers")).toHaveLength(3);
    expect(after.filter((x) => x.dbId !== "customers")).toHaveLength(2);
  });

  it("names every DB of an item whose run failed as a whole", async () => {
    const s = setup();
    expect((await s.run(s.machines.take)).status).toBe("SUCCEEDED");
    s.advance(3600);
    s.crash.all = true;
    const share = await s.run(s.machines.share);
    expect(share.status).toBe("FAILED");
    expect(causeMessage(share.cause)).toMatch(
      /^share sweep \(3 of 3 DBs\) failed for 3 item\(s\): billing \(Crash: its item \(3 DBs from billing\) failed: Runtime exited;.*; customers \(Crash: .*; orders \(Crash: /,
    );
  });

  it("an event-started (scoped) run still runs once, without a list step", async () => {
    const s = setup();
    const r = await s.run(s.machines.take, { dbId: "orders" });
    expect(r.status).toBe("SUCCEEDED");
    expect(r.taskCalls.map((c) => c.state)).toEqual(["Take"]);
    expect(owned(s.world, SRC, HOME).map((x) => x.dbId)).toEqual(["orders"]);
  });
});
