/**
 * The deployed state machine definitions run with their Task states bound to the REAL handlers (makeHandler) over the
 * in-memory RDS model: Take and Share in the source account, then the Copy machine with its wait/check loop in the DR
 * account, on a virtual clock that each Wait state advances.
 */
import { describe, expect, it } from "vitest";

import { buildStepDefinition } from "../../components/shared/stateMachines";
import { makeHandler as makeCheck } from "../../functions/check/handler";
import { parseCopyConfig } from "../../functions/copy/config";
import { makeHandler as makeCopy } from "../../functions/copy/handler";
import type { HandlerDeps } from "../../functions/lib/lambda";
import { liveObservability } from "../../functions/lib/powertools";
import { isOwned, TAG } from "../../functions/lib/tags";
import { parseShareConfig } from "../../functions/share/config";
import { makeHandler as makeShare } from "../../functions/share/handler";
import { parseTakeConfig } from "../../functions/take/config";
import { makeHandler as makeTake } from "../../functions/take/handler";
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
  copy: fnArn(DR, "copy"),
  check: fnArn(DR, "check"),
};
const WAIT_SECONDS = 300;

function setup(opts: { maxCopiesInFlight?: number; maxChecks?: number } = {}) {
  let now = new Date("2026-11-25T06:00:00Z");
  const clock = () => now;
  const advanceSeconds = (s: number) => {
    now = new Date(now.getTime() + s * 1000);
  };
  const world = new RdsWorld({ clock });
  const srcKey = world.createKey(SRC, HOME, { alias: "alias/prod", allowAccounts: [DR] });
  const drKey = world.createKey(DR, HOME, { alias: "alias/rpl-dr" });
  const drFarKey = world.createKey(DR, FAR, { alias: "alias/rpl-dr" });
  world.addDbInstance(SRC, HOME, { id: "orders", sizeGb: 100, kmsKeyArn: srcKey });
  world.addDbCluster(SRC, HOME, { id: "ledger", sizeGb: 200, kmsKeyArn: srcKey, engine: "aurora-postgresql" });
  world.addDbInstance(SRC, HOME, { id: "ledger-1", clusterId: "ledger", engine: "aurora-postgresql" });

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
    // Default mode (fan-out); RPL_TEST_COPY_MODE=two-step runs the same tests in two-step (direct makes no home-region
    // copy and no second leg, which these tests assert, so it does not apply here).
    ...(process.env.RPL_TEST_COPY_MODE ? { RPL_COPY_MODE: process.env.RPL_TEST_COPY_MODE } : {}),
    ...(opts.maxCopiesInFlight ? { RPL_MAX_COPIES_IN_FLIGHT: String(opts.maxCopiesInFlight) } : {}),
  });
  const handlers: Record<string, TaskHandler> = {
    [ARN.take]: makeTake(deps(SRC, parseTakeConfig({ AWS_REGION: HOME }))) as TaskHandler,
    [ARN.share]: makeShare(deps(SRC, parseShareConfig({ AWS_REGION: HOME, RPL_DR_ACCOUNTS: DR }))) as TaskHandler,
    [ARN.copy]: makeCopy(deps(DR, copyConfig)) as TaskHandler,
    [ARN.check]: makeCheck(deps(DR, copyConfig)) as TaskHandler,
  };
  const machines = {
    take: buildStepDefinition({ stepName: "Take", functionArn: ARN.take }),
    share: buildStepDefinition({ stepName: "Share", functionArn: ARN.share }),
    copy: buildStepDefinition({
      stepName: "Copy",
      functionArn: ARN.copy,
      check: { functionArn: ARN.check, waitSeconds: WAIT_SECONDS, maxChecks: opts.maxChecks ?? 50 },
    }),
  };
  const run = (definition: object, input: unknown = {}) =>
    runStateMachine(definition, { handlers, input, onWait: (seconds) => void advanceSeconds(seconds) });
  return { world, run, machines, handlers, advanceSeconds, now: () => now, keys: { srcKey, drKey, drFarKey } };
}

/** Takes and shares a snapshot of every source DB through their state machines, as the schedule would. */
async function takeAndShare(s: ReturnType<typeof setup>) {
  const take = await s.run(s.machines.take);
  expect(take.status).toBe("SUCCEEDED");
  // Snapshots take minutes in RDS (the model's timing); the Sharer shares only available ones.
  s.advanceSeconds(3600);
  const share = await s.run(s.machines.share);
  expect(share.status).toBe("SUCCEEDED");
}

describe("Copy state machine with the real copy and check handlers", () => {
  it("copies every shared snapshot into the DR account and on into the DR region, waiting while copies run", async () => {
    const s = setup();
    await takeAndShare(s);
    const started = s.now().getTime();

    const r = await s.run(s.machines.copy);

    expect(r.status).toBe("SUCCEEDED");
    expect(r.output).toMatchObject({ summary: { pending: 0 } });
    // Two-step: the loop waited for the home copies, re-ran the Copier for the region leg, then waited for that.
    expect(r.waits.length).toBeGreaterThan(1);
    expect(r.waits.every((w) => w === WAIT_SECONDS)).toBe(true);
    expect(r.taskCalls.map((c) => c.state)).toContain("RerunCopy");
    expect(r.taskCalls.every((c) => c.error === undefined)).toBe(true);
    // Virtual time advanced by exactly the waits: nothing slept for real.
    expect(s.now().getTime() - started).toBe(r.waits.length * WAIT_SECONDS * 1000);

    const far = s.world.snapshots(DR, FAR).filter((x) => isOwned(x.tags));
    expect(far.map((x) => `${x.kind}:${x.tags[TAG.sourceDb]}:${x.status}`).sort()).toEqual([
      "cluster:ledger:available",
      "instance:orders:available",
    ]);
    for (const copy of far) {
      expect(copy.kmsKeyId).toBe(s.keys.drFarKey);
      expect(copy.tags[TAG.stage]).toBe("dr-region");
      expect(copy.tags[TAG.sourceAccount]).toBe(SRC);
    }
    const home = s.world.snapshots(DR, HOME).filter((x) => isOwned(x.tags));
    expect(home.every((x) => x.kmsKeyId === s.keys.drKey && x.tags[TAG.stage] === "dr")).toBe(true);
  });

  it("succeeds without waiting when there is nothing shared to copy", async () => {
    const s = setup();
    const r = await s.run(s.machines.copy);
    expect(r.status).toBe("SUCCEEDED");
    expect(r.output).toEqual({
      checks: 0,
      waitedSeconds: 0,
      summary: expect.objectContaining({ pending: 0, started: 0 }),
    });
    expect(r.waits).toEqual([]);
  });

  it("succeeds with leftPending when the copies outlast maxChecks, leaving them running", async () => {
    const s = setup({ maxChecks: 1 });
    await takeAndShare(s);
    const r = await s.run(s.machines.copy);
    expect(r.status).toBe("SUCCEEDED");
    expect(r.states.at(-1)).toBe("CopyLeftPending");
    const out = r.output as { summary: { pending: number; failed: number }; checks: number; leftPending: boolean };
    expect(out.leftPending).toBe(true);
    expect(out.checks).toBe(1);
    expect(out.summary.pending).toBeGreaterThan(0);
    expect(out.summary.failed).toBe(0);
    // Nothing was undone: the copies are still there for the next run to follow.
    expect(s.world.snapshots(DR, HOME).filter((x) => isOwned(x.tags)).length).toBeGreaterThan(0);
  });

  it("retries a throttled run and still finishes", async () => {
    const s = setup();
    await takeAndShare(s);
    // Throttle every call of the first Copier invocation. The model's clients bypass SDK retries, so the throttle
    // reaches the state machine as the handler lets it through (TransientAwsError, or the raw AWS name).
    let copyCalls = 0;
    const base = s.world.faults;
    s.world.faults = { ...base, throttleRate: 1, random: () => (copyCalls === 0 ? 0 : 1) };
    const r = await runStateMachine(s.machines.copy, {
      handlers: {
        [ARN.copy]: async (payload) => {
          try {
            return await (s.handlers[ARN.copy] as TaskHandler)(payload);
          } finally {
            copyCalls++;
          }
        },
        [ARN.check]: s.handlers[ARN.check] as TaskHandler,
      },
      onWait: (seconds) => void s.advanceSeconds(seconds),
    });
    expect(["TransientAwsError", "Throttling"]).toContain(r.taskCalls[0]?.error);
    expect(r.retries[0]).toMatchObject({ state: "Copy", error: r.taskCalls[0]?.error, attempt: 1 });
    expect(r.status, causeMessage(r.cause)).toBe("SUCCEEDED");
  });
});
