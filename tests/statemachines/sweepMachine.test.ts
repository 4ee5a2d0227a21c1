/**
 * The fanned-out sweep machines (components/shared/sweepMachine.ts): valid ASL in both Map modes, scoped inputs run
 * the unchanged scoped machine, a sweep lists once and runs each DB in its own iteration whose every Lambda call
 * carries that DB's scope (first run, resume loop, check loop), at most MaxConcurrency at a time, and one DB's
 * failure is reported after every DB ran.
 */
import aslValidator from "asl-validator";
import { describe, expect, it } from "vitest";
import { buildStepDefinition, type StepMachineOptions } from "../../components/shared/stateMachines";
import {
  buildSweepStepDefinition,
  ITEM_PREFIX,
  SCOPE_FIELDS,
  type SweepOptions,
} from "../../components/shared/sweepMachine";
import { ConfigError, PartialFailureError } from "../../functions/lib/errors";
import { reportSweep, SWEEP_LIST_INPUT } from "../../functions/lib/sweep";
import { causeMessage, runStateMachine, type TaskHandler } from "../../sim/localStepFunctions";

const arn = (name: string) => `arn:aws:lambda:eu-west-1:123456789012:function:rpl-${name}`;
const COPY = arn("copy");
const CHECK = arn("check");
const TAKE = arn("take");
const SWEEP: SweepOptions = { mode: "DISTRIBUTED", maxConcurrency: 2 };
const copyOptions = (maxChecks = 3): StepMachineOptions => ({
  stepName: "Copy",
  functionArn: COPY,
  check: { functionArn: CHECK, waitSeconds: 300, maxChecks },
});

/** A fake step Lambda: the list input returns `dbIds`, a `{ dbId }` input returns `perDb(dbId, callNumber)`. */
function fakeStep(
  dbIds: string[],
  perDb: (dbId: string, n: number) => Record<string, unknown> | Error,
): TaskHandler & { payloads: unknown[]; maxInFlight: () => number } {
  const payloads: unknown[] = [];
  const calls = new Map<string, number>();
  let inFlight = 0;
  let maxInFlight = 0;
  const fn = async (payload: unknown) => {
    payloads.push(payload);
    if (JSON.stringify(payload) === JSON.stringify(SWEEP_LIST_INPUT)) return { items: dbIds.map((dbId) => ({ dbId })) };
    // The report step, answered as the step Lambdas answer it (functions/lib/sweep.ts).
    if ((payload as { sweep?: string }).sweep === "report") return reportSweep("step", payload);
    const dbId = (payload as { dbId: string }).dbId;
    const n = (calls.get(dbId) ?? 0) + 1;
    calls.set(dbId, n);
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    // Let the other iterations start before this one returns, so concurrency is observable.
    await new Promise((r) => setTimeout(r, 1));
    inFlight--;
    const out = perDb(dbId, n);
    if (out instanceof Error) throw out;
    return out;
  };
  return Object.assign(fn, { payloads, maxInFlight: () => maxInFlight });
}

/** DB ids of the per-DB calls a fake received, in order (list and report calls left out). */
const perDbCalls = (h: { payloads: unknown[] }) =>
  h.payloads.filter((p) => (p as { dbId?: string }).dbId !== undefined).map((p) => (p as { dbId: string }).dbId);

describe("reportSweep", () => {
  it("returns the DB count when no DB failed", () => {
    expect(reportSweep("take", { sweep: "report", results: [{ dbId: "a" }, { dbId: "b" }] })).toEqual({
      dbs: 2,
      items: 2,
      failed: 0,
    });
    // Multi-DB items count their DBs.
    expect(
      reportSweep("share", { sweep: "report", results: [{ dbId: "a", dbIds: ["a", "b", "c"] }, { dbId: "d" }] }),
    ).toEqual({ dbs: 4, items: 2, failed: 0 });
  });

  it("names at most 100 failed DBs and counts the rest", () => {
    const results = Array.from({ length: 150 }, (_, i) => ({ dbId: `db${i}`, error: "TransientAwsError" }));
    let thrown: unknown;
    try {
      reportSweep("copy", { sweep: "report", results: [...results, { dbId: "ok" }] });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(PartialFailureError);
    const e = thrown as PartialFailureError;
    expect(e.failures).toHaveLength(100);
    expect(e.message).toMatch(
      /^copy sweep \(150 of 151 DBs, first 100 named\) failed for 100 item\(s\): db0 \(TransientAwsError:/,
    );
    expect(e.message.length).toBeLessThan(32_768);
  });

  it("rejects a report input without results, naming the field", () => {
    expect(() => reportSweep("take", { sweep: "report" })).toThrow("take sweep report input.results");
  });
});

describe("buildSweepStepDefinition", () => {
  const variants: [string, StepMachineOptions][] = [
    ["take", { stepName: "Take", functionArn: TAKE }],
    ["share", { stepName: "Share", functionArn: arn("share") }],
    ["expire", { stepName: "Expire", functionArn: arn("expire-dr") }],
    ["copy with check loop", copyOptions(36)],
    ["no retries", { stepName: "Take", functionArn: TAKE, retry: { maxAttempts: 0 } }],
  ];
  const PACED: SweepOptions = {
    mode: "DISTRIBUTED",
    maxConcurrency: 2,
    pauseSeconds: 3,
    batch: { size: 50, maxConcurrency: 3, pauseSeconds: 25 },
  };

  it.each([
    ["take, batched", { stepName: "Take", functionArn: TAKE }, true],
    ["copy with check loop, paced", copyOptions(36), false],
  ] as const)("builds a paced definition asl-validator accepts (%s)", (_name, options, batched) => {
    for (const mode of ["INLINE", "DISTRIBUTED"] as const) {
      const definition = buildSweepStepDefinition({ ...options, sweep: { ...PACED, mode }, batched });
      const { isValid, errorsText } = aslValidator(structuredClone(definition), { checkPaths: true, checkArn: true });
      expect(errorsText("\n")).toBe("");
      expect(isValid).toBe(true);
    }
  });

  it("asks a batched sweep's list step for batches and uses the batch's concurrency and pause", () => {
    const def = buildSweepStepDefinition({ stepName: "Take", functionArn: TAKE, sweep: PACED, batched: true });
    const list = def.States.ListTakeItems as { Parameters: { Payload: unknown } };
    expect(list.Parameters.Payload).toEqual({ sweep: "list", batchSize: 50 });
    const map = def.States.TakeEachDb as { MaxConcurrency: number; ItemProcessor: { States: Record<string, unknown> } };
    expect(map.MaxConcurrency).toBe(3);
    expect(map.ItemProcessor.States[`${ITEM_PREFIX}TakeItemPause`]).toMatchObject({ Type: "Wait", Seconds: 25 });
    // Unbatched: one DB per item, the per-DB pacing, a list input without batchSize.
    const perDb = buildSweepStepDefinition({ stepName: "Take", functionArn: TAKE, sweep: PACED });
    expect((perDb.States.ListTakeItems as { Parameters: { Payload: unknown } }).Parameters.Payload).toEqual(
      SWEEP_LIST_INPUT,
    );
    expect((perDb.States.TakeEachDb as { MaxConcurrency: number }).MaxConcurrency).toBe(2);
  });

  it("paces multi-DB items by their own pause: asks the list step for it and waits it (SecondsPath)", () => {
    const items = { maxRequests: 50, secondsPerRequest: 0.5 };
    for (const mode of ["INLINE", "DISTRIBUTED"] as const) {
      const def = buildSweepStepDefinition({ ...copyOptions(36), sweep: { ...PACED, mode, items } });
      const { isValid, errorsText } = aslValidator(structuredClone(def), { checkPaths: true, checkArn: true });
      expect(errorsText("\n")).toBe("");
      expect(isValid).toBe(true);
      expect((def.States.ListCopyItems as { Parameters: { Payload: unknown } }).Parameters.Payload).toEqual({
        sweep: "list",
        pacing: items,
      });
      const states = (def.States.CopyEachDb as { ItemProcessor: { States: Record<string, Record<string, unknown>> } })
        .ItemProcessor.States;
      expect(states[`${ITEM_PREFIX}CopyItemPause`]).toMatchObject({ Type: "Wait", SecondsPath: "$.pauseSeconds" });
      expect(states[`${ITEM_PREFIX}CopyItemDone`]?.Parameters).toEqual({
        "dbId.$": "$.scope.dbId",
        "dbIds.$": "$.scope.dbIds",
        "pauseSeconds.$": "$.scope.pauseSeconds",
      });
      expect(states[`${ITEM_PREFIX}CopyFailed`]?.Parameters).toMatchObject({ "dbIds.$": "$.scope.dbIds" });
    }
    // A batched sweep keeps its batch pacing.
    const take = buildSweepStepDefinition({
      stepName: "Take",
      functionArn: TAKE,
      sweep: { ...PACED, items },
      batched: true,
    });
    expect((take.States.ListTakeItems as { Parameters: { Payload: unknown } }).Parameters.Payload).toEqual({
      sweep: "list",
      batchSize: 50,
    });
  });

  it.each([
    { maxRequests: 0, secondsPerRequest: 1 },
    { maxRequests: 2.5, secondsPerRequest: 1 },
    { maxRequests: 5, secondsPerRequest: -1 },
  ])("rejects item pacing %j with a ConfigError naming the field", (items) => {
    expect(() =>
      buildSweepStepDefinition({ stepName: "Share", functionArn: TAKE, sweep: { ...SWEEP, items } }),
    ).toThrow("sweep.items must have a whole maxRequests");
  });

  it("adds no pause state without a pause", () => {
    const def = buildSweepStepDefinition({ stepName: "Take", functionArn: TAKE, sweep: SWEEP });
    const states = (def.States.TakeEachDb as { ItemProcessor: { States: Record<string, unknown> } }).ItemProcessor
      .States;
    expect(Object.keys(states).filter((k) => (states[k] as { Type: string }).Type === "Wait")).toEqual([]);
  });

  it.each([-1, 1.5, 3601])("rejects pauseSeconds %j with a ConfigError naming the field", (pauseSeconds) => {
    const build = () =>
      buildSweepStepDefinition({ stepName: "Take", functionArn: TAKE, sweep: { ...SWEEP, pauseSeconds } });
    expect(build).toThrow(ConfigError);
    expect(build).toThrow("sweep.pauseSeconds must be a whole number from 0 to 3600");
  });
  const cases = variants.flatMap(([name, o]) =>
    (["INLINE", "DISTRIBUTED"] as const).map((mode) => [`${name}, ${mode}`, o, mode] as const),
  );

  it.each(cases)("builds a definition asl-validator accepts (%s)", (_name, options, mode) => {
    const definition = buildSweepStepDefinition({ ...options, sweep: { mode, maxConcurrency: 3 } });
    const { isValid, errorsText } = aslValidator(structuredClone(definition), { checkPaths: true, checkArn: true });
    expect(errorsText("\n")).toBe("");
    expect(isValid).toBe(true);
    expect(JSON.parse(JSON.stringify(definition))).toEqual(definition);
  });

  it("keeps every state of the scoped machine unchanged at the top level", () => {
    const scoped = buildStepDefinition(copyOptions());
    const sweep = buildSweepStepDefinition({ ...copyOptions(), sweep: SWEEP });
    for (const [name, state] of Object.entries(scoped.States)) expect(sweep.States[name]).toEqual(state);
  });

  it("uses the mode's processor config and the given MaxConcurrency", () => {
    for (const mode of ["INLINE", "DISTRIBUTED"] as const) {
      const map = buildSweepStepDefinition({ stepName: "Take", functionArn: TAKE, sweep: { mode, maxConcurrency: 7 } })
        .States.TakeEachDb as { MaxConcurrency: number; ItemProcessor: { ProcessorConfig: { Mode: string } } };
      expect(map.MaxConcurrency).toBe(7);
      expect(map.ItemProcessor.ProcessorConfig.Mode).toBe(mode);
    }
  });

  it.each([
    [{ mode: "INLINE", maxConcurrency: 41 }, "sweep.maxConcurrency must be a whole number from 1 to 40 in INLINE mode"],
    [{ mode: "DISTRIBUTED", maxConcurrency: 0 }, "sweep.maxConcurrency must be a whole number from 1 to 10000"],
    [{ mode: "DISTRIBUTED", maxConcurrency: 1.5 }, "sweep.maxConcurrency must be a whole number"],
    [{ mode: "PARALLEL", maxConcurrency: 1 }, 'sweep.mode must be "INLINE" or "DISTRIBUTED"'],
  ])("rejects %j with a ConfigError naming the field", (sweep, message) => {
    const build = () =>
      buildSweepStepDefinition({ stepName: "Take", functionArn: TAKE, sweep: sweep as unknown as SweepOptions });
    expect(build).toThrow(ConfigError);
    expect(build).toThrow(message);
  });
});

describe("sweep machine executions", () => {
  it.each([
    ["a DB scope", { dbId: "orders" }],
    ["a sweep item's multi-DB form (its dbId names it)", { dbId: "billing", dbIds: ["billing", "orders"] }],
    ["a snapshot scope", { snapshotId: "rpl-orders-20260101-0000" }],
    [
      "a shared-snapshot scope",
      { snapshotArn: "arn:aws:rds:eu-west-1:111111111111:snapshot:rpl-orders-20260101-0000" },
    ],
    ["an EventBridge event", { "detail-type": "RDS Pilot Light Snapshot Shared", detail: { snapshotArn: "x" } }],
    ["a dry run", { dryRun: true }],
  ])("runs %s as one scoped run, as before the fan-out", async (_name, input) => {
    const take = fakeStep([], () => ({ created: 1 }));
    const def = buildSweepStepDefinition({ stepName: "Take", functionArn: TAKE, sweep: SWEEP });
    const r = await runStateMachine(def, { handlers: { [TAKE]: take }, input });
    expect(r.status).toBe("SUCCEEDED");
    expect(r.states).toEqual(["IsTakeSweep", "Take", "HasTakeLeftWork", "TakeSucceeded"]);
    expect(take.payloads).toEqual([input]);
    expect(r.output).toEqual({ summary: { created: 1 }, runs: 1 });
  });

  it("lists once, then runs each DB scoped to it, at most MaxConcurrency at a time", async () => {
    const dbs = ["a", "b", "c", "d", "e"];
    const take = fakeStep(dbs, () => ({ created: 1, leftPending: 0 }));
    const def = buildSweepStepDefinition({ stepName: "Take", functionArn: TAKE, sweep: SWEEP });
    const r = await runStateMachine(def, { handlers: { [TAKE]: take }, input: {} });
    expect(r.status).toBe("SUCCEEDED");
    expect(r.output).toEqual({ summary: { dbs: 5, items: 5, failed: 0 } });
    expect(take.payloads[0]).toEqual(SWEEP_LIST_INPUT);
    expect(take.payloads.at(-1)).toEqual({ sweep: "report", results: dbs.map((dbId) => ({ dbId })) });
    expect(perDbCalls(take).sort()).toEqual(dbs);
    expect(take.payloads.filter((p) => JSON.stringify(p) === JSON.stringify(SWEEP_LIST_INPUT))).toHaveLength(1);
    expect(take.maxInFlight()).toBe(SWEEP.maxConcurrency);
  });

  it("pauses after every item, failed ones included, so the sweep keeps to its share of the API budget", async () => {
    const take = fakeStep(["a", "b", "c"], (dbId) =>
      dbId === "b" ? new PartialFailureError("take", [{ id: "b", error: "X", message: "no" }]) : { created: 1 },
    );
    const waits: number[] = [];
    const def = buildSweepStepDefinition({
      stepName: "Take",
      functionArn: TAKE,
      sweep: { ...SWEEP, pauseSeconds: 7 },
    });
    const r = await runStateMachine(def, { handlers: { [TAKE]: take }, input: {}, onWait: (s) => void waits.push(s) });
    expect(r.status).toBe("FAILED");
    expect(waits).toEqual([7, 7, 7]);
    expect(perDbCalls(take).sort()).toEqual(["a", "b", "c"]);
  });

  it("succeeds with nothing to do when the list is empty", async () => {
    const take = fakeStep([], () => ({ created: 1 }));
    const def = buildSweepStepDefinition({ stepName: "Take", functionArn: TAKE, sweep: SWEEP });
    const r = await runStateMachine(def, { handlers: { [TAKE]: take }, input: {} });
    expect(r.status).toBe("SUCCEEDED");
    expect(r.output).toEqual({ summary: { dbs: 0, items: 0, failed: 0 } });
  });

  it("reports a failed DB after every other DB ran, naming it and its error", async () => {
    const take = fakeStep(["a", "b", "c"], (dbId) =>
      dbId === "b" ? new PartialFailureError("take", [{ id: "b", error: "X", message: "no" }]) : { created: 1 },
    );
    const def = buildSweepStepDefinition({ stepName: "Take", functionArn: TAKE, sweep: SWEEP });
    const r = await runStateMachine(def, { handlers: { [TAKE]: take }, input: {} });
    expect(r.status).toBe("FAILED");
    expect(r.error).toBe("PartialFailureError");
    expect(causeMessage(r.cause)).toBe(
      "step sweep (1 of 3 DBs) failed for 1 item(s): b (PartialFailureError: the DB's run failed: take failed for 1 item(s): b (X: no); its iteration (or child execution) and the Lambda log have the cause)",
    );
    // a and c ran to the end; b was not retried (PartialFailureError is not retryable).
    expect(perDbCalls(take).sort()).toEqual(["a", "b", "c"]);
  });

  it("runs multi-DB items, waits each item's own pause, and reports the DBs of the items", async () => {
    const items = [
      { dbId: "a", dbKind: "instance", dbIds: ["a", "b"], pauseSeconds: 4 },
      { dbId: "c", dbKind: "cluster", dbIds: ["c"], pauseSeconds: 9 },
    ];
    const payloads: unknown[] = [];
    const share: TaskHandler = async (payload) => {
      payloads.push(payload);
      const p = payload as { sweep?: string };
      if (p.sweep === "list") return { items };
      if (p.sweep === "report") return reportSweep("share", payload);
      return { shared: 1 };
    };
    const waits: number[] = [];
    const def = buildSweepStepDefinition({
      stepName: "Share",
      functionArn: arn("share"),
      sweep: { ...SWEEP, items: { maxRequests: 50, secondsPerRequest: 0.5 } },
    });
    const r = await runStateMachine(def, {
      handlers: { [arn("share")]: share },
      input: {},
      onWait: (s) => void waits.push(s),
    });
    expect(r.status).toBe("SUCCEEDED");
    expect(r.output).toEqual({ summary: { dbs: 3, items: 2, failed: 0 } });
    // Each item is sent whole to the step Lambda.
    expect(payloads.filter((p) => (p as { dbIds?: unknown }).dbIds)).toEqual(expect.arrayContaining(items));
    expect(waits.sort((x, y) => x - y)).toEqual([4, 9]);
  });

  it("keeps the DB's scope through the resume loop (leftPending) of its iteration", async () => {
    const take = fakeStep(["a", "b"], (dbId, n) => ({ created: 1, leftPending: dbId === "a" && n < 3 ? 5 : 0 }));
    const def = buildSweepStepDefinition({ stepName: "Take", functionArn: TAKE, sweep: SWEEP });
    const r = await runStateMachine(def, { handlers: { [TAKE]: take }, input: {} });
    expect(r.status).toBe("SUCCEEDED");
    const calls = r.taskCalls.filter((c) => c.state.startsWith(ITEM_PREFIX));
    expect(calls.filter((c) => c.state === `${ITEM_PREFIX}ContinueTake`).map((c) => c.payload)).toEqual([
      { dbId: "a" },
      { dbId: "a" },
    ]);
    expect(calls.every((c) => ["a", "b"].includes((c.payload as { dbId: string }).dbId))).toBe(true);
  });

  it("stops resuming a DB after maxRuns and still counts it as done", async () => {
    const take = fakeStep(["a"], () => ({ created: 1, leftPending: 1 }));
    const def = buildSweepStepDefinition({ stepName: "Take", functionArn: TAKE, maxRuns: 3, sweep: SWEEP });
    const r = await runStateMachine(def, { handlers: { [TAKE]: take }, input: {} });
    expect(r.status).toBe("SUCCEEDED");
    expect(perDbCalls(take)).toEqual(["a", "a", "a"]);
  });

  it("runs each DB's check loop with that DB's scope, re-running it when ready, until nothing is pending", async () => {
    const copy = fakeStep(["a", "b"], () => ({ pending: 1, leftPending: 0 }));
    const checks: unknown[] = [];
    const check: TaskHandler = async (payload) => {
      checks.push(payload);
      const n = checks.filter((p) => JSON.stringify(p) === JSON.stringify(payload)).length;
      return n === 1 ? { pending: 1, ready: 1 } : { pending: 0 };
    };
    const waits: number[] = [];
    const r = await runStateMachine(buildSweepStepDefinition({ ...copyOptions(5), sweep: SWEEP }), {
      handlers: { [COPY]: copy, [CHECK]: check },
      input: {},
      onWait: (s) => void waits.push(s),
    });
    expect(r.status).toBe("SUCCEEDED");
    expect(r.output).toEqual({ summary: { dbs: 2, items: 2, failed: 0 } });
    expect(checks.map((p) => (p as { dbId: string }).dbId).sort()).toEqual(["a", "a", "b", "b"]);
    const reruns = r.taskCalls.filter((c) => c.state === `${ITEM_PREFIX}RerunCopy`).map((c) => c.payload);
    expect(reruns).toEqual(expect.arrayContaining([{ dbId: "a" }, { dbId: "b" }]));
    expect(reruns).toHaveLength(2);
    expect(waits).toEqual([300, 300, 300, 300]);
  });

  it("counts a DB whose copies outlast maxChecks as done (leftPending), like the scoped machine", async () => {
    const copy = fakeStep(["a"], () => ({ pending: 1 }));
    const check: TaskHandler = async () => ({ pending: 1 });
    const r = await runStateMachine(buildSweepStepDefinition({ ...copyOptions(2), sweep: SWEEP }), {
      handlers: { [COPY]: copy, [CHECK]: check },
      input: {},
    });
    expect(r.status).toBe("SUCCEEDED");
    expect(r.states).toContain(`${ITEM_PREFIX}MarkCopyLeftPending`);
  });

  it("reports a check's failed copies and an invalid summary as that DB's failure", async () => {
    const copy = fakeStep(["bad-copy", "no-summary", "fine"], (dbId) =>
      dbId === "no-summary" ? { started: 1 } : { pending: dbId === "fine" ? 0 : 1 },
    );
    const check: TaskHandler = async () => ({ pending: 0, failed: 1 });
    const r = await runStateMachine(buildSweepStepDefinition({ ...copyOptions(2), sweep: SWEEP }), {
      handlers: { [COPY]: copy, [CHECK]: check },
      input: {},
    });
    expect(r.status).toBe("FAILED");
    expect(r.error).toBe("PartialFailureError");
    const message = causeMessage(r.cause);
    expect(message).toContain("(2 of 3 DBs) failed for 2 item(s)");
    expect(message).toContain("bad-copy (CopyItemsFailed:");
    expect(message).toContain("no-summary (InvalidSummary:");
  });

  it("fails the execution when the list step fails, before any DB runs", async () => {
    const take: TaskHandler = async () => {
      throw new ConfigError("take: bad list");
    };
    const r = await runStateMachine(buildSweepStepDefinition({ stepName: "Take", functionArn: TAKE, sweep: SWEEP }), {
      handlers: { [TAKE]: take },
      input: {},
    });
    expect(r.status).toBe("FAILED");
    expect(r.error).toBe("ConfigError");
    expect(r.states).toEqual(["IsTakeSweep", "ListTakeItems", "TakeFailed"]);
  });

  it("routes on exactly the documented scope fields", () => {
    const def = buildSweepStepDefinition({ stepName: "Take", functionArn: TAKE, sweep: SWEEP });
    const choice = def.States.IsTakeSweep as { Choices: { Or: { Variable: string }[] }[] };
    expect(choice.Choices[0]?.Or.map((c) => c.Variable)).toEqual(SCOPE_FIELDS.map((f) => `$.${f}`));
  });
});
