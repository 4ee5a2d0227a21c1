import { describe, expect, it } from "vitest";
import { RdsWorld } from "../../sim/aws/rdsModel";

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
