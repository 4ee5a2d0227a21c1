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
import { type AwsClients, liveClients } from "./clients";
import { type Clock, systemClock } from "./clock";
import { liveObservability, logger, metrics, type Observability } from "./powertools";

/** Everything a handler touches outside its own code, injected. */
export interface HandlerDeps<C> {
  readonly clients: AwsClients;
  readonly clock: Clock;
  readonly config: C;
  readonly obs: Observability;
}

/** A handler core: plain async function of the event, as tests and the simulator call it. */
export type HandlerCore<E, R> = (event: E) => Promise<R>;

/** Production dependencies for a parsed config. */
export function liveDeps<C>(config: C): HandlerDeps<C> {
  return { clients: liveClients(), clock: systemClock, config, obs: liveObservability };
}

/** Wraps a handler core for Lambda with the shared Powertools middlewares. */
export function lambdaHandler<E, R>(core: HandlerCore<E, R>) {
  return middy(async (event: E, _context: Context) => core(event))
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
}

/** The region a Lambda runs in (set by the Lambda runtime). */
export function runtimeRegion(env: Readonly<Record<string, string | undefined>>): string {
  return env.AWS_REGION ?? env.AWS_DEFAULT_REGION ?? "us-east-1";
}
