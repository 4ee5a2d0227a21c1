/**
 * The bundled simulator runs aws-local-stepfunctions patched (sim/bundle.ts `withLibraryPatches`: cloneJSON,
 * jsonPathQuery, processPayloadTemplate, testChoiceRule, the StateExecutor's handler table and input copy, the event
 * log's EventTarget). The patched library must run every definition the components ship exactly as the original does:
 * this runs each of them on both, over many generated Lambda answers (summaries with fields present, missing,
 * non-numeric, zero or large; errors the retriers and catchers match and errors they do not; sweep lists of 0-4
 * DBs), and compares the outcome, the event log (every state entered, exited, failed, retried and caught, with its
 * input and output, Map iterations included) and each Lambda call's state and payload, in order.
 */
import { readFileSync } from "node:fs";
import Module from "node:module";
import { dirname, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { buildRestoreDefinition } from "../../components/shared/restoreStateMachine";
import { buildStepDefinition, type StepMachineOptions } from "../../components/shared/stateMachines";
import { buildSweepStepDefinition, type SweepOptions } from "../../components/shared/sweepMachine";
import { copyCheckLoop } from "../../config";
import { reportSweep, SWEEP_LIST_INPUT } from "../../functions/lib/sweep";
import {
  FAST_JSON_PATH_QUERY,
  FAST_PAYLOAD_TEMPLATE,
  LIBRARY_JSON_PATH_QUERY,
  LIBRARY_PAYLOAD_TEMPLATE,
  withChoiceOperatorCache,
  withLibraryPatches,
} from "../../sim/bundle";
import { installFastJsonPath } from "../../sim/fastJsonPath";
import { polyfillPromiseWithResolvers } from "../../sim/polyfills";
import { makeRandom } from "../../sim/random";

const FILE = resolve(__dirname, "../../node_modules/aws-local-stepfunctions/build/main.node.cjs");

interface Execution {
  result: Promise<unknown>;
  eventLogs: AsyncGenerator<Record<string, unknown>>;
}
type Library = {
  StateMachine: new (definition: unknown, options?: unknown) => { run(input: unknown, options?: unknown): Execution };
};

/** Compiles `text` as the module at {@link FILE} (its requires resolve from there) and returns its exports. */
function load(text: string): Library {
  const m = new Module(FILE) as Module & { _compile(code: string, file: string): void; paths: string[] };
  m.filename = FILE;
  m.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(dirname(FILE));
  m._compile(text, FILE);
  return m.exports as Library;
}

const arn = (name: string) => `arn:aws:lambda:eu-west-1:123456789012:function:rpl-${name}`;
const copyCheck = {
  functionArn: arn("check"),
  ...copyCheckLoop({ expectedCopyMinutes: 60, copyCheckMaxWaitMinutes: 15 }),
};
const step = (stepName: string, extra: Partial<StepMachineOptions> = {}): StepMachineOptions => ({
  stepName,
  functionArn: arn(stepName.toLowerCase()),
  ...extra,
});
const PACED: SweepOptions = {
  mode: "DISTRIBUTED",
  maxConcurrency: 2,
  pauseSeconds: 3,
  batch: { size: 2, maxConcurrency: 3, pauseSeconds: 25 },
};

/** Every kind of definition the components and the simulator build. */
const DEFINITIONS: [string, object][] = [
  ["take", buildStepDefinition(step("Take"))],
  ["copy with check loop", buildStepDefinition(step("Copy", { check: copyCheck }))],
  ["expire, 3 runs, no retries", buildStepDefinition(step("Expire", { maxRuns: 3, retry: { maxAttempts: 0 } }))],
  ["take sweep, batched", buildSweepStepDefinition({ ...step("Take"), sweep: PACED, batched: true })],
  ["share sweep, inline", buildSweepStepDefinition({ ...step("Share"), sweep: { mode: "INLINE", maxConcurrency: 2 } })],
  [
    "copy sweep with check loop, per-item pauses",
    buildSweepStepDefinition({
      ...step("Copy", { check: copyCheck }),
      sweep: { ...PACED, items: { maxRequests: 4, secondsPerRequest: 2 } },
    }),
  ],
  ["restore", buildRestoreDefinition({ functionArn: arn("restore"), rtoMinutes: 30, waitSeconds: 60 })],
  [
    "restore with drill validation",
    buildRestoreDefinition({
      functionArn: arn("restore"),
      rtoMinutes: 20,
      validationFunctionArn: arn("validate"),
      validationTimeoutSeconds: 120,
    }),
  ],
];

interface AnyState {
  Type?: string;
  Resource?: string;
  Variable?: string;
  States?: Record<string, AnyState>;
  [key: string]: unknown;
}

/**
 * Names of the Task and Wait states of `definition` (Map iterations' included), every path it reads (Choice
 * `Variable`s, `.$` fields, `...Path` fields) as segments, and the strings its Choices compare with.
 */
function surveyOf(definition: object): {
  tasks: Set<string>;
  waits: Set<string>;
  paths: string[][];
  strings: string[];
} {
  const tasks = new Set<string>();
  const waits = new Set<string>();
  const paths = new Map<string, string[]>();
  const strings = new Set<string>(["not a number"]);
  const visit = (v: unknown, name?: string) => {
    if (!v || typeof v !== "object") return;
    const s = v as AnyState;
    if (name && s.Type === "Task") tasks.add(name);
    if (name && s.Type === "Wait") waits.add(name);
    for (const [k, child] of Object.entries(s)) {
      if (
        typeof child === "string" &&
        /^\$\.[A-Za-z]/.test(child) &&
        (k === "Variable" || k.endsWith("Path") || k.endsWith(".$"))
      )
        paths.set(child, child.slice(2).split("."));
      if (typeof child === "string" && k.startsWith("String") && !k.endsWith("Path")) strings.add(child);
      visit(child, k);
    }
  };
  visit(definition);
  return { tasks, waits, paths: [...paths.values()], strings: [...strings] };
}

const ERRORS = ["TransientAwsError", "SnapshotNotFoundError", "ConfigError", "Lambda.ServiceException", "Boom"];

/** A generated value: missing (undefined), a string the Choices compare with, a boolean, null or a number. */
function value(strings: string[], next: () => number): unknown {
  const x = next();
  if (x < 0.12) return undefined;
  if (x < 0.22) return strings[Math.floor(next() * strings.length)];
  if (x < 0.32) return next() < 0.5;
  if (x < 0.36) return null;
  if (x < 0.8) return next() < 0.5 ? 0 : 1 + Math.floor(next() * 3);
  return Math.floor(next() * 20_000);
}

/**
 * A Lambda answer for `payload`: a sweep list, a sweep report, or an object with a generated value at every path the
 * definition reads (nested, `$.a.b` as `{ a: { b } }`) and at each path's last segment alone (`{ b }`, what a
 * `ResultSelector` puts under its own field), mostly on top of the state it was given.
 */
function answer(payload: unknown, survey: ReturnType<typeof surveyOf>, next: () => number): unknown {
  if (next() < 0.08) {
    const e = new Error(`generated failure ${Math.floor(next() * 1000)}`);
    e.name = ERRORS[Math.floor(next() * ERRORS.length)] as string;
    throw e;
  }
  if (JSON.stringify(payload) === JSON.stringify(SWEEP_LIST_INPUT)) {
    const n = Math.floor(next() * 5);
    return { items: Array.from({ length: n }, (_, i) => ({ dbId: `db${i}`, pauseSeconds: Math.floor(next() * 4) })) };
  }
  if ((payload as { sweep?: string })?.sweep === "report") return reportSweep("step", payload);
  // A restore step answers with the state it was given, updated (functions/restore).
  const given = (payload as { state?: unknown; input?: unknown })?.state ?? (payload as { input?: unknown })?.input;
  const out: Record<string, unknown> =
    given && typeof given === "object" && next() < 0.7 ? { ...(given as Record<string, unknown>) } : {};
  for (const path of survey.paths) {
    const v = value(survey.strings, next);
    if (v === undefined) continue;
    const leaf = path[path.length - 1] as string;
    if (next() < 0.5) out[leaf] = v;
    let at = out;
    for (const seg of path.slice(0, -1)) {
      let child = at[seg];
      if (!child || typeof child !== "object") {
        child = {};
        at[seg] = child;
      }
      at = child as Record<string, unknown>;
    }
    at[leaf] = v;
  }
  out.note = { nested: [1, { deep: "x" }], at: "2026-01-05T00:00:00Z" };
  return out;
}

interface Run {
  outcome: unknown;
  events: unknown[];
  calls: unknown[];
}

/** Runs `definition` on `lib` with generated Lambda answers (seed `seed`), all Waits and retry intervals 0 ms. */
async function runOn(lib: Library, definition: object, seed: number): Promise<Run> {
  const survey = surveyOf(definition);
  const { tasks, waits } = survey;
  const next = makeRandom(seed, "library-patches").next;
  const calls: unknown[] = [];
  const taskResourceLocalHandlers: Record<string, (input: unknown) => Promise<unknown>> = {};
  for (const name of tasks) {
    taskResourceLocalHandlers[name] = async (input: unknown) => {
      const invoke = input as { FunctionName?: string; Payload?: unknown };
      calls.push({ state: name, input: structuredClone(input) });
      const payload = invoke.FunctionName ? (invoke.Payload ?? null) : input;
      const out = answer(structuredClone(payload), survey, next);
      return invoke.FunctionName ? { ExecutedVersion: "$LATEST", Payload: out, StatusCode: 200 } : out;
    };
  }
  const zero = (names: Set<string>) => Object.fromEntries([...names].map((n) => [n, 0]));
  const machine = new lib.StateMachine(structuredClone(definition), { validationOptions: { noValidate: true } });
  const input = next() < 0.5 ? {} : { dbId: "db0", detail: { source: "test" } };
  const execution = machine.run(input, {
    overrides: {
      taskResourceLocalHandlers,
      waitTimeOverrides: zero(waits),
      retryIntervalOverrides: zero(tasks),
    },
  });
  const events: unknown[] = [];
  const drained = (async () => {
    for await (const e of execution.eventLogs) {
      const { timestamp: _at, ...rest } = e;
      events.push(JSON.parse(JSON.stringify(rest)));
    }
  })();
  let outcome: unknown;
  try {
    outcome = { output: await execution.result };
  } catch (err) {
    const e = err as Error & { cause?: Error };
    outcome = { error: e.name, message: e.message, cause: e.cause?.name, causeMessage: e.cause?.message };
  }
  await drained;
  return { outcome, events, calls };
}

/**
 * Generated runs per definition: enough for every definition to reach both outcomes (the copy machine's check loop
 * reads five summary fields per poll since branch copyloop, so its generated runs end more often in a failure).
 */
const RUNS = 80;

describe("aws-local-stepfunctions as the bundle patches it", () => {
  polyfillPromiseWithResolvers();
  installFastJsonPath();
  const source = readFileSync(FILE, "utf8");
  const original = load(source);
  const patched = load(withLibraryPatches(source));

  it.each(DEFINITIONS)(`runs %s as the original does, over ${RUNS} generated runs`, async (_name, definition) => {
    let failed = 0;
    let states = 0;
    for (let seed = 1; seed <= RUNS; seed++) {
      const expected = await runOn(original, definition, seed);
      const got = await runOn(patched, definition, seed);
      expect(got, `seed ${seed}`).toEqual(expected);
      // Same JSON text too: key order and "__proto__" keys are not compared by toEqual.
      expect(JSON.stringify(got), `seed ${seed}`).toBe(JSON.stringify(expected));
      if ((expected.outcome as { error?: string }).error) failed++;
      states += expected.events.filter((e) => (e as { type: string }).type === "StateEntered").length;
    }
    // The generated answers drive both outcomes and more than a handful of states.
    expect(failed).toBeGreaterThan(0);
    expect(failed).toBeLessThan(RUNS);
    expect(states).toBeGreaterThan(RUNS * 3);
  });

  it("resolves payload templates and JSONPath queries as the original, edge cases included", async () => {
    const definition = {
      StartAt: "Shape",
      States: {
        Shape: {
          Type: "Pass",
          Parameters: {
            "plain.$": "$.a",
            "a.$b.$": "$.b",
            nested: { "x.$": "$.a.c[1]", list: [{ "y.$": "$$.Execution.Input.b" }, 3, [{ "z.$": "$.b" }]] },
            "sum.$": "States.MathAdd($.n, 2)",
            dup: "first",
            "dup.$": "$.b",
            "10": "ten",
            "2.$": "$.n",
          },
          Next: "Proto",
        },
        Proto: {
          Type: "Pass",
          Parameters: JSON.parse('{"__proto__.$":"$.nested","keep.$":"$.plain"}'),
          ResultPath: "$.result",
          Next: "Missing",
        },
        Missing: {
          Type: "Pass",
          Parameters: { "gone.$": "$.nowhere.at.all" },
          End: true,
        },
      },
    };
    const input = { a: { c: [0, { deep: true }] }, b: "bee", n: 5 };
    const run = async (lib: Library) => {
      const execution = new lib.StateMachine(structuredClone(definition), {
        validationOptions: { noValidate: true },
      }).run(structuredClone(input));
      const events: unknown[] = [];
      for await (const e of execution.eventLogs) {
        const { timestamp: _at, ...rest } = e;
        events.push(rest);
      }
      const outcome = await execution.result.then(
        (output) => ({ output }),
        (err: Error & { cause?: Error }) => ({ error: err.cause?.name, message: err.cause?.message }),
      );
      return { outcome, events };
    };
    const expected = await run(original);
    const got = await run(patched);
    expect(got).toEqual(expected);
    expect(JSON.stringify(got)).toBe(JSON.stringify(expected));
    // The run did reach the undefined path, after the "__proto__" key was written as a field of the result.
    expect((expected.outcome as { error?: string }).error).toBe("States.Runtime");
    const proto = expected.events.find((e) => (e as { type: string; state?: { name: string } }).type === "StateExited");
    expect(JSON.stringify(proto)).toContain('"dup":"bee"');
  });

  it("fails loudly when the library's text is not the expected one", () => {
    expect(() => withLibraryPatches(source.replace(LIBRARY_JSON_PATH_QUERY, FAST_JSON_PATH_QUERY))).toThrow(
      /jsonPathQuery/,
    );
    expect(() => withLibraryPatches(source.replace(LIBRARY_PAYLOAD_TEMPLATE, FAST_PAYLOAD_TEMPLATE))).toThrow(
      /processPayloadTemplate/,
    );
    expect(() =>
      withChoiceOperatorCache(source.replace('if ("IsNull" in choiceRule)', "if (choiceRule.IsNull)")),
    ).toThrow(/testChoiceRule/);
    expect(() => withLibraryPatches(source.replace("this.eventTarget = new EventTarget();", ""))).toThrow(
      /EventLogger/,
    );
  });
});
