/**
 * Step machines whose sweeps fan out per DB on a Step Functions Map state (issue 10 item 2; docs/steps.md "Sweeps
 * fan out per DB").
 *
 *   Is<Step>Sweep (Choice)
 *     input has dbId, snapshotId, snapshotArn, detail (an EventBridge event) or dryRun
 *         -> <Step> ... : the scoped machine of buildStepDefinition, unchanged (event-started runs, CLI runs)
 *     otherwise (a schedule's `{}`)
 *         -> List<Step>Items (Task: the step Lambda with { "sweep": "list" }; one listing pass, the step's own
 *            planner, returns { items: [...] } for the DBs with work; functions/lib/sweep.ts)
 *         -> <Step>EachDb (Map: one iteration per item, MaxConcurrency from the API budget, config/apiBudget.ts)
 *              iteration = the same scoped machine run on the item (share, copy, expire: `{ dbId, dbKind, dbIds,
 *              pauseSeconds }`, several DBs whose snapshots fill about one page; take: a batch of creates): step
 *              Task, resume loop, check loop; its Fail states become Pass states that return { dbId, error, caught },
 *              so one item's failure never stops the others
 *         -> Report<Step>Sweep (Task: the step Lambda with { "sweep": "report", results }: throws PartialFailureError
 *            naming every failed DB, after all of them ran -> <Step>Failed; else -> <Step>Succeeded)
 *
 * The report is a Lambda call, not JSONPath: counting the failed iterations needs a filter expression, and a filter
 * that matches nothing is a States.Runtime error (aws-local-stepfunctions raises it; AWS documents no empty-array
 * result for it), so a sweep with no failure would fail.
 *
 * Inside an iteration `$$.Execution.Input` is the parent execution's input in Inline mode (the sweep's `{}`), so the
 * iteration carries its scope in its state data instead: every state of the scoped machine that sends the execution
 * input or rebuilds the state data is rewritten here to send and keep `$.scope`. The rewrite is mechanical and
 * checked by tests/statemachines/sweepMachine.test.ts (every Task of an iteration sends the item's scope).
 *
 * Processing mode: `DISTRIBUTED` runs each iteration as a child execution with its own history (Standard, because the
 * copy check loop waits longer than an Express execution may run) and needs states:StartExecution on the machine
 * itself (components/shared/iam.ts `distributedMapPolicy`); `INLINE` keeps every iteration in the parent's history,
 * which is limited to 25,000 events and 40 concurrent iterations
 * (https://docs.aws.amazon.com/step-functions/latest/dg/state-map-inline.html). The definition uses no
 * Distributed-only field (ItemReader, ItemBatcher, ResultWriter, ToleratedFailure*), so both modes behave alike, and
 * aws-local-stepfunctions (which ignores ProcessorConfig and runs every Map inline) runs exactly this definition in
 * the tests and the simulator.
 *
 * Pacing (issue 10): each iteration ends with a Wait of `pauseSeconds` (config/apiBudget.ts sweepPacing), so the
 * sweep's requests stay within its share of the account's RDS token bucket, burst and refill. A batched sweep (the
 * Taker's, `batched: true`) asks its list step for items of up to `batch.size` DBs (`{"sweep":"list","batchSize"}`):
 * the list step plans the whole sweep once and each item only creates. Share, copy and expire sweeps (`sweep.items`)
 * send their item pacing instead (`{"sweep":"list","pacing"}`): the list step packs DBs into items within the
 * allowance and gives each its own `pauseSeconds`, which the iteration's Wait reads (SecondsPath). Batching is done
 * by the list step rather than a Distributed Map ItemBatcher so inline and distributed modes run the same items.
 *
 * No Pulumi imports here (same reason as stateMachines.ts).
 */
import { MAX_SWEEP_PAUSE_SECONDS } from "../../config/apiBudget";
import { ConfigError } from "../../functions/lib/errors";
import { SWEEP_LIST_INPUT, SWEEP_REPORT } from "../../functions/lib/sweep";
import {
  type AslDefinition,
  buildStepDefinition,
  catchAllTo,
  LAMBDA_INVOKE,
  resolveRetry,
  retryFor,
  type StepMachineOptions,
  stepStateNames,
} from "./stateMachines";

/** Map processing modes (ASL `ItemProcessor.ProcessorConfig.Mode`). */
export type SweepMapMode = "INLINE" | "DISTRIBUTED";

/** How a sweep fans out. */
export interface SweepOptions {
  /** Iterations running at once (ASL `MaxConcurrency`); config/apiBudget.ts derives it from the RDS API budget. */
  readonly maxConcurrency: number;
  readonly mode: SweepMapMode;
  /** Seconds each iteration waits after its work (a Wait state), pacing the sweep within the budget; 0 or absent: none. */
  readonly pauseSeconds?: number;
  /**
   * A batched sweep's pacing (the Taker's: the list step puts `size` DBs' creates in one item): used instead of
   * `maxConcurrency` / `pauseSeconds` when the machine is built with `batched: true`.
   */
  readonly batch?: { readonly size: number; readonly maxConcurrency: number; readonly pauseSeconds: number };
  /**
   * Per-item pacing of a share, copy or expire sweep whose items carry several DBs (functions/lib/sweep.ts
   * packSweepItems): sent to the list step, which packs each item within `maxRequests` and gives it its own pause
   * (`secondsPerRequest` × its estimated requests; the iteration's Wait reads it with SecondsPath). Used instead of
   * `pauseSeconds` when the machine is not `batched`; absent: one DB per item at `pauseSeconds`, as before.
   */
  readonly items?: { readonly maxRequests: number; readonly secondsPerRequest: number };
}

/** Upper bound of MaxConcurrency per mode: 40 concurrent iterations inline, 10,000 child executions distributed. */
export const MAX_CONCURRENCY_LIMIT: Readonly<Record<SweepMapMode, number>> = { INLINE: 40, DISTRIBUTED: 10_000 };

/**
 * Input fields that make a run scoped (one Lambda run, as before the fan-out): the scopes the step handlers accept
 * (`dbId`, `snapshotId`, `snapshotArn`), any EventBridge event (`detail`), and the Janitor's `dryRun` (its plan is
 * the output, so it stays one run).
 */
export const SCOPE_FIELDS = ["dbId", "snapshotId", "snapshotArn", "detail", "dryRun"] as const;

/** Names of the states a sweep adds, derived from the step name. */
export function sweepStateNames(stepName: string) {
  return {
    isSweep: `Is${stepName}Sweep`,
    list: `List${stepName}Items`,
    map: `${stepName}EachDb`,
    report: `Report${stepName}Sweep`,
    itemDone: `${stepName}ItemDone`,
    itemPause: `${stepName}ItemPause`,
    succeeded: `${stepName}SweepSucceeded`,
  } as const;
}

/**
 * The step machine of {@link buildStepDefinition} with sweeps fanned out per DB (see the module comment). Scoped
 * inputs run the unchanged scoped machine. Throws a ConfigError naming the option when an option is invalid.
 */
export function buildSweepStepDefinition(
  o: StepMachineOptions & { sweep: SweepOptions; batched?: boolean },
): AslDefinition {
  const scoped = buildStepDefinition(o);
  const { mode } = o.sweep;
  // A batched sweep without `batch` (a component's own args) runs one DB per item at the per-DB pacing.
  const batch = o.batched
    ? (o.sweep.batch ?? { size: 1, maxConcurrency: o.sweep.maxConcurrency, pauseSeconds: o.sweep.pauseSeconds ?? 0 })
    : undefined;
  const maxConcurrency = batch ? batch.maxConcurrency : o.sweep.maxConcurrency;
  const pauseSeconds = batch ? batch.pauseSeconds : (o.sweep.pauseSeconds ?? 0);
  // Multi-DB items, each with its own pause (share, copy, expire).
  const perItem = batch ? undefined : o.sweep.items;
  if (
    perItem &&
    (!Number.isInteger(perItem.maxRequests) ||
      perItem.maxRequests < 1 ||
      !Number.isFinite(perItem.secondsPerRequest) ||
      perItem.secondsPerRequest < 0)
  ) {
    throw new ConfigError(
      `sweep.items must have a whole maxRequests of at least 1 and a secondsPerRequest of at least 0 (got ${JSON.stringify(perItem)})`,
    );
  }
  if (!Number.isInteger(pauseSeconds) || pauseSeconds < 0 || pauseSeconds > MAX_PAUSE_SECONDS) {
    throw new ConfigError(
      `sweep${batch ? ".batch" : ""}.pauseSeconds must be a whole number from 0 to ${MAX_PAUSE_SECONDS} (got ${JSON.stringify(pauseSeconds)})`,
    );
  }
  if (batch && (!Number.isInteger(batch.size) || batch.size < 1)) {
    throw new ConfigError(`sweep.batch.size must be a whole number of at least 1 (got ${JSON.stringify(batch.size)})`);
  }
  if (mode !== "INLINE" && mode !== "DISTRIBUTED") {
    throw new ConfigError(`sweep.mode must be "INLINE" or "DISTRIBUTED" (got ${JSON.stringify(mode)})`);
  }
  const limit = MAX_CONCURRENCY_LIMIT[mode];
  if (!Number.isInteger(maxConcurrency) || maxConcurrency < 1 || maxConcurrency > limit) {
    throw new ConfigError(
      `sweep.maxConcurrency must be a whole number from 1 to ${limit} in ${mode} mode (got ${JSON.stringify(maxConcurrency)})`,
    );
  }
  const step = o.stepName;
  const n = stepStateNames(step);
  const s = sweepStateNames(step);
  const retry = resolveRetry(o.retry);

  // With a check loop the scoped machine's <Step>Succeeded is a Pass shaping the loop's output: the sweep ends in a
  // Succeed state of its own.
  const sweepDone = (scoped.States[n.succeeded] as AnyState).Type === "Succeed" ? n.succeeded : s.succeeded;
  const states: Record<string, unknown> = {
    [s.isSweep]: {
      Type: "Choice",
      Comment: `A scoped input (${SCOPE_FIELDS.join(", ")}) runs ${step} once; anything else (a schedule) fans out per DB.`,
      Choices: [{ Or: SCOPE_FIELDS.map((f) => ({ Variable: `$.${f}`, IsPresent: true })), Next: n.task }],
      Default: s.list,
    },
    ...scoped.States,
    [s.list]: {
      Type: "Task",
      Comment: `Runs the ${step} Lambda in list mode: one listing pass and the planner; returns one item per DB with work.`,
      Resource: LAMBDA_INVOKE,
      Parameters: {
        FunctionName: o.functionArn,
        Payload: {
          ...SWEEP_LIST_INPUT,
          ...(batch ? { batchSize: batch.size } : {}),
          ...(perItem
            ? { pacing: { maxRequests: perItem.maxRequests, secondsPerRequest: perItem.secondsPerRequest } }
            : {}),
        },
      },
      ResultSelector: { "items.$": "$.Payload.items" },
      ...(retry.maxAttempts > 0 ? { Retry: retryFor(retry) } : {}),
      Catch: catchAllTo(n.failed),
      Next: s.map,
    },
    [s.map]: {
      Type: "Map",
      Comment: `Runs ${step} once per ${batch ? `batch of up to ${batch.size} DBs` : perItem ? "item of DBs whose snapshots fill about one page" : "DB"}, at most ${maxConcurrency} at a time${perItem ? `, each followed by a pause of ${perItem.secondsPerRequest} s per request it makes (API budget)` : pauseSeconds > 0 ? `, each followed by a ${pauseSeconds} s pause (API budget)` : ""}; a failed item is recorded, the others go on.`,
      ItemsPath: "$.items",
      ItemSelector: { "scope.$": "$$.Map.Item.Value" },
      MaxConcurrency: maxConcurrency,
      ItemProcessor: {
        ProcessorConfig:
          mode === "DISTRIBUTED" ? { Mode: "DISTRIBUTED", ExecutionType: "STANDARD" } : { Mode: "INLINE" },
        StartAt: `${ITEM_PREFIX}${n.task}`,
        States: itemStates(scoped, step, pauseSeconds, perItem !== undefined),
      },
      // The output is one { dbId } or { dbId, error, caught } per item (plus dbIds and pauseSeconds for multi-DB items).
      Next: s.report,
    },
    [s.report]: {
      Type: "Task",
      Comment: `Runs the ${step} Lambda in report mode: fails with PartialFailureError naming every failed DB, else returns { dbs, failed: 0 }.`,
      Resource: LAMBDA_INVOKE,
      Parameters: { FunctionName: o.functionArn, Payload: { sweep: SWEEP_REPORT, "results.$": "$" } },
      ResultSelector: { "summary.$": "$.Payload" },
      ...(retry.maxAttempts > 0 ? { Retry: retryFor(retry) } : {}),
      Catch: catchAllTo(n.failed),
      Next: sweepDone,
    },
  };
  if (sweepDone !== n.succeeded) {
    states[sweepDone] = { Type: "Succeed", Comment: `Every item ran; output is { summary } of Report${step}Sweep.` };
  }
  return {
    Comment: `${scoped.Comment} Sweeps fan out per DB (${mode} Map, at most ${maxConcurrency} at a time).`,
    StartAt: s.isSweep,
    States: states,
  };
}

type AnyState = Record<string, unknown> & { Type: string };

/** Longest pause after an item (one hour, config/apiBudget.ts): a longer one means a budget too small for any sweep. */
export const MAX_PAUSE_SECONDS = MAX_SWEEP_PAUSE_SECONDS;

/** Prefix of the iteration's state names: state names must be unique across a machine, nested ones included. */
export const ITEM_PREFIX = "Db";

/**
 * The scoped machine's states rewritten to run as one Map iteration on `{ scope: { dbId } }` and renamed with
 * {@link ITEM_PREFIX}: Tasks send `$.scope`, the first Task and every Pass keep `scope` in the state data, Catchers
 * keep it too (`ResultPath`), and Fail / Succeed states become Pass states returning `{ dbId, error, caught }` /
 * `{ dbId }`. With `perItem` (multi-DB items) both also return the item's `dbIds` and `pauseSeconds`, and the
 * iteration ends with a Wait of the item's own `pauseSeconds` (SecondsPath).
 */
function itemStates(
  scoped: AslDefinition,
  step: string,
  pauseSeconds: number,
  perItem: boolean,
): Record<string, unknown> {
  const n = stepStateNames(step);
  const s = sweepStateNames(step);
  const rename = (name: string) => `${ITEM_PREFIX}${name}`;
  const done = rename(s.itemDone);
  const pause = rename(s.itemPause);
  // Where an item's result goes: straight out, or through the pause that paces the sweep within the API budget.
  const end = perItem || pauseSeconds > 0 ? { Next: pause } : { End: true };
  const itemFields = perItem ? { "dbIds.$": "$.scope.dbIds", "pauseSeconds.$": "$.scope.pauseSeconds" } : {};
  const out: Record<string, unknown> = {};
  for (const [name, raw] of Object.entries(scoped.States)) {
    const st = structuredClone(raw) as AnyState;
    if (typeof st.Next === "string") st.Next = rename(st.Next);
    if (typeof st.Default === "string") st.Default = rename(st.Default);
    if (Array.isArray(st.Choices)) {
      st.Choices = (st.Choices as Record<string, unknown>[]).map((c) => ({ ...c, Next: rename(String(c.Next)) }));
    }
    if (st.Type === "Task") {
      const params = st.Parameters as Record<string, unknown>;
      params["Payload.$"] = "$.scope";
      if (st.Catch) {
        st.Catch = (st.Catch as Record<string, unknown>[]).map((c) => ({
          ...c,
          ResultPath: "$.caught",
          Next: rename(String(c.Next)),
        }));
      }
      if (st.ResultPath === undefined) {
        // The first Task replaces the state data with its selector ({ summary, runs }, or with a check loop
        // { latest: { summary }, checks, waitedSeconds, runs }): keep the result aside instead and rebuild the data,
        // scope included, in a Pass.
        const selector = st.ResultSelector as Record<string, unknown>;
        const start = rename(`Start${name}`);
        out[start] = {
          Type: "Pass",
          Comment: "Keeps the item's scope next to the first summary.",
          Parameters: { ...fromFirstSummary(selector), "scope.$": "$.scope" },
          Next: st.Next,
        };
        st.ResultSelector = { "summary.$": "$.Payload" };
        st.ResultPath = "$.first";
        st.Next = start;
      }
    } else if (st.Type === "Pass" && st.Parameters) {
      (st.Parameters as Record<string, unknown>)["scope.$"] = "$.scope";
      // The check loop's <Step>Succeeded is a terminal Pass (it shapes the output): the iteration goes on instead.
      if (st.End === true) {
        delete st.End;
        st.Next = done;
      }
    } else if (st.Type === "Fail") {
      // What was caught ({ Error, Cause }) goes to the report, which names the failed DBs of a multi-DB item from it.
      const error =
        name === n.failed
          ? { "error.$": "$.caught.Error", "caught.$": "$.caught" }
          : { error: String(st.Error), cause: String(st.Cause ?? "") };
      out[rename(name)] = {
        Type: "Pass",
        Comment: `This item failed (${name}); the sweep reports its DBs after every item ran.`,
        Parameters: { "dbId.$": "$.scope.dbId", ...itemFields, ...error },
        ...end,
      };
      continue;
    } else if (st.Type === "Succeed") {
      out[rename(name)] = { Type: "Pass", Comment: String(st.Comment ?? ""), Next: done };
      continue;
    }
    out[rename(name)] = st;
  }
  out[done] = {
    Type: "Pass",
    Comment: "This item's run succeeded; only its DB identifiers are returned (the Map result stays small).",
    Parameters: { "dbId.$": "$.scope.dbId", ...itemFields },
    ...end,
  };
  if (perItem) {
    out[pause] = {
      Type: "Wait",
      Comment:
        "Paces the sweep within its share of the RDS API budget: the item's own pause, its estimated requests at the sweep's rate (config/apiBudget.ts sweepPacing, functions/lib/sweep.ts packSweepItems).",
      SecondsPath: "$.pauseSeconds",
      End: true,
    };
  } else if (pauseSeconds > 0) {
    out[pause] = {
      Type: "Wait",
      Comment: "Paces the sweep within its share of the RDS API budget (config/apiBudget.ts sweepPacing).",
      Seconds: pauseSeconds,
      End: true,
    };
  }
  return out;
}

/** A first Task's ResultSelector rewritten to read the Lambda's result from `$.first.summary` instead of `$.Payload`. */
function fromFirstSummary(selector: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(selector).map(([k, v]) => [
      k,
      v === "$.Payload"
        ? "$.first.summary"
        : v !== null && typeof v === "object" && !Array.isArray(v)
          ? fromFirstSummary(v as Record<string, unknown>)
          : v,
    ]),
  );
}
