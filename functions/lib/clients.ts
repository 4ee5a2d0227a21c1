/**
 * One SDK client per region, created lazily at module scope and reused across invocations
 * (aws-sdk-js-v3 EFFECTIVE_PRACTICES). Throttling is retried by the SDK's adaptive retry strategy with backoff;
 * what outlives it surfaces as a TransientAwsError for the state machine's Retry.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { KMSClient } from "@aws-sdk/client-kms";
import { RDSClient } from "@aws-sdk/client-rds";

/** SDK attempts per call (first try + retries), with adaptive client-side rate limiting. */
export const SDK_MAX_ATTEMPTS = 6;

/**
 * Retry configuration of every SDK client the handlers use. The simulator's model clients use it too, so that its
 * injected faults (throttling, outages) hit each *attempt* and this strategy retries them, as on AWS.
 */
export function sdkRetryConfig(): { maxAttempts: number; retryMode: "adaptive" } {
  return { maxAttempts: SDK_MAX_ATTEMPTS, retryMode: "adaptive" };
}

/** Factory of per-region clients; handlers receive this, tests pass clients bound to fakes. */
export interface AwsClients {
  rds(region: string): RDSClient;
  kms(region: string): KMSClient;
  events(region: string): EventBridgeClient;
}

/** Live clients, cached per region. */
export function liveClients(): AwsClients {
  const rds = new Map<string, RDSClient>();
  const kms = new Map<string, KMSClient>();
  const events = new Map<string, EventBridgeClient>();
  const opts = (region: string) => ({ region, ...sdkRetryConfig() });
  return {
    rds: (region) => getOr(rds, region, () => abortable(new RDSClient(opts(region)))),
    kms: (region) => getOr(kms, region, () => abortable(new KMSClient(opts(region)))),
    events: (region) => getOr(events, region, () => abortable(new EventBridgeClient(opts(region)))),
  };
}

/** The abort signal of the Lambda run in progress (set by functions/lib/lambda.ts for the run's async context). */
const runSignal = new AsyncLocalStorage<AbortSignal>();

/**
 * Runs `fn` with `signal` as the abort signal of every SDK call an {@link abortable} client starts inside it: when
 * middy aborts the run shortly before the Lambda's timeout, calls in flight are cancelled (the SDK's HTTP handler
 * rejects them with `AbortError`) instead of running on after the handler gave up.
 */
export function withAbortSignal<T>(signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
  return signal ? runSignal.run(signal, fn) : fn();
}

/** The abort signal {@link withAbortSignal} set for the current async context, if any. */
export function currentAbortSignal(): AbortSignal | undefined {
  return runSignal.getStore();
}

/**
 * Makes `client.send` pass the current run's abort signal ({@link withAbortSignal}) to every call that does not
 * name its own, through the SDK's per-call `abortSignal` option (aws-sdk-js-v3 "Abort Controller"). Outside a run
 * the client behaves as before.
 */
export function abortable<C extends RDSClient | KMSClient | EventBridgeClient>(client: C): C {
  const send = client.send.bind(client) as (command: unknown, options?: { abortSignal?: AbortSignal }) => unknown;
  const withSignal = (command: unknown, options?: unknown) => {
    const signal = runSignal.getStore();
    // The SDK's callback overloads (options or callback functions) are passed through untouched.
    if (!signal || typeof options === "function") return send(command, options as never);
    const o = (options ?? {}) as { abortSignal?: AbortSignal };
    return send(command, o.abortSignal ? o : { ...o, abortSignal: signal });
  };
  Object.defineProperty(client, "send", { value: withSignal, writable: true, configurable: true });
  return client;
}

function getOr<T>(map: Map<string, T>, key: string, make: () => T): T {
  let v = map.get(key);
  if (!v) {
    v = make();
    map.set(key, v);
  }
  return v;
}
