import { DBSnapshotNotFoundFault, DescribeDBSnapshotsCommand, RDSClient } from "@aws-sdk/client-rds";
import { describe, expect, it } from "vitest";
import { SDK_MAX_ATTEMPTS } from "../../functions/lib/clients";
import { RdsWorld, SDK_RETRY_CAPACITY } from "../../sim/aws/rdsModel";
import { Engine } from "../../sim/engine";

const ACCOUNT = "111111111111";
const REGION = "eu-west-1";
const clock = () => new Date("2026-01-06T00:00:00Z");

describe("RdsWorld clients", () => {
  it("shares one client set per account unless asked for fresh ones (one per simulated Lambda container)", () => {
    const world = new RdsWorld({ clock });
    const shared = world.clients(ACCOUNT);
    expect(world.clients(ACCOUNT).rds(REGION)).toBe(shared.rds(REGION));
    const a = world.clients(ACCOUNT, { fresh: true }).rds(REGION);
    const b = world.clients(ACCOUNT, { fresh: true }).rds(REGION);
    expect(a).not.toBe(b);
    expect(a).not.toBe(shared.rds(REGION));
    expect(world.clients(ACCOUNT).rds(REGION)).toBe(shared.rds(REGION));
  });

  it.each([
    [{ sdkRetries: true }, "standard", 6],
    [{ sdkRetries: true, sdkRetryMode: "adaptive" as const }, "adaptive", 6],
    [{ sdkRetryMode: "adaptive" as const }, "standard", 1],
  ])("configures the SDK retry strategy from %j", async (opts, mode, attempts) => {
    const rds = new RdsWorld({ clock, ...opts }).clients(ACCOUNT).rds(REGION);
    const retryMode = rds.config.retryMode;
    expect(typeof retryMode === "string" ? retryMode : await retryMode()).toBe(mode);
    expect(await rds.config.maxAttempts()).toBe(attempts);
  });
});

/** Counts the retry middleware's runs on a client: each run asks its strategy for a first retry token. */
async function countMiddlewareRuns(client: RDSClient): Promise<{ runs: number }> {
  const strategy = (await strategyOf(client)) as unknown as { acquireInitialRetryToken: (s: string) => unknown };
  const counter = { runs: 0 };
  const acquire = strategy.acquireInitialRetryToken.bind(strategy);
  strategy.acquireInitialRetryToken = (scope) => {
    counter.runs++;
    return acquire(scope);
  };
  return counter;
}

/** The retry strategy a client's retry middleware uses (the SDK makes it once per client). */
async function strategyOf(client: RDSClient): Promise<{ mode: string; getCapacity(): number }> {
  return (
    client.config as unknown as { retryStrategy: () => Promise<{ mode: string; getCapacity(): number }> }
  ).retryStrategy();
}

describe("RdsWorld clients: first attempt without the retry middleware", () => {
  it("knows the SDK's full retry quota", async () => {
    const fresh = new RDSClient({ region: REGION, retryMode: "standard" });
    expect((await strategyOf(fresh)).getCapacity()).toBe(SDK_RETRY_CAPACITY);
  });

  it("answers a successful call with the metadata the retry middleware writes", async () => {
    const direct = new RdsWorld({ clock, sdkRetries: true }).clients(ACCOUNT).rds(REGION);
    // Adaptive mode always runs the middleware (its rate limiter records every success).
    const viaMiddleware = new RdsWorld({ clock, sdkRetries: true, sdkRetryMode: "adaptive" })
      .clients(ACCOUNT)
      .rds(REGION);
    const directRuns = await countMiddlewareRuns(direct);
    const middlewareRuns = await countMiddlewareRuns(viaMiddleware);
    const a = await direct.send(new DescribeDBSnapshotsCommand({}));
    const b = await viaMiddleware.send(new DescribeDBSnapshotsCommand({}));
    expect([directRuns.runs, middlewareRuns.runs]).toEqual([0, 1]);
    expect(a).toEqual({ DBSnapshots: [], $metadata: { httpStatusCode: 200, attempts: 1, totalRetryDelay: 0 } });
    expect(a).toEqual(b);
    expect(Object.keys(a.$metadata)).toEqual(Object.keys(b.$metadata));
    // Each call gets its own output and $metadata (the direct path completes the model's output in place).
    const again = await direct.send(new DescribeDBSnapshotsCommand({}));
    expect(again).toEqual(a);
    expect(again).not.toBe(a);
    expect(again.$metadata).not.toBe(a.$metadata);
    // send still returns a promise that settles later, never synchronously.
    let settled = false;
    const p = direct.send(new DescribeDBSnapshotsCommand({})).then(() => (settled = true));
    expect(p).toBeInstanceOf(Promise);
    expect(settled).toBe(false);
    await p;
  });

  it("hands a model error to the retry middleware, which throws it after one attempt", async () => {
    const world = new RdsWorld({ clock, sdkRetries: true });
    const rds = world.clients(ACCOUNT).rds(REGION);
    const middleware = await countMiddlewareRuns(rds);
    const err = await rds.send(new DescribeDBSnapshotsCommand({ DBSnapshotIdentifier: "missing" })).catch((e) => e);
    expect(middleware.runs).toBe(1);
    expect(err).toBeInstanceOf(DBSnapshotNotFoundFault);
    expect(err.$metadata).toEqual({ httpStatusCode: 400, attempts: 1, totalRetryDelay: 0 });
    expect(world.callCount("DescribeDBSnapshots")).toBe(1);
  });

  it("retries a refused first attempt through the middleware, and records successes while the quota is not full", async () => {
    const engine = new Engine(Date.parse("2026-01-06T00:00:00Z"));
    const draws = [0];
    const world = new RdsWorld({
      clock: engine.clock,
      sdkRetries: true,
      faults: { throttleRate: 0.5, random: () => draws.shift() ?? 0.9 },
    });
    const rds = world.clients(ACCOUNT).rds(REGION);
    const seen: unknown[] = [];
    const capacity: number[] = [];
    engine.spawn("calls", async () => {
      const strategy = await strategyOf(rds);
      // First attempt throttled (on the direct path), second through: two attempts, a backoff in virtual time.
      const ok = await rds.send(new DescribeDBSnapshotsCommand({}));
      seen.push(ok.$metadata.attempts, (ok.$metadata.totalRetryDelay ?? 0) > 0);
      capacity.push(strategy.getCapacity());
      // Every attempt throttled: the SDK gives up after its max attempts, its quota spent by the retries.
      world.faults = { throttleRate: 1 };
      const err = await rds.send(new DescribeDBSnapshotsCommand({})).catch((e) => e);
      seen.push(err.name, err.$metadata.attempts);
      capacity.push(strategy.getCapacity());
      // No fault left: each success refills the quota by one, as the middleware records it.
      world.faults = {};
      await rds.send(new DescribeDBSnapshotsCommand({}));
      await rds.send(new DescribeDBSnapshotsCommand({}));
      capacity.push(strategy.getCapacity());
    });
    await engine.runUntil(Date.parse("2026-01-06T01:00:00Z"));
    expect(seen).toEqual([2, true, "Throttling", SDK_MAX_ATTEMPTS]);
    expect(capacity[0]).toBe(SDK_RETRY_CAPACITY);
    expect(capacity[1]).toBeLessThan(SDK_RETRY_CAPACITY);
    expect(capacity[2]).toBe(capacity[1]! + 2);
    expect(world.callCount("DescribeDBSnapshots")).toBe(2 + SDK_MAX_ATTEMPTS + 2);
  });
});
