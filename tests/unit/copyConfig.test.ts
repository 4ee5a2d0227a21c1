import { describe, expect, it } from "vitest";
import { parseCheckConfig } from "../../functions/check/config";
import { DEFAULT_COPY_WINDOW_HOURS, DEFAULT_MAX_COPIES_IN_FLIGHT, parseCopyConfig } from "../../functions/copy/config";
import { DEFAULT_MAX_COPIES_IN_FLIGHT_PER_DB } from "../../functions/copy/perDbCap";
import { ConfigError } from "../../functions/lib/errors";
import { DR, ENV, HOME, HOME_KEY, REGION_KEY, SRC_A, SRC_B } from "./copyFixtures";

const minimal = { AWS_REGION: HOME, RPL_SOURCE_ACCOUNTS: SRC_A, RPL_DR_KMS_KEY_ARN: HOME_KEY };

describe("parseCopyConfig", () => {
  it("applies the defaults to the minimal environment", () => {
    expect(parseCopyConfig(minimal)).toEqual({
      region: HOME,
      expectedCopyMinutes: 20,
      sourceAccounts: [SRC_A],
      drKmsKeyArn: HOME_KEY,
      mode: "fan-out",
      maxCopiesInFlight: DEFAULT_MAX_COPIES_IN_FLIGHT,
      maxCopiesInFlightPerDb: DEFAULT_MAX_COPIES_IN_FLIGHT_PER_DB,
      deleteIntermediate: false,
      copyWindowHours: DEFAULT_COPY_WINDOW_HOURS,
    });
    expect(DEFAULT_COPY_WINDOW_HOURS).toBe(24);
    expect(DEFAULT_MAX_COPIES_IN_FLIGHT_PER_DB).toBe(1);
  });

  it("parses every variable", () => {
    const env = {
      ...ENV,
      RPL_COPY_MODE: "direct",
      RPL_MAX_COPIES_IN_FLIGHT: "20",
      RPL_MAX_COPIES_IN_FLIGHT_PER_DB: "3",
      RPL_DELETE_INTERMEDIATE: "true",
      RPL_COPY_WINDOW_HOURS: "336",
    };
    expect(parseCopyConfig(env)).toEqual({
      region: HOME,
      expectedCopyMinutes: 20,
      sourceAccounts: [SRC_A, SRC_B],
      drKmsKeyArn: HOME_KEY,
      drRegion: DR,
      drRegionKmsKeyArn: REGION_KEY,
      mode: "direct",
      maxCopiesInFlight: 20,
      maxCopiesInFlightPerDb: 3,
      deleteIntermediate: true,
      copyWindowHours: 336,
    });
  });

  it("treats empty optional variables as unset", () => {
    const env = {
      ...minimal,
      RPL_DR_REGION: "",
      RPL_DR_REGION_KMS_KEY_ARN: "",
      RPL_COPY_MODE: "",
      RPL_COPY_WINDOW_HOURS: "",
    };
    expect(parseCopyConfig(env)).toMatchObject({ mode: "fan-out", copyWindowHours: 24 });
    expect(parseCopyConfig(env).drRegion).toBeUndefined();
  });

  it("is what the Checker parses too", () => {
    expect(parseCheckConfig(ENV)).toEqual(parseCopyConfig(ENV));
  });

  it.each([
    ["RPL_SOURCE_ACCOUNTS unset", { RPL_SOURCE_ACCOUNTS: undefined }, /RPL_SOURCE_ACCOUNTS: is required/],
    [
      "a bad source account",
      { RPL_SOURCE_ACCOUNTS: `${SRC_A},12345` },
      /RPL_SOURCE_ACCOUNTS: "12345" is not a 12-digit/,
    ],
    ["RPL_DR_KMS_KEY_ARN unset", { RPL_DR_KMS_KEY_ARN: undefined }, /RPL_DR_KMS_KEY_ARN: is required/],
    ["a key id instead of an ARN", { RPL_DR_KMS_KEY_ARN: "1234abcd" }, /RPL_DR_KMS_KEY_ARN: must be a KMS key ARN/],
    [
      "a home key in another region",
      { RPL_DR_KMS_KEY_ARN: REGION_KEY },
      /RPL_DR_KMS_KEY_ARN must be a key in the Lambda's region eu-west-1/,
    ],
    [
      "a DR region without its key",
      { RPL_DR_REGION: DR },
      /RPL_DR_REGION_KMS_KEY_ARN is required when RPL_DR_REGION is set/,
    ],
    [
      "a DR-region key without the region",
      { RPL_DR_REGION_KMS_KEY_ARN: REGION_KEY },
      /RPL_DR_REGION_KMS_KEY_ARN is set but RPL_DR_REGION is not/,
    ],
    [
      "a DR-region key from the home region",
      { RPL_DR_REGION: DR, RPL_DR_REGION_KMS_KEY_ARN: HOME_KEY },
      /RPL_DR_REGION_KMS_KEY_ARN must be a key in RPL_DR_REGION eu-central-1/,
    ],
    [
      "the DR region equal to the home region",
      { RPL_DR_REGION: HOME, RPL_DR_REGION_KMS_KEY_ARN: HOME_KEY },
      /RPL_DR_REGION must differ/,
    ],
    [
      "a bad region",
      { RPL_DR_REGION: "Frankfurt", RPL_DR_REGION_KMS_KEY_ARN: REGION_KEY },
      /RPL_DR_REGION: must be an AWS region/,
    ],
    ["an unknown mode", { RPL_COPY_MODE: "fast" }, /RPL_COPY_MODE: must be fan-out, two-step or direct \(got "fast"\)/],
    ["direct without a DR region", { RPL_COPY_MODE: "direct" }, /RPL_COPY_MODE=direct needs RPL_DR_REGION/],
    ["a zero limit", { RPL_MAX_COPIES_IN_FLIGHT: "0" }, /RPL_MAX_COPIES_IN_FLIGHT must be from 1 to 20/],
    [
      "a limit above the RDS maximum",
      { RPL_MAX_COPIES_IN_FLIGHT: "500" },
      /^copy Lambda configuration is invalid: RPL_MAX_COPIES_IN_FLIGHT must be from 1 to 20, the RDS limit of copies in progress per destination region \(got "500"\)$/,
    ],
    [
      "a DR region that is not a region name",
      { RPL_DR_REGION: "europe-west-1" },
      /RPL_DR_REGION: must be an AWS region name/,
    ],
    [
      "a non-numeric limit",
      { RPL_MAX_COPIES_IN_FLIGHT: "five" },
      /RPL_MAX_COPIES_IN_FLIGHT: must be a positive whole number/,
    ],
    [
      "a per-DB cap above the region's limit",
      { RPL_MAX_COPIES_IN_FLIGHT: "5", RPL_MAX_COPIES_IN_FLIGHT_PER_DB: "6" },
      /^copy Lambda configuration is invalid: RPL_MAX_COPIES_IN_FLIGHT_PER_DB must be from 1 to RPL_MAX_COPIES_IN_FLIGHT \(5\), the copies in progress one DB may hold per destination region \(got "6"\)$/,
    ],
    [
      "a zero per-DB cap",
      { RPL_MAX_COPIES_IN_FLIGHT_PER_DB: "0" },
      /RPL_MAX_COPIES_IN_FLIGHT_PER_DB must be from 1 to RPL_MAX_COPIES_IN_FLIGHT \(5\)/,
    ],
    [
      "a non-numeric per-DB cap",
      { RPL_MAX_COPIES_IN_FLIGHT_PER_DB: "one" },
      /RPL_MAX_COPIES_IN_FLIGHT_PER_DB: must be a positive whole number of copies/,
    ],
    ["a bad flag", { RPL_DELETE_INTERMEDIATE: "yes" }, /RPL_DELETE_INTERMEDIATE/],
    ["a zero copy window", { RPL_COPY_WINDOW_HOURS: "0" }, /RPL_COPY_WINDOW_HOURS must be at least 1 \(got "0"\)/],
    [
      "a fractional copy window",
      { RPL_COPY_WINDOW_HOURS: "1.5" },
      /RPL_COPY_WINDOW_HOURS: must be a positive whole number of hours \(got "1.5"\)/,
    ],
    [
      "a negative copy window",
      { RPL_COPY_WINDOW_HOURS: "-24" },
      /RPL_COPY_WINDOW_HOURS: must be a positive whole number of hours \(got "-24"\)/,
    ],
    [
      "deleting intermediates in fan-out mode",
      { RPL_DELETE_INTERMEDIATE: "true", RPL_DR_REGION: DR, RPL_DR_REGION_KMS_KEY_ARN: REGION_KEY },
      /RPL_DELETE_INTERMEDIATE=true does not apply to RPL_COPY_MODE=fan-out/,
    ],
    [
      "deleting intermediates without a DR region",
      { RPL_DELETE_INTERMEDIATE: "true" },
      /RPL_DELETE_INTERMEDIATE=true needs RPL_DR_REGION/,
    ],
  ])("rejects %s, naming the variable", (_name, over, message) => {
    const env = { ...minimal, ...over };
    expect(() => parseCopyConfig(env)).toThrow(ConfigError);
    expect(() => parseCopyConfig(env)).toThrow(message);
  });
});

describe("parseCheckConfig", () => {
  it("names the check Lambda, not the copy Lambda, in its configuration errors", () => {
    expect(() => parseCheckConfig({ ...minimal, RPL_MAX_COPIES_IN_FLIGHT: "500" })).toThrow(
      /^check Lambda configuration is invalid: RPL_MAX_COPIES_IN_FLIGHT must be from 1 to 20/,
    );
    expect(() => parseCheckConfig({ AWS_REGION: HOME, RPL_DR_KMS_KEY_ARN: HOME_KEY })).toThrow(
      /^check Lambda configuration is invalid: RPL_SOURCE_ACCOUNTS/,
    );
  });
});
