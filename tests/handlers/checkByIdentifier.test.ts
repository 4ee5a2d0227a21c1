/**
 * The Checker's one-read poll (functions/check/read.ts) over the in-memory RDS model, which answers describe-by-
 * identifier as RDS does: a check started by the Sharer's event describes the recovery point's final copy by
 * identifier and, while that copy runs, reports exactly what the full scoped plan reports, for one read.
 */
import { ModifyDBSnapshotAttributeCommand } from "@aws-sdk/client-rds";
import { describe, expect, it } from "vitest";
import { handlerEnvironment, parseStackConfig } from "../../config";
import { makeHandler as makeCheck } from "../../functions/check/handler";
import { type CopyMode, parseCopyConfig } from "../../functions/copy/config";
import { namedRecoveryPoint } from "../../functions/copy/event";
import { makeHandler as makeCopy } from "../../functions/copy/handler";
import { ConfigError } from "../../functions/lib/errors";
import { drCopyId, sourceSnapshotId } from "../../functions/lib/identifiers";
import { liveObservability } from "../../functions/lib/powertools";
import { MANAGED_BY_VALUE, TAG } from "../../functions/lib/tags";
import { SHARED_EVENT_DETAIL_TYPE, SHARED_EVENT_SOURCE } from "../../functions/share/plan";
import { RdsWorld } from "../../sim/aws/rdsModel";

const SOURCE = "111111111111";
const DR = "222222222222";
const HOME = "eu-west-1";
const FAR = "eu-central-1";
const T0 = Date.parse("2026-01-06T00:10:00Z");
const AT = new Date(T0 - 10 * 60_000);
const SNAP = sourceSnapshotId("orders", AT);
const ARN = `arn:aws:rds:${HOME}:${SOURCE}:snapshot:${SNAP}`;
const TARGET = drCopyId(SOURCE, "orders", AT);

/** The event the Sharer puts on the DR bus for SNAP (share/plan.ts sharedEventDetail). */
const sharedEvent = (detail: Record<string, unknown> = {}) => ({
  "detail-type": SHARED_EVENT_DETAIL_TYPE,
  source: SHARED_EVENT_SOURCE,
  detail: {
    snapshotArn: ARN,
    kind: "instance",
    dbId: "orders",
    sourceAccount: SOURCE,
    sourceRegion: HOME,
    recoveryPoint: AT.toISOString(),
    ...detail,
  },
});

/** A source account that shared SNAP with the DR account, and the DR account's Copier and Checker in `mode`. */
async function drAccount(mode: CopyMode) {
  let now = T0;
  const clock = () => new Date(now);
  const world = new RdsWorld({ clock });
  const srcKey = world.createKey(SOURCE, HOME, { allowAccounts: [DR] });
  const drKey = world.createKey(DR, HOME);
  const drFarKey = world.createKey(DR, FAR);
  world.addDbInstance(SOURCE, HOME, { id: "orders", sizeGb: 50, kmsKeyArn: srcKey });
  world.addSnapshot(SOURCE, HOME, {
    kind: "instance",
    id: SNAP,
    dbId: "orders",
    createdAt: AT,
    kmsKeyArn: srcKey,
    tags: {
      [TAG.managedBy]: MANAGED_BY_VALUE,
      [TAG.sourceDb]: "orders",
      [TAG.sourceKind]: "instance",
      [TAG.sourceAccount]: SOURCE,
      [TAG.sourceRegion]: HOME,
      [TAG.recoveryPoint]: AT.toISOString(),
      [TAG.stage]: "source",
    },
  });
  await world
    .clients(SOURCE)
    .rds(HOME)
    .send(
      new ModifyDBSnapshotAttributeCommand({ DBSnapshotIdentifier: SNAP, AttributeName: "restore", ValuesToAdd: [DR] }),
    );
  const stack = parseStackConfig(
    { role: "dr", sourceAccounts: [SOURCE], drRegion: FAR, copyMode: mode, rpoMinutes: 60 },
    "Pulumi.dr.yaml",
    { region: HOME },
  );
  const refs = { drKmsKeyArn: drKey, drRegionKmsKeyArn: drFarKey, accountId: DR };
  const env = (step: "copy" | "check") => ({
    AWS_REGION: HOME,
    ...(handlerEnvironment(stack, step, refs) as Record<string, string>),
  });
  const deps = <C>(config: C) => ({ clients: world.clients(DR), clock, config, obs: liveObservability });
  const copy = makeCopy(deps(parseCopyConfig(env("copy"))));
  const check = makeCheck(deps(parseCopyConfig(env("check"), "check")));
  /** Runs the Checker on `event` and returns its summary with the Describe calls it made. */
  const checkReads = async (event: unknown) => {
    const from = world.calls.length;
    const summary = await check(event);
    return { summary, reads: world.calls.slice(from).filter((c) => c.command.startsWith("Describe")).length };
  };
  return { world, copy, checkReads, advance: (minutes: number) => (now += minutes * 60_000) };
}

describe("check started by the Sharer's event", () => {
  it("fan-out: one read while the DR-region copy runs, the same summary as the full scoped plan", async () => {
    const a = await drAccount("fan-out");
    await a.copy(sharedEvent());
    const fast = await a.checkReads(sharedEvent());
    const full = await a.checkReads({ snapshotArn: ARN });
    // The copy was just requested and shows no progress: half of expectedCopyMinutes (20) until the next look.
    expect(fast).toEqual({
      summary: { pending: 1, inProgress: [TARGET], waiting: 0, ready: 0, failed: 0, nextCheckSeconds: 600 },
      reads: 1,
    });
    expect(full.summary).toEqual(fast.summary);
    expect(full.reads).toBe(3);
  });

  it("fan-out: plans in full once the copies are done, and reports nothing pending", async () => {
    const a = await drAccount("fan-out");
    await a.copy(sharedEvent());
    a.advance(24 * 60);
    const done = await a.checkReads(sharedEvent());
    expect(done.summary).toEqual({ pending: 0, inProgress: [], waiting: 0, ready: 0, failed: 0, nextCheckSeconds: 0 });
    expect(done.reads).toBe(1 + 3);
  });

  it("two-step: two reads while the home-region copy runs (the DR-region copy has not started)", async () => {
    const a = await drAccount("two-step");
    await a.copy(sharedEvent());
    const fast = await a.checkReads(sharedEvent());
    const full = await a.checkReads({ snapshotArn: ARN });
    expect(fast.reads).toBe(2);
    expect(fast.summary).toEqual({
      pending: 1,
      inProgress: [TARGET],
      waiting: 0,
      ready: 0,
      failed: 0,
      nextCheckSeconds: 600,
    });
    expect(full.summary).toEqual(fast.summary);
  });

  it("two-step: once the home copy is done, plans in full and reports the DR-region copy ready", async () => {
    const a = await drAccount("two-step");
    await a.copy(sharedEvent());
    a.advance(24 * 60);
    const next = await a.checkReads(sharedEvent());
    expect(next.summary).toMatchObject({ pending: 1, ready: 1, failed: 0 });
    expect(next.reads).toBe(2 + 3);
  });

  it("a copy not started yet: plans in full (the Copier decides), reporting it ready", async () => {
    const a = await drAccount("direct");
    const next = await a.checkReads(sharedEvent());
    expect(next.summary).toEqual({ pending: 1, inProgress: [], waiting: 0, ready: 1, failed: 0, nextCheckSeconds: 0 });
    expect(next.reads).toBe(1 + 3);
  });

  it("a recovery point the event gets wrong finds no copy and plans in full, never a wrong answer", async () => {
    const a = await drAccount("fan-out");
    await a.copy(sharedEvent());
    const wrong = await a.checkReads(sharedEvent({ recoveryPoint: new Date(AT.getTime() + 60_000).toISOString() }));
    const full = await a.checkReads({ snapshotArn: ARN });
    expect(wrong.summary).toEqual(full.summary);
    expect(wrong.reads).toBe(1 + 3);
  });
});

describe("namedRecoveryPoint", () => {
  it("reads the recovery point, DB and kind from the Sharer's event, and the account from the ARN", () => {
    expect(namedRecoveryPoint(sharedEvent())).toEqual({
      snapshotArn: ARN,
      kind: "instance",
      sourceAccount: SOURCE,
      dbId: "orders",
      recoveryPoint: AT,
    });
  });

  it.each([
    ["a sweep", {}],
    ["a plain snapshotArn scope", { snapshotArn: ARN }],
    ["a DB scope", { dbId: "orders" }],
    ["an event without a recovery point", sharedEvent({ recoveryPoint: "" })],
  ])("names none for %s", (_, event) => {
    expect(namedRecoveryPoint(event)).toBeUndefined();
  });

  it.each([
    [{ recoveryPoint: "yesterday" }, /detail\.recoveryPoint must be an ISO-8601 time/],
    [{ dbId: 7 }, /detail\.dbId must be the DB instance or cluster identifier/],
    [{ kind: "cluster" }, /detail\.kind must be "instance" for arn:aws:rds/],
  ])("rejects %j with a ConfigError naming the field", (bad, message) => {
    expect(() => namedRecoveryPoint(sharedEvent(bad))).toThrow(ConfigError);
    expect(() => namedRecoveryPoint(sharedEvent(bad))).toThrow(message);
  });
});
