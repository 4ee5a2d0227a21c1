/**
 * Issue 13 item 1 over the in-memory RDS model: a backlog of 250 snapshots for each of three DBs (what changing
 * `drAccounts` produces) is shared newest first, every DB in turn, within the first run's time budget; that run
 * records what it finished (events and tags per batch) and the next runs resume without redoing any of it.
 *
 * Time: every model call costs CALL_MS of simulated time, and the run gets a 300 s Lambda's remaining time.
 */
import { describe, expect, it } from "vitest";
import type { HandlerDeps } from "../../functions/lib/lambda";
import { liveObservability } from "../../functions/lib/powertools";
import { TAG } from "../../functions/lib/tags";
import { parseShareConfig } from "../../functions/share/config";
import { makeHandler, type ShareSummary } from "../../functions/share/handler";
import { SHARED_EVENT_DETAIL_TYPE } from "../../functions/share/plan";
import { RdsWorld } from "../../sim/aws/rdsModel";
import { addShareBacklog } from "../helpers/shareBacklog";

const SOURCE = "111122223333";
const DR = ["444455556666", "777788889999"];
const REGION = "eu-west-1";
const BUS = `arn:aws:events:${REGION}:${DR[0]}:event-bus/rpl-dr`;
const T0 = Date.parse("2026-06-01T00:00:00Z");
const HALF_HOUR = 1_800_000;
const PER_DB = 250;
const DBS = ["orders", "billing", "ledger"] as const;
/** Simulated duration of one API call (throttled, with SDK retries): enough that one run cannot do everything. */
const CALL_MS = 400;
/** `getRemainingTimeInMillis()` at the start of a run of a Lambda with a 300 s timeout. */
const LAMBDA_MS = 300_000;

function backlogWorld() {
  let t = T0 + PER_DB * HALF_HOUR;
  const clock = () => new Date(t);
  const world = new RdsWorld({ clock, quotas: { manualSnapshots: 10_000, manualClusterSnapshots: 10_000 } });
  // Every call the model records (RDS, KMS, EventBridge) moves simulated time on by CALL_MS.
  const record = world.calls.push.bind(world.calls);
  world.calls.push = (...calls) => {
    t += CALL_MS * calls.length;
    return record(...calls);
  };
  addShareBacklog(world, { source: SOURCE, drAccounts: DR, region: REGION, dbs: DBS, perDb: PER_DB, t0: T0 });
  const config = parseShareConfig({
    AWS_REGION: REGION,
    RPL_DR_ACCOUNTS: DR.join(","),
    RPL_DR_EVENT_BUS_ARNS: BUS,
  });
  const deps: HandlerDeps<typeof config> = {
    clients: world.clients(SOURCE),
    clock,
    config,
    obs: liveObservability,
  };
  const share = makeHandler(deps);
  const run = () => share({}, { remainingMs: () => LAMBDA_MS });
  return { world, run };
}

/** Snapshot ids of `dbId`, newest first. */
function newestFirst(world: RdsWorld, dbId: string) {
  return world
    .snapshotsOf(SOURCE, REGION, dbId)
    .sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0));
}

function announcedIds(world: RdsWorld): string[] {
  return world.putEvents
    .filter((e) => e.entry.DetailType === SHARED_EVENT_DETAIL_TYPE)
    .map((e) => (JSON.parse(e.entry.Detail ?? "{}") as { snapshotArn: string }).snapshotArn.split(":").pop() ?? "");
}

describe("share handler under a time budget", () => {
  it("shares a 250-per-DB backlog newest first, every DB in turn, within the first run, and records it as it goes", async () => {
    const { world, run } = backlogWorld();

    const first: ShareSummary = await run();

    // Stopped well before the deadline with work left, not killed by the timeout.
    expect(first.leftPending).toBeGreaterThan(0);
    expect(first.shared).toBeGreaterThan(DBS.length);
    expect(first.shared + first.leftPending).toBe(DBS.length * PER_DB);
    const perDb = DBS.map((dbId) => {
      const list = newestFirst(world, dbId);
      const done = list.map((s) => s.tags[TAG.sharedSet] !== undefined);
      // Shared, announced and tagged: exactly a newest-first prefix of this DB's snapshots.
      const n = done.filter(Boolean).length;
      expect(done).toEqual(list.map((_, i) => i < n));
      for (const s of list.slice(0, n)) expect([...s.sharedWith].sort()).toEqual(DR);
      for (const s of list.slice(n)) expect(s.sharedWith).toEqual([]);
      return n;
    });
    // Round-robin: every DB got its newest snapshot shared, and no DB is more than one snapshot ahead of another.
    expect(Math.min(...perDb)).toBeGreaterThan(0);
    expect(Math.max(...perDb) - Math.min(...perDb)).toBeLessThanOrEqual(1);
    expect(announcedIds(world).sort()).toEqual(first.snapshotIds.slice().sort());
  });

  it("resumes on the next runs without redoing finished snapshots, until nothing is left", async () => {
    const { world, run } = backlogWorld();
    const summaries: ShareSummary[] = [await run()];
    const attributeWrites = () =>
      world.callCount("ModifyDBSnapshotAttribute") + world.callCount("ModifyDBClusterSnapshotAttribute");
    const attributeReads = () =>
      world.callCount("DescribeDBSnapshotAttributes") + world.callCount("DescribeDBClusterSnapshotAttributes");
    while ((summaries.at(-1)?.leftPending ?? 0) > 0) {
      const before = attributeWrites();
      const readsBefore = attributeReads();
      const s = await run();
      // Only snapshots not finished before are touched (their tag lets the run skip the rest without a call), with
      // one idempotent modify each; the only attribute reads are one per DB, of its newest shared snapshot (is the
      // share still there? functions/share/revoked.ts), not one per snapshot.
      expect(attributeWrites() - before).toBe(s.shared);
      expect(attributeReads() - readsBefore).toBe(DBS.length);
      expect(s.alreadyShared).toBe(summaries.reduce((n, p) => n + p.shared, 0));
      summaries.push(s);
      expect(summaries.length).toBeLessThan(20);
    }
    expect(summaries.length).toBeGreaterThan(1);
    expect(summaries.reduce((n, s) => n + s.shared, 0)).toBe(DBS.length * PER_DB);
    // Each snapshot announced exactly once over all runs.
    const ids = announcedIds(world);
    expect(ids).toHaveLength(DBS.length * PER_DB);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
