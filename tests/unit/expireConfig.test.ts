import { describe, expect, it } from "vitest";
import { parseExpireConfig } from "../../functions/expire/config";
import { ConfigError } from "../../functions/lib/errors";
import { DEFAULT_RETENTION } from "../../functions/lib/retention";

describe("parseExpireConfig", () => {
  it("defaults regions to the Lambda region and the policy to the defaults", () => {
    expect(parseExpireConfig({ AWS_REGION: "eu-west-1", RPL_STAGE: "source" })).toEqual({
      region: "eu-west-1",
      stage: "source",
      regions: ["eu-west-1"],
      retention: DEFAULT_RETENTION,
    });
  });

  it("treats empty strings as unset", () => {
    const c = parseExpireConfig({ AWS_REGION: "eu-west-1", RPL_STAGE: "dr", RPL_REGIONS: " ", RPL_RETENTION: "" });
    expect(c.regions).toEqual(["eu-west-1"]);
    expect(c.retention).toEqual(DEFAULT_RETENTION);
  });

  it("parses a region list (trimmed, duplicates dropped) and a partial policy", () => {
    const c = parseExpireConfig({
      AWS_REGION: "eu-west-1",
      RPL_STAGE: "dr",
      RPL_REGIONS: "eu-west-1, eu-central-1,eu-west-1,",
      RPL_RETENTION: '{"allHours":48,"minKeep":5}',
    });
    expect(c.regions).toEqual(["eu-west-1", "eu-central-1"]);
    expect(c.retention).toEqual({ ...DEFAULT_RETENTION, allHours: 48, minKeep: 5 });
  });

  it.each<[string, Record<string, string>, string[]]>([
    ["RPL_STAGE unset", {}, ["RPL_STAGE: must be source or dr (got unset)"]],
    ["RPL_STAGE wrong", { RPL_STAGE: "dr-region" }, ['RPL_STAGE: must be source or dr (got "dr-region")']],
    [
      "a bad region",
      { RPL_STAGE: "dr", RPL_REGIONS: "eu-west-1,Frankfurt" },
      ['RPL_REGIONS: "Frankfurt" is not an AWS region such as eu-west-1'],
    ],
    ["minKeep 0", { RPL_STAGE: "dr", RPL_RETENTION: '{"minKeep":0}' }, ["RPL_RETENTION.minKeep must be >= 1 (got 0)"]],
    [
      "a negative tier",
      { RPL_STAGE: "dr", RPL_RETENTION: '{"weeklyWeeks":-1}' },
      ["RPL_RETENTION.weeklyWeeks must be >= 0 (got -1)"],
    ],
    ["not JSON", { RPL_STAGE: "dr", RPL_RETENTION: "minKeep=3" }, ["RPL_RETENTION must be JSON such as"]],
    [
      "every bad variable at once",
      { RPL_STAGE: "prod", RPL_REGIONS: "nowhere", RPL_RETENTION: '{"minKeep":0}' },
      ["RPL_STAGE:", "RPL_REGIONS:", "RPL_RETENTION.minKeep must be >= 1"],
    ],
  ])("rejects %s with a ConfigError naming it", (_name, env, parts) => {
    let caught: unknown;
    try {
      parseExpireConfig({ AWS_REGION: "eu-west-1", ...env });
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const message = (caught as Error).message;
    expect(message).toMatch(/^expire Lambda configuration is invalid: /);
    for (const part of parts) expect(message).toContain(part);
  });
});

describe("parseExpireConfig cold-start validation (issue 13 item 2)", () => {
  it("always sweeps the home region, first, even when RPL_REGIONS leaves it out", () => {
    const c = parseExpireConfig({ AWS_REGION: "eu-west-1", RPL_STAGE: "dr", RPL_REGIONS: "eu-central-1" });
    expect(c.regions).toEqual(["eu-west-1", "eu-central-1"]);
  });

  it.each(["eu-west", "europe-west-1", "xx-west-1", "eu-wst-1", "us-east-1a"])(
    "rejects %s in RPL_REGIONS as not a region name, naming the expire Lambda and the variable",
    (bad) => {
      expect(() => parseExpireConfig({ AWS_REGION: "eu-west-1", RPL_STAGE: "dr", RPL_REGIONS: bad })).toThrow(
        `expire Lambda configuration is invalid: RPL_REGIONS: "${bad}" is not an AWS region such as eu-west-1`,
      );
    },
  );

  it.each(["us-gov-west-1", "ap-southeast-7", "mx-central-1", "il-central-1", "cn-northwest-1", "ca-west-1"])(
    "accepts the region name %s",
    (name) => {
      expect(parseExpireConfig({ AWS_REGION: name, RPL_STAGE: "dr", RPL_REGIONS: name }).regions).toEqual([name]);
    },
  );
});
