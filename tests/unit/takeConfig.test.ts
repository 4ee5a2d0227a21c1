import { describe, expect, it } from "vitest";
import { ConfigError } from "../../functions/lib/errors";
import { parseTakeConfig } from "../../functions/take/config";

describe("parseTakeConfig", () => {
  it("applies the defaults", () => {
    const c = parseTakeConfig({ AWS_REGION: "eu-west-1" });
    expect(c).toEqual({ region: "eu-west-1", dbIdRegex: /.*/, intervalMinutes: 60, quotaHeadroom: 2 });
  });

  it("treats empty strings as unset", () => {
    const c = parseTakeConfig({ AWS_REGION: "eu-west-1", RPL_OPT_IN_TAG: "", RPL_INTERVAL_MINUTES: " " });
    expect(c).toEqual({ region: "eu-west-1", dbIdRegex: /.*/, intervalMinutes: 60, quotaHeadroom: 2 });
  });

  it.each([
    ["dr", { key: "dr" }],
    ["dr=yes", { key: "dr", value: "yes" }],
    ["team = a=b", { key: "team", value: "a=b" }],
    ["dr=", { key: "dr", value: "" }],
  ])("parses RPL_OPT_IN_TAG %j", (raw, tag) => {
    expect(parseTakeConfig({ RPL_OPT_IN_TAG: raw }).optInTag).toEqual(tag);
  });

  it("reads every variable", () => {
    const c = parseTakeConfig({
      AWS_REGION: "us-east-2",
      RPL_DB_ID_REGEX: "^prod-",
      RPL_INTERVAL_MINUTES: "15",
      RPL_QUOTA_HEADROOM: "0",
    });
    expect(c).toEqual({ region: "us-east-2", dbIdRegex: /^prod-/, intervalMinutes: 15, quotaHeadroom: 0 });
  });

  it.each([
    [
      { RPL_DB_ID_REGEX: "(" },
      'RPL_DB_ID_REGEX: is not a valid regular expression: Invalid regular expression: /(/: Unterminated group (got "(")',
    ],
    [{ RPL_INTERVAL_MINUTES: "0" }, 'RPL_INTERVAL_MINUTES: must be between 1 and 44640 minutes (got "0")'],
    [{ RPL_INTERVAL_MINUTES: "1.5" }, 'RPL_INTERVAL_MINUTES: must be a positive whole number of minutes (got "1.5")'],
    [{ RPL_QUOTA_HEADROOM: "-1" }, 'RPL_QUOTA_HEADROOM: must be a positive whole number of snapshots (got "-1")'],
    [{ RPL_OPT_IN_TAG: "=yes" }, 'RPL_OPT_IN_TAG: must be `key` or `key=value` with a non-empty key (got "=yes")'],
  ])("rejects %j naming the variable", (env, message) => {
    expect(() => parseTakeConfig(env)).toThrow(new ConfigError(`take Lambda configuration is invalid: ${message}`));
  });

  it("names every bad variable at once", () => {
    expect(() => parseTakeConfig({ RPL_INTERVAL_MINUTES: "x", RPL_QUOTA_HEADROOM: "y" })).toThrow(
      /RPL_INTERVAL_MINUTES: .*; RPL_QUOTA_HEADROOM: /,
    );
  });
});
