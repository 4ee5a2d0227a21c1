/**
 * The check loop with merged states (components/shared/stateMachines.ts: one Choice per poll for a summary with every
 * field a number, the single-field Choices otherwise) behaves exactly as the loop it replaced
 * (tests/helpers/stepMachineAt7a21015, verbatim): same Lambda invocations in the same order, same waits, same
 * outcome and error, and the same summary, checks, waitedSeconds and leftPending in the output, over random scripted
 * summaries (fields left out, strings, boundary values), bounds and step errors; on both executors.
 */
import { describe, expect, it } from "vitest";
import { buildStepDefinition, type StepMachineOptions } from "../../components/shared/stateMachines";
import { ConfigError } from "../../functions/lib/errors";
import { type Executor, runStateMachine, type TaskHandler } from "../../sim/localStepFunctions";
import { buildStepDefinition as buildBefore } from "../helpers/stepMachineAt7a21015/stateMachines";

const arn = (name: string) => `arn:aws:lambda:eu-west-1:123456789012:function:rpl-${name}`;
const COPY = arn("copy");
const CHECK = arn("check");

/** mulberry32: a small seeded generator, so every case can be rerun from its seed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;

/** A summary field: mostly a number from `values`, sometimes left out, a string or null. */
function value(r: () => number, values: readonly number[], complete: boolean): unknown {
  const x = r();
  if (complete || x < 0.8) return pick(r, values);
  if (x < 0.93) return undefined;
  return x < 0.97 ? "1" : null;
}

/** One scripted summary; `complete` ones carry every field the loop reads as a number (what the handlers return). */
function summary(r: () => number, step: boolean): Record<string, unknown> {
  const complete = r() < 0.6;
  const s: Record<string, unknown> = {
    pending: complete || r() < 0.95 ? pick(r, [0, 0, 1, 1, 1, 2]) : pick(r, [undefined, "2", null]),
    failed: value(r, [0, 0, 0, 0, 0, 0, 0, 0, 0, 1], complete),
    ready: value(r, [0, 0, 0, 1], complete),
    waiting: value(r, [0, 0, 1], complete),
    nextCheckSeconds: value(r, [0, 1, 599, 600, 601, 900, 1799, 1800, 1801, 5000], complete),
  };
  if (step) s.leftPending = value(r, [0, 0, 0, 0, 1], false);
  for (const k of Object.keys(s)) if (s[k] === undefined) delete s[k];
  return s;
}

interface Case {
  readonly options: StepMachineOptions;
  readonly copy: readonly (Record<string, unknown> | Error)[];
  readonly check: readonly (Record<string, unknown> | Error)[];
}

function randomCase(seed: number): Case {
  const r = rng(seed);
  const maxChecks = 1 + Math.floor(r() * 6);
  const maxWaitSeconds = pick(r, [600, 1800]);
  const budgetSeconds = pick(r, [600, 1200, 2400, 600 * maxChecks]);
  const outcome = (step: boolean) => (r() < 0.03 ? new ConfigError("bad") : summary(r, step));
  return {
    options: {
      stepName: "Copy",
      functionArn: COPY,
      maxRuns: 1 + Math.floor(r() * 3),
      check: { functionArn: CHECK, waitSeconds: 600, maxChecks, maxWaitSeconds, budgetSeconds },
      // No retries: a thrown error goes straight to the Catch (retries are the same Task states in both).
      retry: { maxAttempts: 0 },
    },
    copy: Array.from({ length: 12 }, () => outcome(true)),
    check: Array.from({ length: 12 }, () => outcome(false)),
  };
}

/** Fake Lambdas returning the scripted outcomes in order (the last one repeated). */
function handlers(c: Case): Record<string, TaskHandler> {
  const at = (list: Case["copy"]) => {
    let i = 0;
    return async () => {
      const next = list[Math.min(i++, list.length - 1)];
      if (next instanceof Error) throw next;
      return next;
    };
  };
  return { [COPY]: at(c.copy), [CHECK]: at(c.check) };
}

async function outcome(definition: object, c: Case, executor: Executor) {
  const r = await runStateMachine(definition, { handlers: handlers(c), input: { dbId: "orders" }, executor });
  const out = (r.output ?? {}) as Record<string, unknown>;
  return {
    states: r.states,
    status: r.status,
    error: r.error,
    cause: r.cause,
    calls: r.taskCalls.map((t) => t.state),
    waits: r.waits,
    output: {
      summary: out.summary,
      checks: out.checks,
      waitedSeconds: out.waitedSeconds,
      leftPending: out.leftPending,
    },
  };
}

describe("check loop: merged states = the loop before (7a21015)", () => {
  it("same invocations, waits, outcome and output over 2,000 random scripts (fast executor)", async () => {
    const seen = { loop: 0, oneChoice: 0, singleField: 0, failed: 0, leftPending: 0 };
    for (let seed = 1; seed <= 2000; seed++) {
      const c = randomCase(seed);
      const { states: _before, ...before } = await outcome(buildBefore(c.options), c, "fast");
      const { states, ...after } = await outcome(buildStepDefinition(c.options), c, "fast");
      expect({ seed, ...after }).toEqual({ seed, ...before });
      if (after.calls.length > 1) seen.loop++;
      if (states.some((s) => s.startsWith("Wait") && !s.startsWith("WaitFor") && !s.startsWith("WaitTo"))) {
        if (states.some((s) => s.startsWith("Read"))) seen.singleField++;
        else seen.oneChoice++;
      }
      if (after.status === "FAILED") seen.failed++;
      if (after.output.leftPending) seen.leftPending++;
    }
    // The scripts reach every path often enough for the comparison to mean something.
    expect(seen.loop).toBeGreaterThan(1000);
    expect(seen.oneChoice).toBeGreaterThan(300);
    expect(seen.singleField).toBeGreaterThan(300);
    expect(seen.failed).toBeGreaterThan(100);
    expect(seen.leftPending).toBeGreaterThan(100);
  }, 120_000);

  it("same on the reference executor (aws-local-stepfunctions), 150 scripts", async () => {
    for (let seed = 5001; seed <= 5150; seed++) {
      const c = randomCase(seed);
      const { states: _before, ...before } = await outcome(buildBefore(c.options), c, "reference");
      const { states: _after, ...after } = await outcome(buildStepDefinition(c.options), c, "reference");
      expect({ seed, ...after }).toEqual({ seed, ...before });
    }
  }, 120_000);

  it("takes the one-Choice path per poll for complete summaries: 4 states per check instead of 9", async () => {
    const options: StepMachineOptions = {
      stepName: "Copy",
      functionArn: COPY,
      check: { functionArn: CHECK, waitSeconds: 600, maxChecks: 10, maxWaitSeconds: 1800 },
    };
    const full = { failed: 0, ready: 0, waiting: 0, nextCheckSeconds: 900 };
    const c: Case = {
      options,
      copy: [{ ...full, pending: 1, leftPending: 0 }],
      check: [
        { ...full, pending: 1 },
        { ...full, pending: 0 },
      ],
    };
    const r = await runStateMachine(buildStepDefinition(options), { handlers: handlers(c), executor: "fast" });
    expect(r.states).toEqual([
      "Copy",
      "HasCopyLeftWork",
      "IsCopyPending",
      "WaitAsEstimatedForCopy",
      "WaitForCopy",
      "CheckCopy",
      "HasCopyFailures",
      "WaitAsEstimatedForCopy",
      "WaitForCopy",
      "CheckCopy",
      "HasCopyFailures",
      "CopySucceeded",
    ]);
    const before = await runStateMachine(buildBefore(options), { handlers: handlers(c), executor: "fast" });
    expect(before.states).toHaveLength(22);
    expect(r.output).toEqual({ summary: { ...full, pending: 0 }, checks: 2, waitedSeconds: 1800 });
  });
});
