/**
 * runStateMachine records states entered, retries and the failure as the library dispatches them (EventRecorder in
 * sim/localStepFunctions.ts) instead of reading the library's event log. These tests run the same definition both
 * ways and compare: the reference is the library's own `execution.eventLogs`, read with the rules the harness used
 * before (kept here verbatim), on a definition with retries, a Map whose iterations retry, a Catch and a Fail state.
 */
import { StateMachine } from "aws-local-stepfunctions";
import { describe, expect, it } from "vitest";
import { type RetryRecord, runStateMachine } from "../../sim/localStepFunctions";

const ARN = (name: string) => `arn:aws:lambda:eu-west-1:111111111111:function:${name}`;
const invoke = (name: string) => ({
  Type: "Task",
  Resource: "arn:aws:states:::lambda:invoke",
  Parameters: { FunctionName: ARN(name), "Payload.$": "$" },
  ResultSelector: { "v.$": "$.Payload" },
});

const definition = {
  StartAt: "Flaky",
  States: {
    Flaky: {
      ...invoke("flaky"),
      ResultPath: "$.flaky",
      Retry: [{ ErrorEquals: ["Transient"], MaxAttempts: 3, IntervalSeconds: 2, BackoffRate: 3, MaxDelaySeconds: 5 }],
      Next: "Fan",
    },
    Fan: {
      Type: "Map",
      ItemsPath: "$.items",
      MaxConcurrency: 1,
      Iterator: {
        StartAt: "Item",
        States: {
          Item: { ...invoke("item"), Retry: [{ ErrorEquals: ["States.ALL"], MaxAttempts: 2 }], Next: "ItemDone" },
          ItemDone: { Type: "Pass", End: true },
        },
      },
      ResultPath: "$.mapped",
      Next: "Boom",
    },
    Boom: {
      ...invoke("boom"),
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.err", Next: "Failed" }],
      End: true,
    },
    Failed: { Type: "Fail", Error: "GaveUp", Cause: "boom failed" },
  },
};

/** Fresh handlers (keyed by function name) with deterministic failures: flaky fails twice, item 2 once, boom always. */
function behaviours(): Record<string, (payload: unknown) => unknown> {
  let flaky = 0;
  const itemFailures = new Map<number, number>();
  const fail = (name: string, message: string) => Object.assign(new Error(message), { name });
  return {
    flaky: () => {
      flaky++;
      if (flaky <= 2) throw fail("Transient", `attempt ${flaky}`);
      return { ok: true };
    },
    item: (payload) => {
      const n = payload as number;
      const seen = itemFailures.get(n) ?? 0;
      itemFailures.set(n, seen + 1);
      if (n === 2 && seen === 0) throw fail("Transient", "item 2 first try");
      return n * 10;
    },
    boom: () => {
      throw fail("Nope", "always");
    },
  };
}

/** The library run directly, its event log read as runStateMachine read it before the recorder. */
async function viaEventLog(input: unknown) {
  const b = behaviours();
  const local = (name: string) => async (i: unknown) => ({
    Payload: JSON.parse(JSON.stringify(b[name]!((i as { Payload: unknown }).Payload) ?? null)),
    StatusCode: 200,
  });
  const machine = new StateMachine(structuredClone(definition) as never);
  const execution = machine.run(input as never, {
    overrides: {
      taskResourceLocalHandlers: { Flaky: local("flaky"), Item: local("item"), Boom: local("boom") },
      retryIntervalOverrides: { Flaky: 0, Item: 0 },
    },
  });
  const states: string[] = [];
  const retries: RetryRecord[] = [];
  let failed: { Error?: unknown; Cause?: unknown } | undefined;
  const lastError = new Map<string, string>();
  const collecting = (async () => {
    for await (const e of execution.eventLogs) {
      if (e.type === "StateEntered") states.push(e.state.name);
      else if (e.type === "StateFailed") lastError.set(e.state.name, String(e.Error));
      else if (e.type === "StateRetried") {
        const r = e.retry.retrier;
        const base = (r.IntervalSeconds ?? 1) * (r.BackoffRate ?? 2) ** (e.retry.attempt - 1);
        retries.push({
          state: e.state.name,
          error: lastError.get(e.state.name) ?? "unknown",
          attempt: e.retry.attempt,
          delaySeconds: Math.min(base, r.MaxDelaySeconds ?? Number.POSITIVE_INFINITY),
        });
      } else if (e.type === "ExecutionFailed") failed = e;
    }
  })();
  await execution.result.catch(() => undefined);
  await collecting;
  return { states, retries, error: failed?.Error };
}

async function viaRecorder(input: unknown) {
  const b = behaviours();
  const handlers = Object.fromEntries(
    Object.entries(b).map(([name, fn]) => [ARN(name), async (p: unknown) => fn(p)] as const),
  );
  const r = await runStateMachine(definition, { handlers, input });
  return { r, seen: { states: r.states, retries: r.retries, error: r.error } };
}

describe("runStateMachine's event recorder", () => {
  it("records the same states, retries and failure as the library's event log", async () => {
    const input = { items: [1, 2, 3] };
    const reference = await viaEventLog(input);
    const { r, seen } = await viaRecorder(input);
    expect(seen).toEqual(reference);
    // The comparison is not vacuous: the run retried in the root and in a Map iteration, and failed by a Fail state.
    expect(r.status).toBe("FAILED");
    expect(r.error).toBe("GaveUp");
    expect(r.retries.map((x) => `${x.state}:${x.error}:${x.attempt}:${x.delaySeconds}`)).toEqual([
      "Flaky:Transient:1:2",
      "Flaky:Transient:2:5",
      "Item:Transient:1:1",
    ]);
    expect(r.states.filter((s) => s === "Item")).toHaveLength(3);
    expect(r.states.at(-1)).toBe("Failed");
  });

  it("records a succeeding run's states, and nothing of the previous run", async () => {
    const ok = { StartAt: "A", States: { A: { Type: "Pass", Next: "B" }, B: { Type: "Succeed" } } };
    const first = await runStateMachine(ok, { handlers: {} });
    const second = await runStateMachine(ok, { handlers: {} });
    expect(first.states).toEqual(["A", "B"]);
    expect(second.states).toEqual(["A", "B"]);
    expect(second.status).toBe("SUCCEEDED");
  });
});
