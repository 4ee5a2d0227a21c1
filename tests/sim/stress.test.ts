/**
 * scenarios/stress.yaml (issue 13's Done-when) on a shortened timeline: the same 3 source -> 2 DR accounts, 24 DBs and
 * 10 % throttling per attempt, with every fault moved into the first day and 30 hours simulated (so the Janitor deletes) to keep the suite affordable (the full three days:
 * `npm run simulate -- --scenario scenarios/stress.yaml`, docs/faults.md). Every DB not hit by a fault meets its RPO;
 * every fault shows in the report and fires its own alarm, which clears afterwards; no owned copy is made and deleted
 * within its interval; no unowned snapshot is deleted by the tool.
 */
import { resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadScenario, type Scenario } from "../../sim/scenario";
import { type SimulationResult, simulate } from "../../sim/simulate";

const START = Date.parse("2026-01-05T00:00:00Z");
const H = 3_600_000;
const at = (hours: number) => START + hours * H;
const DR1 = "222222222222";
const DR2 = "555555555555";
const C = "444444444444";
const DELETED = "111111111111/a-db-7";
const KMS_DENIED = "333333333333/b-db-3";
const REVOKED = `${C}/c-db-2`;
const GRACE_HOURS = 12;

/** The shipped scenario with its faults at hours 4-21 and 30 hours simulated (past the 24 h retention tier). */
function shortened(): Scenario {
  const s = loadScenario(resolve(__dirname, "../../scenarios/stress.yaml"));
  return {
    ...s,
    days: 30 / 24,
    faults: {
      ...s.faults,
      outages: [{ stateMachine: "copy", inAccount: DR2, startHours: 10, hours: 3 }],
      snapshotQuotas: [{ account: C, kind: "instance", max: 3, startHours: 14, hours: 3 }],
      deleteDbs: [{ account: "111111111111", id: "a-db-7", atHours: 4 }],
      scheduled: [
        { kind: "kmsDenied", db: KMS_DENIED, account: DR1, startHours: 18, hours: 3, everyMinutes: 5 },
        // While DR account 2's Copier is down, so the revocation beats the copy (as in the shipped scenario).
        { kind: "shareRevoked", db: REVOKED, account: DR2, startHours: 11, hours: 1.5, everyMinutes: 5 },
      ],
    },
  };
}

describe("scenarios/stress.yaml (shortened)", () => {
  let run: SimulationResult;
  beforeAll(async () => {
    run = await simulate(shortened());
  }, 1_800_000);

  const alarm = (name: string) => run.report.alarms.find((a) => a.name === name);
  const firedWithin = (name: string, from: number, to: number) => {
    const a = alarm(name);
    expect(a, `alarm ${name} never fired`).toBeDefined();
    const inWindow = a!.episodes.filter((e) => Date.parse(e.firedAt) >= from && Date.parse(e.firedAt) < to);
    expect(
      inWindow.length,
      `alarm ${name} did not fire between ${new Date(from).toISOString()} and ${new Date(to).toISOString()}`,
    ).toBeGreaterThan(0);
    return a!;
  };

  it("is the stress shape: several source and DR accounts, at least 20 DBs, 10 % throttling per attempt", () => {
    const s = run.report.scenario;
    expect(s.stacks.filter((x) => x.includes("(source,"))).toHaveLength(3);
    expect(s.stacks.filter((x) => x.includes("(dr,"))).toHaveLength(2);
    expect(run.report.dbs.length).toBeGreaterThanOrEqual(20);
    expect(run.report.faults).toContain("10% of API attempts throttled (SDK retries apply)");
  });

  it("meets the RPO of every DB not hit by a fault", () => {
    const hit = (key: string) => key.startsWith(`${C}/`) || key === KMS_DENIED || key === DELETED;
    const missed = run.report.dbs.filter((d) => d.missedRpo).map((d) => `${d.account}/${d.id}`);
    expect(missed.filter((k) => !hit(k))).toEqual([]);
    expect(missed).toContain(KMS_DENIED);
  });

  it("names every fault in the report", () => {
    const f = run.report.faults.join("\n");
    expect(f).toContain(`state machine copy in ${DR2} down 2026-01-05T10:00:00.000Z for 3 h`);
    expect(f).toContain(`manual instance snapshot quota of ${C}/eu-west-1 left to the tool: 3 for 3 h`);
    expect(f).toContain(`DB ${DELETED} deleted at 2026-01-05T04:00:00.000Z`);
    expect(f).toContain(
      `KMS access denied for copies of ${KMS_DENIED} into ${DR1} from 2026-01-05T18:00:00.000Z for 3 h`,
    );
  });

  it("notices a revoked share and recovers: the Sharer shares the newest revoked snapshot again and the DR copies it", () => {
    const f = run.report.faults.join("\n");
    expect(f).toContain(
      `share of ${REVOKED} snapshots with ${DR2} revoked from 2026-01-05T11:00:00.000Z for 1.5 h (every 5 min)`,
    );
    const outcome = run.report.faults.find((l) => l.startsWith(`share of ${REVOKED} snapshots with ${DR2} revoked:`));
    expect(outcome).toMatch(/: [1-9]\d* snapshot\(s\) revoked; the newest, rpl-c-db-2-\S+, shared again by the Sharer/);
    expect(outcome).toContain(`and copied into ${DR2}`);
    // Its DB's per-DB freshness alarm (already firing for the Copier outage) clears afterwards.
    const a = firedWithin(`${DR2}/eu-west-1 per-DB freshness alarm (dr, DB ${REVOKED})`, at(10), at(14));
    const episode = a.episodes.find((e) => Date.parse(e.firedAt) >= at(10) && Date.parse(e.firedAt) < at(14))!;
    expect(Date.parse(episode.resolvedAt!)).toBeLessThanOrEqual(at(16));
  });

  it("fires each fault's own alarm during its window", () => {
    firedWithin(`${DR2}/eu-west-1/copy failures`, at(10), at(13));
    firedWithin(`${C}/eu-west-1/take failures`, at(14), at(17));
    // The blocked quota's own alarm (SnapshotQuotaBlocked per account, region and kind), not only the step failure.
    firedWithin(`${C}/eu-west-1 instance snapshot quota blocked`, at(14), at(17));
    expect(run.report.alarms.find((a) => a.name === `${C}/eu-west-1 instance snapshot quota blocked`)?.kind).toBe(
      "quota",
    );
    // The deleted DB's own per-DB contributor: stale after the RPO, back to OK once retired after the grace period.
    const deleted = firedWithin(`${DR1}/eu-west-1 per-DB freshness alarm (dr, DB ${DELETED})`, at(4), at(7));
    expect(Date.parse(deleted.episodes.at(-1)!.resolvedAt!)).toBeLessThanOrEqual(at(4 + GRACE_HOURS + 2));
    firedWithin(`${DR1}/eu-west-1 per-DB freshness alarm (dr, DB ${KMS_DENIED})`, at(18), at(22));
    // One DB's fault does not hold another DB's alarm: no other DB of DR account 1 alarmed.
    const others = run.report.alarms.filter(
      (a) => a.name.startsWith(`${DR1}/eu-west-1 per-DB`) && !a.name.includes(DELETED) && !a.name.includes(KMS_DENIED),
    );
    expect(others.map((a) => a.name)).toEqual([]);
  });

  it("clears every alarm after its fault", () => {
    const open = run.report.alarms.filter((a) => a.episodes.some((e) => e.resolvedAt === null)).map((a) => a.name);
    expect(open).toEqual([]);
  });

  it("makes no owned copy that it deletes within its interval, and deletes no unowned snapshot", () => {
    const d = run.report.deletions!;
    expect(d.churn).toEqual([]);
    expect(d.unownedByTool).toEqual([]);
    expect(d.byOwner.owned).toBeGreaterThan(0);
    expect(run.report.safety).toEqual({ newestCopyDeleted: [], belowMinKeep: [] });
  });
});
