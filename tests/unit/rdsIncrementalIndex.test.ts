import { describe, expect, it } from "vitest";
import { KmsModel } from "../../sim/aws/kms";
import { RdsModel } from "../../sim/aws/rds";
import { DEFAULT_QUOTAS } from "../../sim/aws/rdsModel";
import { DEFAULT_TIMING, type SnapRecord } from "../../sim/aws/state";

const SRC = "111111111111";
const HOME = "eu-west-1";
const FAR = "eu-central-1";
const MINUTE = 60_000;

/** The model's internals this test compares (private in sim/aws/rds.ts). */
interface Internals {
  byOrigin: Map<string, Set<SnapRecord>>;
  deletedCopyAt: Map<string, number>;
  queueStart(origin: string, now: number): number;
  incrementalBase(
    kind: "instance",
    account: string,
    region: string,
    src: SnapRecord,
    destKey: string | undefined,
    start: number,
  ): { base?: SnapRecord; reason?: string };
}

/**
 * The incremental rules (INC-SOURCE-NOT-COPY, INC-SAME-KMS-KEY, INC-PREVIOUS-COPY, INC-MOST-RECENT-DELETED) as a scan
 * of every snapshot of the DB held in the destination: what sim/aws/rds.ts did before it kept an index of the copies.
 */
function scanBase(m: Internals, src: SnapRecord, destKey: string | undefined, start: number) {
  if (src.source) return { reason: "the source snapshot is itself a copy" };
  const key = `${SRC}|${FAR}|${src.origin}`;
  let base: SnapRecord | undefined;
  for (const s of m.byOrigin.get(key) ?? []) {
    if (!s.source || s.fails) continue;
    if (s.kmsKeyId !== destKey) return { reason: "a copy of this DB in the destination uses another KMS key" };
    if (s.doneAt <= start && s !== src && (!base || s.doneAt > base.doneAt)) base = s;
  }
  if (!base) return { reason: "no earlier completed copy of this DB in the destination" };
  const deleted = m.deletedCopyAt.get(key);
  if (deleted !== undefined && deleted >= base.doneAt) return { reason: "the most recent copy was deleted" };
  return { base };
}

describe("RdsModel incremental-copy index", () => {
  it("picks the same base (or reason for a full copy) as a scan of the destination, through copies, failures, deletes and terminations", () => {
    let seed = 12345;
    const rng = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    let now = Date.parse("2026-03-02T00:00:00Z");
    const kms = new KmsModel();
    const homeKey = kms.createKey(SRC, HOME);
    const farKeys = [kms.createKey(SRC, FAR), kms.createKey(SRC, FAR)];
    const rds = new RdsModel({
      now: () => now,
      timing: DEFAULT_TIMING,
      faults: () => ({ failCopyRate: 0.15, random: rng }),
      quotas: { ...DEFAULT_QUOTAS, manualSnapshots: 10_000, copiesInFlightPerRegion: 1_000 },
      kms,
    });
    const m = rds as unknown as Internals;
    for (const id of ["orders", "users"]) rds.addDb("instance", SRC, HOME, { id, sizeGb: 50, kmsKeyArn: homeKey });
    const outcomes = new Map<string, number>();
    let n = 0;
    const attempt = (f: () => void) => {
      try {
        f();
      } catch {
        // Refused by a rule (DB busy, snapshot in progress): part of the sequence.
      }
    };
    for (let step = 0; step < 6000; step++) {
      const r = rng();
      const db = rng() < 0.5 ? "orders" : "users";
      const home = rds.ownedSnapshots(SRC, HOME).filter((s) => s.dbId === db);
      const far = rds.ownedSnapshots(SRC, FAR).filter((s) => s.dbId === db);
      if (r < 0.2) {
        attempt(() =>
          rds.createDBSnapshot(SRC, HOME, { DBInstanceIdentifier: db, DBSnapshotIdentifier: `${db}-${step}` }),
        );
      } else if (r < 0.6) {
        const src = home[Math.floor(rng() * home.length)];
        if (src === undefined || now < src.doneAt) continue;
        // The usual DR key; now and then the other one for one of the DBs (rule INC-SAME-KMS-KEY).
        const destKey = farKeys[db === "users" && rng() < 0.05 ? 1 : 0]!;
        const start = m.queueStart(src.origin, now);
        const expected = scanBase(m, src, destKey, start);
        const got = m.incrementalBase("instance", SRC, FAR, src, destKey, start);
        expect(got).toEqual(expected);
        expect(got.base).toBe(expected.base);
        outcomes.set(got.reason ?? "incremental", (outcomes.get(got.reason ?? "incremental") ?? 0) + 1);
        n++;
        attempt(() =>
          rds.copyDBSnapshot(SRC, FAR, {
            SourceDBSnapshotIdentifier: src.arn,
            TargetDBSnapshotIdentifier: `copy-${step}`,
            KmsKeyId: destKey,
          }),
        );
      } else if (r < 0.8) {
        // Oldest, newest or any copy (rule INC-MOST-RECENT-DELETED).
        const pick = rng();
        const c = pick < 0.4 ? far[0] : pick < 0.6 ? far.at(-1) : far[Math.floor(rng() * far.length)];
        if (c !== undefined) attempt(() => rds.deleteDBSnapshot(SRC, FAR, { DBSnapshotIdentifier: c.id }));
      } else if (r < 0.85) {
        // A source with a copy still queued or running, when there is one (rule DELETE-SOURCE-TERMINATES-COPY: the
        // DB's queued copies move up).
        const s = home.find((h) => [...h.copies].some((c) => now < c.doneAt)) ?? home[0];
        if (s !== undefined) attempt(() => rds.deleteDBSnapshot(SRC, HOME, { DBSnapshotIdentifier: s.id }));
      } else if (r < 0.86) {
        // The clock set back (as a test may): copies finished since are running again, and may be the newest.
        now -= Math.floor(rng() * 300) * MINUTE;
      } else now += Math.floor(rng() * 90) * MINUTE;
    }
    expect(n).toBeGreaterThan(500);
    // Every outcome came up.
    expect([...outcomes.keys()].sort()).toEqual([
      "a copy of this DB in the destination uses another KMS key",
      "incremental",
      "no earlier completed copy of this DB in the destination",
      "the most recent copy was deleted",
    ]);
  });
});
