/**
 * One test per AWS rule of the model (sim/aws/rules.ts), named `[RULE-ID] ...`: each asserts behaviour that differs
 * when the rule is taken out. The last block keeps the rules table, these tests and docs/model.md in step.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import {
  CopyDBClusterSnapshotCommand,
  CopyDBSnapshotCommand,
  CreateDBClusterSnapshotCommand,
  CreateDBSnapshotCommand,
  DeleteDBSnapshotCommand,
  DescribeDBSnapshotsCommand,
  ModifyDBClusterSnapshotAttributeCommand,
  ModifyDBSnapshotAttributeCommand,
} from "@aws-sdk/client-rds";
import { describe, expect, it } from "vitest";
import { copyMinutesFor, DEFAULT_COPY_THROUGHPUT } from "../../config/assumptions";
import { RdsWorld, type RdsWorldOptions } from "../../sim/aws/rdsModel";
import { MODEL_RULES } from "../../sim/aws/rules";
import { RDS_API_RATE_LIMIT } from "../../sim/aws/throttle";

const SRC = "111111111111";
const DR = "222222222222";
const HOME = "eu-west-1";
const FAR = "eu-central-1";
const T0 = new Date("2026-03-02T10:00:00Z");
const MIN = 60_000;

function setup(opts: Partial<RdsWorldOptions> = {}) {
  let now = T0;
  const world = new RdsWorld({ clock: () => now, ...opts });
  const advance = (minutes: number) => {
    now = new Date(now.getTime() + minutes * MIN);
  };
  const srcKey = world.createKey(SRC, HOME, { alias: "alias/prod", allowAccounts: [DR] });
  const drKey = world.createKey(DR, HOME, { alias: "alias/dr" });
  const drFarKey = world.createKey(DR, FAR, { alias: "alias/dr" });
  world.addDbInstance(SRC, HOME, { id: "orders", sizeGb: 100, kmsKeyArn: srcKey, changePercentPerHour: 2 });
  world.addDbInstance(SRC, HOME, { id: "users", sizeGb: 50, kmsKeyArn: srcKey });
  world.addDbCluster(SRC, HOME, { id: "ledger", sizeGb: 200, kmsKeyArn: srcKey });
  const src = world.clients(SRC);
  const dr = world.clients(DR);
  /** Takes a snapshot of `db`, waits for it, shares it with DR; returns its ARN. */
  const takeShared = async (db: string, id: string) => {
    await src.rds(HOME).send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: db, DBSnapshotIdentifier: id }));
    advance(60);
    await src
      .rds(HOME)
      .send(
        new ModifyDBSnapshotAttributeCommand({ DBSnapshotIdentifier: id, AttributeName: "restore", ValuesToAdd: [DR] }),
      );
    return `arn:aws:rds:${HOME}:${SRC}:snapshot:${id}`;
  };
  /** DR copies `source` into `region` as `target` with `key`; returns the model's view of the copy. */
  const copy = async (region: string, source: string, target: string, key: string) => {
    await dr.rds(region).send(
      new CopyDBSnapshotCommand({
        SourceDBSnapshotIdentifier: source,
        TargetDBSnapshotIdentifier: target,
        KmsKeyId: key,
      }),
    );
    return world.snapshot(DR, region, target)!;
  };
  return { world, advance, srcKey, drKey, drFarKey, src, dr, takeShared, copy, now: () => now };
}

async function errorOf(p: Promise<unknown>): Promise<{ name: string; message: string }> {
  try {
    await p;
  } catch (err) {
    return err as { name: string; message: string };
  }
  throw new Error("expected the call to fail");
}

describe("model rules: incremental copies", () => {
  it("[INC-SOURCE-NOT-COPY] a copy of a copy is full every time; a copy of the original is incremental", async () => {
    const s = setup();
    const a1 = await s.takeShared("orders", "s1");
    await s.copy(HOME, a1, "h1", s.drKey);
    s.advance(60);
    const far1 = await s.copy(FAR, `arn:aws:rds:${HOME}:${DR}:snapshot:h1`, "f1", s.drFarKey);
    s.advance(120);
    const a2 = await s.takeShared("orders", "s2");
    const h2 = await s.copy(HOME, a2, "h2", s.drKey);
    s.advance(60);
    const far2 = await s.copy(FAR, `arn:aws:rds:${HOME}:${DR}:snapshot:h2`, "f2", s.drFarKey);
    expect(h2.incremental).toBe(true);
    expect([far1.incremental, far2.incremental]).toEqual([false, false]);
    expect(far2.fullReason).toBe("the source snapshot is itself a copy");
    expect(far2.gbMoved).toBe(100);
    // The same region leg from the original (fan-out) is incremental after the first.
    s.advance(120);
    const direct = await s.copy(FAR, a2, "f3", s.drFarKey);
    expect(direct.incremental).toBe(true);
  });

  it("[INC-PREVIOUS-COPY] the first copy into a destination is full, the next one of the same DB incremental", async () => {
    const s = setup();
    const a1 = await s.takeShared("orders", "s1");
    const first = await s.copy(HOME, a1, "h1", s.drKey);
    expect(first).toMatchObject({
      incremental: false,
      fullReason: "no earlier completed copy of this DB in the destination",
    });
    s.advance(60);
    const a2 = await s.takeShared("orders", "s2");
    expect((await s.copy(HOME, a2, "h2", s.drKey)).incremental).toBe(true);
    // Destination = account + region: copies in eu-west-1 don't make the first eu-central-1 copy incremental,
    const far = await s.copy(FAR, a2, "f2", s.drFarKey);
    expect(far.incremental).toBe(false);
    // and copies of another DB don't either.
    const u = await s.takeShared("users", "u1");
    expect((await s.copy(HOME, u, "hu1", s.drKey)).incremental).toBe(false);
  });

  it("[INC-MOST-RECENT-DELETED] deleting the most recent copy makes the next one full; deleting an older one doesn't", async () => {
    const s = setup();
    const rds = s.dr.rds(HOME);
    await s.copy(HOME, await s.takeShared("orders", "s1"), "h1", s.drKey);
    s.advance(60);
    await s.copy(HOME, await s.takeShared("orders", "s2"), "h2", s.drKey);
    s.advance(60);
    await rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: "h1" }));
    const h3 = await s.copy(HOME, await s.takeShared("orders", "s3"), "h3", s.drKey);
    expect(h3.incremental).toBe(true);
    s.advance(60);
    await rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: "h3" }));
    const h4 = await s.copy(HOME, await s.takeShared("orders", "s4"), "h4", s.drKey);
    expect(h4).toMatchObject({ incremental: false, fullReason: "the most recent copy was deleted" });
  });

  it("[INC-SAME-KMS-KEY] a copy under another key is full, and so is the next one while copies under both keys exist", async () => {
    const s = setup();
    const other = s.world.createKey(DR, HOME, { alias: "alias/other" });
    await s.copy(HOME, await s.takeShared("orders", "s1"), "h1", s.drKey);
    s.advance(60);
    const h2 = await s.copy(HOME, await s.takeShared("orders", "s2"), "h2", other);
    expect(h2).toMatchObject({
      incremental: false,
      fullReason: "a copy of this DB in the destination uses another KMS key",
    });
    s.advance(60);
    expect((await s.copy(HOME, await s.takeShared("orders", "s3"), "h3", s.drKey)).incremental).toBe(false);
  });

  it("[AURORA-COPY-FULL] DB cluster snapshot copies are always full", async () => {
    const s = setup();
    const rds = s.src.rds(HOME);
    const kinds: boolean[] = [];
    const farKey = s.world.createKey(SRC, FAR, { alias: "alias/far" });
    for (const n of [1, 2, 3]) {
      await rds.send(
        new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: "ledger", DBClusterSnapshotIdentifier: `c${n}` }),
      );
      s.advance(60);
      await s.src.rds(FAR).send(
        new CopyDBClusterSnapshotCommand({
          SourceDBClusterSnapshotIdentifier: `arn:aws:rds:${HOME}:${SRC}:cluster-snapshot:c${n}`,
          TargetDBClusterSnapshotIdentifier: `c${n}-far`,
          KmsKeyId: farKey,
        }),
      );
      s.advance(600);
      kinds.push(s.world.snapshot(SRC, FAR, `c${n}-far`)!.incremental);
    }
    expect(kinds).toEqual([false, false, false]);
    expect(s.world.snapshot(SRC, FAR, "c3-far")?.fullReason).toBe("Aurora DB cluster snapshot copies are always full");
  });
});

describe("model rules: cluster hops and deletions", () => {
  it("[CLUSTER-COPY-ONE-HOP] a shared cluster snapshot is copied in its region, not straight into another", async () => {
    const s = setup();
    await s.src
      .rds(HOME)
      .send(new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: "ledger", DBClusterSnapshotIdentifier: "c1" }));
    s.advance(60);
    await s.src.rds(HOME).send(
      new ModifyDBClusterSnapshotAttributeCommand({
        DBClusterSnapshotIdentifier: "c1",
        AttributeName: "restore",
        ValuesToAdd: [DR],
      }),
    );
    const arn = `arn:aws:rds:${HOME}:${SRC}:cluster-snapshot:c1`;
    const copy = (region: string, target: string, key: string) =>
      s.dr.rds(region).send(
        new CopyDBClusterSnapshotCommand({
          SourceDBClusterSnapshotIdentifier: arn,
          TargetDBClusterSnapshotIdentifier: target,
          KmsKeyId: key,
        }),
      );
    const err = await errorOf(copy(FAR, "c1-far", s.drFarKey));
    expect(err.name).toBe("InvalidParameterCombination");
    expect(err.message).toContain(`copy it into ${HOME} first`);
    expect(s.world.snapshot(DR, FAR, "c1-far")).toBeUndefined();
    // The two hops work: same-region cross-account, then same-account cross-region.
    await copy(HOME, "c1-home", s.drKey);
    s.advance(600);
    await s.dr.rds(FAR).send(
      new CopyDBClusterSnapshotCommand({
        SourceDBClusterSnapshotIdentifier: `arn:aws:rds:${HOME}:${DR}:cluster-snapshot:c1-home`,
        TargetDBClusterSnapshotIdentifier: "c1-far",
        KmsKeyId: s.drFarKey,
      }),
    );
    expect(s.world.snapshot(DR, FAR, "c1-far")).toBeDefined();
  });

  it("[DELETE-SOURCE-TERMINATES-COPY] deleting a snapshot fails its running and queued copies; the DB's queue moves up", async () => {
    const s = setup();
    const a1 = await s.takeShared("orders", "s1");
    const a2 = await s.takeShared("orders", "s2");
    await s.copy(HOME, a1, "h1", s.drKey); // running
    const queued = await s.copy(FAR, a1, "f1", s.drFarKey);
    const behind = await s.copy(HOME, a2, "h2", s.drKey);
    const behindMinutes = behind.completesAt.getTime() - behind.runsFrom.getTime();
    expect(behind.runsFrom.getTime()).toBe(queued.completesAt.getTime());
    s.advance(1);
    // AWS: "If the snapshot is being copied, the copy operation is terminated" - the delete succeeds.
    await s.src.rds(HOME).send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: "s1" }));
    const status = async (region: string, id: string) =>
      (await s.dr.rds(region).send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: id }))).DBSnapshots?.[0]
        ?.Status;
    expect(await status(HOME, "h1")).toBe("failed");
    expect(await status(FAR, "f1")).toBe("failed");
    const moved = s.world.snapshot(DR, HOME, "h2")!;
    expect(moved.runsFrom.getTime()).toBe(s.now().getTime());
    expect(moved.completesAt.getTime() - moved.runsFrom.getTime()).toBe(behindMinutes);
    expect(await status(HOME, "h2")).toBe("creating");
  });
});

describe("model rules: queues and quotas", () => {
  it("[COPY-QUEUE-SAME-DB] a second copy of the same DB waits for the first, showing no progress; another DB's doesn't", async () => {
    const s = setup();
    const a1 = await s.takeShared("orders", "s1");
    const home = await s.copy(HOME, a1, "h1", s.drKey);
    const far = await s.copy(FAR, a1, "f1", s.drFarKey);
    expect(home.runsFrom.getTime()).toBe(s.now().getTime());
    expect(far.runsFrom.getTime()).toBe(home.completesAt.getTime());
    s.advance(5);
    const out = await s.dr.rds(FAR).send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: "f1" }));
    expect(out.DBSnapshots?.[0]).toMatchObject({ Status: "creating", PercentProgress: 0 });
    const u = await s.takeShared("users", "u1");
    const other = await s.copy(FAR, u, "fu1", s.drFarKey);
    expect(other.runsFrom.getTime()).toBe(s.now().getTime());
  });

  it("[COPIES-IN-FLIGHT] the 21st copy in progress into one region answers SnapshotQuotaExceeded (default 20)", async () => {
    const s = setup();
    for (let i = 0; i < 21; i++) s.world.addSnapshot(SRC, HOME, { kind: "instance", id: `a${i}`, dbId: `db${i}` });
    const copy = (i: number) =>
      s.src.rds(FAR).send(
        new CopyDBSnapshotCommand({
          SourceDBSnapshotIdentifier: `arn:aws:rds:${HOME}:${SRC}:snapshot:a${i}`,
          TargetDBSnapshotIdentifier: `a${i}-far`,
        }),
      );
    for (let i = 0; i < 20; i++) await copy(i);
    expect((await errorOf(copy(20))).name).toBe("SnapshotQuotaExceededFault");
  });

  it("[MANUAL-SNAPSHOT-QUOTA] manual DB snapshots and cluster snapshots are counted against separate quotas", async () => {
    const s = setup({ quotas: { manualSnapshots: 1, manualClusterSnapshots: 2 } });
    const rds = s.src.rds(HOME);
    await rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: "orders", DBSnapshotIdentifier: "i1" }));
    s.advance(60);
    const err = await errorOf(
      rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: "users", DBSnapshotIdentifier: "i2" })),
    );
    expect(err.name).toBe("SnapshotQuotaExceededFault");
    for (const id of ["c1", "c2"]) {
      await rds.send(
        new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: "ledger", DBClusterSnapshotIdentifier: id }),
      );
      s.advance(60);
    }
    const err2 = await errorOf(
      rds.send(
        new CreateDBClusterSnapshotCommand({ DBClusterIdentifier: "ledger", DBClusterSnapshotIdentifier: "c3" }),
      ),
    );
    expect(err2.name).toBe("SnapshotQuotaExceededFault");
  });
});

describe("model rules: sharing and keys", () => {
  const share = (s: ReturnType<typeof setup>, id: string, add: string[]) =>
    s.src
      .rds(HOME)
      .send(
        new ModifyDBSnapshotAttributeCommand({ DBSnapshotIdentifier: id, AttributeName: "restore", ValuesToAdd: add }),
      );

  it("[SHARE-20-ACCOUNTS] a snapshot is shared with 20 accounts at most", async () => {
    const s = setup();
    await s.takeShared("orders", "s1");
    const accounts = Array.from({ length: 19 }, (_, i) => String(400000000000 + i));
    await share(s, "s1", accounts);
    expect((await errorOf(share(s, "s1", ["499999999999"]))).name).toBe("SharedSnapshotQuotaExceededFault");
  });

  it("[SHARE-AWS-MANAGED-KEY] a snapshot encrypted with aws/rds can't be shared", async () => {
    const s = setup();
    s.world.addDbInstance(SRC, HOME, { id: "legacy", kmsKeyArn: s.world.awsManagedRdsKey(SRC, HOME) });
    await s.src
      .rds(HOME)
      .send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: "legacy", DBSnapshotIdentifier: "l1" }));
    s.advance(60);
    const err = await errorOf(share(s, "l1", [DR]));
    expect(err.name).toBe("InvalidParameterValue");
    expect(err.message).toContain("AWS managed key");
  });

  it("[SHARE-ENCRYPTED-NOT-PUBLIC] an encrypted snapshot can't be made public", async () => {
    const s = setup();
    await s.takeShared("orders", "s1");
    expect((await errorOf(share(s, "s1", ["all"]))).message).toContain("public");
  });

  it("[COPY-KMS-KEY-REQUIRED] a shared encrypted copy needs KmsKeyId, and a key of the destination region", async () => {
    const s = setup();
    const arn = await s.takeShared("orders", "s1");
    const rds = s.dr.rds(FAR);
    const none = await errorOf(
      rds.send(new CopyDBSnapshotCommand({ SourceDBSnapshotIdentifier: arn, TargetDBSnapshotIdentifier: "x" })),
    );
    const wrongRegion = await errorOf(
      rds.send(
        new CopyDBSnapshotCommand({
          SourceDBSnapshotIdentifier: arn,
          TargetDBSnapshotIdentifier: "x",
          KmsKeyId: s.drKey,
        }),
      ),
    );
    expect([none.name, wrongRegion.name]).toEqual(["KMSKeyNotAccessibleFault", "KMSKeyNotAccessibleFault"]);
  });

  it("[COPY-SOURCE-KEY-ACCESS] the copying account must be allowed to use the source snapshot's key", async () => {
    const s = setup();
    const closed = s.world.createKey(SRC, HOME, { alias: "alias/closed" });
    s.world.addDbInstance(SRC, HOME, { id: "secret", kmsKeyArn: closed });
    const arn = await s.takeShared("secret", "x1");
    const err = await errorOf(s.copy(HOME, arn, "hx1", s.drKey));
    expect(err.name).toBe("KMSKeyNotAccessibleFault");
    expect(err.message).toContain(closed);
  });
});

describe("model rules: API budget and copy sizes", () => {
  it("[API-THROTTLING] RDS calls beyond the account's bucket answer Throttling and are recorded; others are unaffected", async () => {
    const s = setup({ apiRateLimit: { burst: 3, refillPerSecond: 1 } });
    const describe = (acct: "src" | "dr", region = HOME) =>
      s[acct].rds(region).send(new DescribeDBSnapshotsCommand({}));
    for (let i = 0; i < 3; i++) await describe("src");
    const err = await errorOf(describe("src"));
    expect(err.name).toBe("Throttling");
    expect(s.world.throttled).toEqual([
      { account: SRC, region: HOME, command: "DescribeDBSnapshots", at: T0, service: "rds" },
    ]);
    await describe("dr"); // another account
    await describe("src", FAR); // another region
    s.advance(1 / 60); // one second refills one token
    await describe("src");
    expect((await errorOf(describe("src"))).name).toBe("Throttling");
    // AWS's published default is what the simulator uses when a scenario enables the budget.
    expect(RDS_API_RATE_LIMIT).toEqual({ burst: 300, refillPerSecond: 12 });
    // No budget unless configured: the same burst passes.
    const open = setup();
    for (let i = 0; i < 500; i++) await open.src.rds(HOME).send(new DescribeDBSnapshotsCommand({}));
    expect(open.world.throttled).toEqual([]);
  });

  it("[COPY-BYTES] a full copy moves the whole snapshot, an incremental one the data changed at the DB's rate", async () => {
    const s = setup();
    const first = await s.copy(FAR, await s.takeShared("orders", "s1"), "f1", s.drFarKey);
    expect(first.gbMoved).toBe(100);
    expect(first.completesAt.getTime() - first.runsFrom.getTime()).toBe(copyMinutesFor(100, true) * MIN);
    s.advance(180);
    const second = await s.copy(FAR, await s.takeShared("orders", "s2"), "f2", s.drFarKey);
    // orders changes 2 %/h; the two recovery points are 240 minutes apart: 8 GB.
    expect(second.gbMoved).toBeCloseTo(8, 9);
    expect(second.completesAt.getTime() - second.runsFrom.getTime()).toBeCloseTo(
      copyMinutesFor(8, true, DEFAULT_COPY_THROUGHPUT) * MIN,
      3,
    );
  });
});

describe("model rules table", () => {
  const self = readFileSync(resolve(__dirname, "modelRules.test.ts"), "utf8");
  const doc = readFileSync(resolve(__dirname, "../../docs/model.md"), "utf8");

  it.each(MODEL_RULES.map((r) => [r.id, r] as const))("%s has a test, a source and a row in docs/model.md", (id, r) => {
    expect(self).toContain(`"[${id}] `);
    expect(r.url).toMatch(/^https:\/\/docs\.aws\.amazon\.com\//);
    expect(r.section.length).toBeGreaterThan(0);
    expect(doc).toContain(`| ${id} |`);
  });

  it("has unique ids", () => {
    expect(new Set(MODEL_RULES.map((r) => r.id)).size).toBe(MODEL_RULES.length);
  });
});
