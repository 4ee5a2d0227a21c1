/**
 * Wait states with `SecondsPath` in the reference executor (sim/localStepFunctions.ts; the fast one,
 * sim/aslInterpreter.ts, runs them itself, as the Task below behaves). The reference drives every Wait
 * through aws-local-stepfunctions' per-state wait override, which is a number fixed per state name and is read
 * without the state's input, so it cannot honour a wait whose length comes from the data (the Copier's check loop
 * waits the `nextCheckSeconds` its handlers report). Before the definition is handed to the library, each such Wait
 * is rewritten into a Task that receives `{ seconds }` (the value at `SecondsPath`, as the Wait would read it after
 * its `InputPath`), discards its result (`ResultPath: null`, so the data passes through unchanged as through a Wait)
 * and goes on to the same `Next`. The executor binds that Task to a local handler that reports the wait like any
 * other (`onWait`) and sleeps what the caller returns. The deployed definition keeps its Wait state; the tests
 * validate that one with asl-validator (tests/statemachines/stepDefinitions.test.ts).
 */

/** `Resource` of a rewritten Wait: never invoked on AWS, bound to a local handler by the executor. */
export const SECONDS_PATH_WAIT_RESOURCE = "arn:aws:lambda:us-east-1:000000000000:function:rpl-local-seconds-path-wait";

/**
 * Timeout of the rewritten Task (seconds): the longest a JavaScript timer can run (2^31 − 1 ms, about 24.8 days;
 * Node.js fires a longer timer after 1 ms). A Wait has no timeout; a longer SecondsPath wait would fail here.
 */
const MAX_WAIT_SECONDS = Math.floor((2 ** 31 - 1) / 1000);

/** A state as far as the rewrite reads it. */
interface AnyState {
  Type?: string;
  SecondsPath?: string;
  Branches?: { States?: Record<string, AnyState> }[];
  ItemProcessor?: { States?: Record<string, AnyState> };
  Iterator?: { States?: Record<string, AnyState> };
}

/**
 * Rewrites, in place, every Wait state with `SecondsPath` of `machine` (nested Map and Parallel states included) as
 * described in the module comment; returns the names of the rewritten states.
 */
export function lowerSecondsPathWaits(machine: { States?: Record<string, AnyState> }): Set<string> {
  const names = new Set<string>();
  const visit = (m: { States?: Record<string, AnyState> } | undefined) => {
    for (const [name, s] of Object.entries(m?.States ?? {})) {
      if (s.Type === "Wait" && typeof s.SecondsPath === "string") {
        const { SecondsPath, Type: _wait, ...rest } = s;
        m!.States![name] = {
          ...rest,
          Type: "Task",
          Resource: SECONDS_PATH_WAIT_RESOURCE,
          Parameters: { "seconds.$": SecondsPath },
          ResultPath: null,
          // aws-local-stepfunctions times a Task out after 60 s by default.
          TimeoutSeconds: MAX_WAIT_SECONDS,
        } as AnyState;
        names.add(name);
      }
      for (const b of s.Branches ?? []) visit(b);
      visit(s.ItemProcessor ?? s.Iterator);
    }
  };
  visit(machine);
  return names;
}

/**
 * `States.Runtime`: what Step Functions raises when `SecondsPath` does not name a whole number >= 0. Terminal: a
 * `States.ALL` retrier or catcher does not match it (as on AWS).
 */
export class StatesRuntimeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "States.Runtime";
  }
  // aws-local-stepfunctions reads these flags from its own RuntimeError subclasses.
  get isRetryable(): boolean {
    return false;
  }
  get isCatchable(): boolean {
    return false;
  }
}

/**
 * The local handler of a rewritten Wait: checks the seconds as Step Functions does, calls `onWait` and sleeps the
 * milliseconds it returns (virtual time inside the simulator's engine; none by default).
 */
export function secondsPathWaitHandler(
  stateName: string,
  onWait: ((seconds: number, stateName: string) => undefined | number) | undefined,
  record: (seconds: number) => void,
): (input: unknown) => Promise<Record<string, never>> {
  return async (input) => {
    const seconds = (input as { seconds?: unknown } | null)?.seconds;
    if (typeof seconds !== "number" || !Number.isInteger(seconds) || seconds < 0) {
      throw new StatesRuntimeError(
        `Wait state "${stateName}": SecondsPath must name a whole number of seconds >= 0 (got ${JSON.stringify(seconds)})`,
      );
    }
    record(seconds);
    const ms = onWait?.(seconds, stateName);
    if (typeof ms === "number" && ms > 0) await new Promise<void>((resolve) => setTimeout(resolve, ms));
    return {};
  };
}
