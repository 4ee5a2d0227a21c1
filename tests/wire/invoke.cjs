/**
 * Invokes a bundled Lambda handler once, as the Lambda Node.js runtime would: `require` the bundle, call
 * `handler(event, context)` with a context whose remaining time counts down from the given timeout, print the
 * result (or the error's name and message) on a line starting with RESULT / ERROR. Run in a child process so that
 * every invocation is a cold start with its own environment, like a new Lambda container.
 *
 *   node tests/wire/invoke.cjs <bundle.js> <timeoutMs> [eventJson]
 */
const { randomUUID } = require("node:crypto");

const [, , bundlePath, timeoutMs, eventJson] = process.argv;
if (!bundlePath || !timeoutMs) throw new Error("usage: invoke.cjs <bundle.js> <timeoutMs> [eventJson]");
const { handler } = require(bundlePath);
const deadline = Date.now() + Number(timeoutMs);
const name = process.env.AWS_LAMBDA_FUNCTION_NAME ?? "rpl-wire";
const context = {
  functionName: name,
  functionVersion: "$LATEST",
  invokedFunctionArn: `arn:aws:lambda:${process.env.AWS_REGION}:000000000000:function:${name}`,
  memoryLimitInMB: "256",
  awsRequestId: randomUUID(),
  logGroupName: `/aws/lambda/${name}`,
  logStreamName: "wire",
  callbackWaitsForEmptyEventLoop: true,
  getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  done() {},
  fail() {},
  succeed() {},
};
handler(JSON.parse(eventJson ?? "{}"), context).then(
  (result) => process.stdout.write(`\nRESULT ${JSON.stringify(result)}\n`),
  (e) => {
    process.stdout.write(`\nERROR ${JSON.stringify({ name: e?.name, message: e?.message })}\n`);
    process.exitCode = 1;
  },
);
