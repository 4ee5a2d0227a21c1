import { describe, expect, it } from "vitest";
import { ConfigError } from "../../functions/lib/errors";
import { parseShareConfig } from "../../functions/share/config";

const accounts = (n: number) => Array.from({ length: n }, (_, i) => String(200000000000 + i));

describe("parseShareConfig", () => {
  it("dedupes and sorts the DR accounts; buses default to none", () => {
    expect(
      parseShareConfig({ AWS_REGION: "eu-west-1", RPL_DR_ACCOUNTS: " 222222222222,111111111111, 222222222222 " }),
    ).toEqual({
      region: "eu-west-1",
      drAccounts: ["111111111111", "222222222222"],
      eventBusArns: [],
    });
  });

  it("reads the event bus ARNs", () => {
    const bus = "arn:aws:events:eu-central-1:222222222222:event-bus/rpl-dr";
    expect(
      parseShareConfig({ RPL_DR_ACCOUNTS: "222222222222", RPL_DR_EVENT_BUS_ARNS: `${bus}, ${bus}` }).eventBusArns,
    ).toEqual([bus]);
  });

  it("accepts exactly 20 accounts", () => {
    expect(parseShareConfig({ RPL_DR_ACCOUNTS: accounts(20).join(",") }).drAccounts).toHaveLength(20);
  });

  it.each([
    [{}, "RPL_DR_ACCOUNTS: is required: a comma-separated list of 12-digit DR account ids (got unset)"],
    [{ RPL_DR_ACCOUNTS: "" }, 'RPL_DR_ACCOUNTS: must list at least one 12-digit account id (got "")'],
    [{ RPL_DR_ACCOUNTS: " , " }, 'RPL_DR_ACCOUNTS: must list at least one 12-digit account id (got " , ")'],
    [{ RPL_DR_ACCOUNTS: "12345" }, 'RPL_DR_ACCOUNTS: "12345" is not a 12-digit AWS account id (got "12345")'],
    [
      { RPL_DR_ACCOUNTS: accounts(21).join(",") },
      `RPL_DR_ACCOUNTS: lists 21 accounts; a snapshot can be shared with at most 20 (got "${accounts(21).join(",")}")`,
    ],
    [
      { RPL_DR_ACCOUNTS: "222222222222", RPL_DR_EVENT_BUS_ARNS: "rpl-dr" },
      'RPL_DR_EVENT_BUS_ARNS: "rpl-dr" is not an EventBridge event bus ARN (arn:aws:events:<region>:<account>:event-bus/<name>) (got "rpl-dr")',
    ],
  ])("rejects %j naming the variable", (env, message) => {
    expect(() => parseShareConfig(env)).toThrow(new ConfigError(`share Lambda configuration is invalid: ${message}`));
  });
});
