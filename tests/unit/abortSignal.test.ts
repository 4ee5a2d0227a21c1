/**
 * Issue 13 item 1: the handler honours middy's abort. The signal middy fires shortly before the Lambda's timeout
 * reaches every SDK call of the run (functions/lib/clients.ts `abortable`, set by functions/lib/lambda.ts), so a call
 * in flight is cancelled and the run fails with the one timeout error the state machines retry.
 */
import { DescribeDBSnapshotsCommand, RDSClient } from "@aws-sdk/client-rds";
import type { Context } from "aws-lambda";
import { describe, expect, it, vi } from "vitest";
import { abortable, currentAbortSignal, withAbortSignal } from "../../functions/lib/clients";
import { lambdaHandler, TIMEOUT_EARLY_MS } from "../../functions/lib/lambda";

/** An HTTP handler that never answers: it only settles when the call's abort signal fires. */
function hangingHandler() {
  const seen: { signal?: AbortSignal; aborted: boolean } = { aborted: false };
  const handler = {
    metadata: { handlerProtocol: "http/1.1" },
    handle: (_request: unknown, options?: { abortSignal?: AbortSignal }) =>
      new Promise<never>((_resolve, reject) => {
        seen.signal = options?.abortSignal;
        options?.abortSignal?.addEventListener("abort", () => {
          seen.aborted = true;
          reject(Object.assign(new Error("Request aborted"), { name: "AbortError" }));
        });
      }),
    updateHttpClientConfig: () => undefined,
    httpHandlerConfigs: () => ({}),
  };
  return { handler, seen };
}

/**
 * Waits until `check` passes: the SDK reaches the HTTP handler after its own asynchronous middleware (credentials,
 * signing), which a loaded machine can delay past any fixed sleep. Bounded, so a call that never arrives still fails.
 */
const eventually = (check: () => void) => vi.waitFor(check, { timeout: 10_000, interval: 5 });

function client(requestHandler: unknown) {
  return abortable(
    new RDSClient({
      region: "eu-west-1",
      maxAttempts: 1,
      credentials: { accessKeyId: "AKIATEST", secretAccessKey: "test" },
      requestHandler: requestHandler as never,
    }),
  );
}

function lambdaContext(timeoutMs: number): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    functionName: "rpl-test",
    functionVersion: "$LATEST",
    invokedFunctionArn: "arn:aws:lambda:eu-west-1:111122223333:function:rpl-test",
    memoryLimitInMB: "256",
    awsRequestId: "req-1",
    logGroupName: "/aws/lambda/rpl-test",
    logStreamName: "s",
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

describe("abort signal reaches the SDK calls", () => {
  it("passes the run's signal to every call, and none outside a run", async () => {
    const { handler, seen } = hangingHandler();
    const rds = client(handler);
    const controller = new AbortController();
    const call = withAbortSignal(controller.signal, async () => {
      expect(currentAbortSignal()).toBe(controller.signal);
      return rds.send(new DescribeDBSnapshotsCommand({}));
    });
    await eventually(() => expect(seen.signal).toBe(controller.signal));
    controller.abort();
    await expect(call).rejects.toMatchObject({ name: "AbortError" });
    expect(seen.aborted).toBe(true);
    expect(currentAbortSignal()).toBeUndefined();
  });

  it("keeps a call's own abortSignal", async () => {
    const { handler, seen } = hangingHandler();
    const rds = client(handler);
    const run = new AbortController();
    const own = new AbortController();
    const call = withAbortSignal(run.signal, () =>
      rds.send(new DescribeDBSnapshotsCommand({}), { abortSignal: own.signal }),
    );
    await eventually(() => expect(seen.signal).toBe(own.signal));
    own.abort();
    await expect(call).rejects.toMatchObject({ name: "AbortError" });
  });

  it("cancels a hanging call when middy aborts the Lambda before its timeout, failing with StepTimeoutError", async () => {
    const { handler, seen } = hangingHandler();
    const rds = client(handler);
    const wrapped = lambdaHandler(async () => rds.send(new DescribeDBSnapshotsCommand({})), "take");
    // middy aborts TIMEOUT_EARLY_MS before the timeout: 300 ms after the start here.
    const result = wrapped({}, lambdaContext(TIMEOUT_EARLY_MS + 300));
    await expect(result).rejects.toMatchObject({ name: "StepTimeoutError" });
    await eventually(() => expect(seen.aborted).toBe(true));
  });
});
