/**
 * The shape every step handler follows (STYLE.md "Handler conventions"):
 *
 *   export const makeHandler = (deps: HandlerDeps<Config>) => async (event) => summary;  // tests, simulator
 *   export const handler = lambdaHandler(makeHandler(liveDeps(parseConfig(process.env)))); // deployed Lambda
 *
 * `liveDeps` is evaluated at module load, so a bad environment variable fails the cold start with a ConfigError
 * naming the variable. `lambdaHandler` adds the Powertools middlewares (context in logs, EMF flush, cold-start
 * metric).
 */
import { injectLambdaContext } from "@aws-lambda-powertools/logger/middleware";
import { logMetrics } from "@aws-lambda-powertools/metrics/middleware";
import middy from "@middy/core";
import type { Context } from "aws-lambda";
import { type AwsClients, liveClients, withAbortSignal } from "./clients";
import { type Clock, systemClock } from "./clock";
import type { RunContext } from "./deadline";
import { StepTimeoutError } from "./errors";
import { liveObservability, logger, metrics, type Observability } from "./powertools";

/** Everything a handler touches outside its own code, injected. */
export interface HandlerDeps<C> {
  readonly clients: AwsClients;
  readonly clock: Clock;
  readonly config: C;
  readonly obs: Observability;
}

/**
 * A handler core: plain async function of the event, as tests and the simulator call it. The optional run context
 * carries the Lambda's remaining time and abort signal (functions/lib/deadline.ts); without it a run has no deadline.
 */
export type HandlerCore<E, R> = (event: E, run?: RunContext) => Promise<R>;

/**
 * How long before the Lambda's own timeout middy aborts the handler (ms). The handlers' own budget stops taking new
 * work much earlier (functions/lib/deadline.ts); this is the backstop for a call that hangs past that margin. It
 * fires early enough for the error to be logged and returned as the function error, instead of the Lambda being
 * killed (which Step Functions reports under a different name).
 */
export const TIMEOUT_EARLY_MS = 3_000;

/** Production dependencies for a parsed config. */
export function liveDeps<C>(config: C): HandlerDeps<C> {
  return { clients: liveClients(), clock: systemClock, config, obs: liveObservability };
}

/**
 * Wraps a handler core for Lambda with the shared Powertools middlewares. The core gets the context's remaining time
 * and middy's abort signal; a run still busy {@link TIMEOUT_EARLY_MS} before the timeout fails with a
 * `StepTimeoutError` naming `step` (not middy's generic `TimeoutError`), the one timeout name the state machines'
 * retry policy handles (components/shared/stateMachines.ts RETRYABLE_ERRORS).
 */
export function lambdaHandler<E, R>(core: HandlerCore<E, R>, step = "step") {
  return middy(
    async (event: E, context: Context, opts?: { signal?: AbortSignal }) => runCore(core, event, context, opts?.signal),
    {
      timeoutEarlyInMillis: TIMEOUT_EARLY_MS,
      timeoutEarlyResponse: () => {
        throw earlyTimeoutError(step);
      },
    },
  )
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
}

/**
 * Runs a handler core as a Lambda invocation does: the core gets the context's remaining time and the abort signal,
 * and the signal also reaches every SDK call of the run (functions/lib/clients.ts `abortable`). Used by
 * {@link lambdaHandler} and by the simulator's Lambda runtime (sim/lambdaRuntime.ts).
 */
export function runCore<E, R>(
  core: HandlerCore<E, R>,
  event: E,
  context: Pick<Context, "getRemainingTimeInMillis">,
  signal?: AbortSignal,
): Promise<R> {
  return withAbortSignal(signal, () =>
    core(event, { remainingMs: () => context.getRemainingTimeInMillis(), ...(signal ? { signal } : {}) }),
  );
}

/**
 * The error a run still busy {@link TIMEOUT_EARLY_MS} before its Lambda's timeout fails with (middy's early timeout,
 * {@link lambdaHandler}; the simulator's Lambda runtime, sim/lambdaRuntime.ts, fails it the same way).
 */
export function earlyTimeoutError(step: string): StepTimeoutError {
  return new StepTimeoutError(
    `${step}: the Lambda was about to time out (${TIMEOUT_EARLY_MS} ms left) before the run returned; ` +
      "finished items are recorded, so the retry resumes where it stopped",
  );
}

/** The region a Lambda runs in (set by the Lambda runtime). */
export function runtimeRegion(env: Readonly<Record<string, string | undefined>>): string {
  return env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1";
}
