/**
 * One SDK client per region, created lazily at module scope and reused across invocations
 * (aws-sdk-js-v3 EFFECTIVE_PRACTICES). Throttling is retried by the SDK's adaptive retry strategy with backoff;
 * what outlives it surfaces as a TransientAwsError for the state machine's Retry.
 */
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
    rds: (region) => getOr(rds, region, () => new RDSClient(opts(region))),
    kms: (region) => getOr(kms, region, () => new KMSClient(opts(region))),
    events: (region) => getOr(events, region, () => new EventBridgeClient(opts(region))),
  };
}

function getOr<T>(map: Map<string, T>, key: string, make: () => T): T {
  let v = map.get(key);
  if (!v) {
    v = make();
    map.set(key, v);
  }
  return v;
}
