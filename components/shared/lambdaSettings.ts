/**
 * The step Lambdas' timeout and memory, in a module without Pulumi imports: the components deploy them
 * (components/shared/stepResources.ts `stepFunction`) and the simulator gives every simulated invocation a Lambda
 * context that counts down from the same timeout (sim/lambdaRuntime.ts), so the two cannot drift apart.
 */

/** Lambda timeout (seconds): a sweep of many DBs and snapshots, with SDK retries, stays well inside it. */
export const FUNCTION_TIMEOUT_SECONDS = 300;
/** Lambda memory (MiB): the handlers hold lists of snapshots only. */
export const FUNCTION_MEMORY_MB = 256;
