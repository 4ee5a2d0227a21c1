/** Stack configuration: every validation rule, every default and derivation, and the example stack files. */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import {
  CONFIG_KEYS,
  copyCheckLoop,
  copyWindowHours,
  DEFAULTS,
  deploymentPlan,
  deriveIntervalMinutes,
  handlerEnvironment,
  loadStackFile,
  type PilotLightConfig,
  parseStackConfig,
  rateExpression,
  schedulesFor,
} from "../../config";
import { ConfigError } from "../../functions/lib/errors";

const ROOT = path.resolve(__dirname, "..", "..");
const SRC = { role: "source", drAccounts: ["222222222222"] };
const DR = { role: "dr", sourceAccounts: ["111111111111"] };
const parse = (raw: Record<string, unknown>, region: string | undefined = "eu-west-1", source = "Pulumi.test.yaml") =>
  parseStackConfig(raw, source, { region });
const problemsOf = (raw: Record<string, unknown>, region?: string): string[] => {
  try {
    parse(raw, region);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message.split("\n");
  }
  throw new Error("expected a ConfigError");
};

describe("parseStackConfig: field rules", () => {
  it.each([
    [
      { role: "dr", sourceAccounts: ["111111111111", "12345"] },
      'rds-pilot-light:sourceAccounts[1] must be a 12-digit AWS account id (got "12345"); fix it in Pulumi.test.yaml.',
    ],
    [
      { role: "source", drAccounts: [22222222222] },
      "rds-pilot-light:drAccounts[0] must be a 12-digit AWS account id (got the number 22222222222); YAML reads an unquoted number and drops its leading zeros, so write the id in quotes as it is written in AWS; fix it in Pulumi.test.yaml.",
    ],
    [{ ...SRC, dbIdRegex: "(" }, "rds-pilot-light:dbIdRegex is not a valid JavaScript regular expression"],
    [{ role: "primary" }, 'rds-pilot-light:role must be "source", "dr" or "both" (got "primary")'],
    [{ ...SRC, optInTag: "=x" }, 'rds-pilot-light:optInTag must be "key" or "key=value" (got "=x")'],
    [{ ...SRC, rpoMinutes: 59.5 }, "rds-pilot-light:rpoMinutes must be a whole number of minutes (got 59.5)"],
    [
      { ...SRC, snapshotIntervalMinutes: 2 },
      "rds-pilot-light:snapshotIntervalMinutes must be at least 5 minutes (got 2)",
    ],
    [
      { ...DR, drRegion: "Frankfurt" },
      'rds-pilot-light:drRegion must be an AWS region such as eu-west-1 (got "Frankfurt")',
    ],
    [{ ...DR, copyMode: "fast" }, 'rds-pilot-light:copyMode must be "fan-out", "two-step" or "direct" (got "fast")'],
    [{ ...DR, maxCopiesInFlight: 21 }, "rds-pilot-light:maxCopiesInFlight must be at most 20 (got 21)"],
    [
      { ...DR, maxCopiesInFlight: 5, maxCopiesInFlightPerDb: 6 },
      "rds-pilot-light:maxCopiesInFlightPerDb must be at most maxCopiesInFlight (5): it is the part of a destination region's copy slots one DB may hold; lower it, or raise maxCopiesInFlight (got 6); fix it in Pulumi.test.yaml.",
    ],
    [{ ...DR, maxCopiesInFlightPerDb: 0 }, "rds-pilot-light:maxCopiesInFlightPerDb must be at least 1 (got 0)"],
    [
      { ...DR, maxCopiesInFlightPerDb: "two" },
      'rds-pilot-light:maxCopiesInFlightPerDb must be a whole number of copies (got "two")',
    ],
    [
      { ...DR, deleteIntermediateCopy: "yes" },
      'rds-pilot-light:deleteIntermediateCopy must be true or false (got "yes")',
    ],
    [
      { ...SRC, logRetentionDays: 2 },
      "rds-pilot-light:logRetentionDays must be one of the values CloudWatch Logs accepts",
    ],
    [{ ...SRC, retention: { allHours: -1 } }, "rds-pilot-light:retention.allHours must be at least 0 (got -1)"],
    [{ ...SRC, retention: { minKeep: 0 } }, "rds-pilot-light:retention.minKeep must be at least 1 (got 0)"],
    [
      { ...SRC, alerts: { emails: ["oncall"] } },
      'rds-pilot-light:alerts.emails[0] must be an e-mail address (got "oncall")',
    ],
    [
      { ...SRC, alerts: { httpsEndpoints: ["http://hooks.example.com/x"] } },
      "rds-pilot-light:alerts.httpsEndpoints[0] must be an https:// URL",
    ],
    [{ ...DR, kms: { drKeyArn: "alias/dr" } }, "rds-pilot-light:kms.drKeyArn must be an ARN such as arn:aws:kms:"],
    [{ ...SRC, restore: "yes" }, 'rds-pilot-light:restore must be an object (got "yes")'],
  ])("rejects %j", (raw, message) => {
    expect(problemsOf(raw).join("\n")).toContain(message);
  });

  it("names unknown keys with the key they probably meant, at the top level and inside blocks", () => {
    const problems = problemsOf({ ...SRC, rpominutes: 60, retention: { hours: 3 } });
    expect(problems).toContain(
      "rds-pilot-light:rpominutes is not a known key; did you mean rpoMinutes? (got 60); fix it in Pulumi.test.yaml.",
    );
    expect(problems).toContain(
      "rds-pilot-light:retention.hours is not a known key; did you mean allHours? (got 3); fix it in Pulumi.test.yaml.",
    );
  });

  it("lists the valid keys when no key is close", () => {
    expect(problemsOf({ ...SRC, colour: "blue" })).toContain(
      `rds-pilot-light:colour is not a known key (valid keys: ${CONFIG_KEYS.join(", ")}) (got "blue"); fix it in Pulumi.test.yaml.`,
    );
  });

  it("reports every problem at once, one line each", () => {
    const problems = problemsOf({ role: "dr", sourceAccounts: ["1", "2"], copyMode: "x" });
    expect(problems).toHaveLength(3);
  });

  it("requires aws:region", () => {
    expect(() => parseStackConfig(SRC, "Pulumi.test.yaml", {})).toThrow(ConfigError);
    expect(() => parseStackConfig(SRC, "Pulumi.test.yaml", {})).toThrow(
      "aws:region must be set to the stack's AWS region such as eu-west-1; fix it in Pulumi.test.yaml.",
    );
  });
});

describe("parseStackConfig: role rules", () => {
  it.each([
    [
      { role: "source" },
      'rds-pilot-light:drAccounts must list at least one DR account id when role is "source" (got unset)',
    ],
    [
      { role: "dr" },
      'rds-pilot-light:sourceAccounts must list at least one source account id when role is "dr" (got unset)',
    ],
    [{ role: "both" }, 'rds-pilot-light:drRegion must be set when role is "both"'],
    [{ ...SRC, sourceAccounts: ["111111111111"] }, 'rds-pilot-light:sourceAccounts is only used when role is "dr"'],
    [{ ...DR, drAccounts: ["222222222222"] }, 'rds-pilot-light:drAccounts is only used when role is "source"'],
    [{ role: "both", drRegion: "eu-central-1", drAccounts: ["222222222222"] }, 'is not used when role is "both"'],
    [
      { role: "source", drAccounts: Array.from({ length: 21 }, (_, i) => String(100000000000 + i)) },
      "rds-pilot-light:drAccounts lists 21 accounts; a snapshot can be shared with at most 20",
    ],
    [
      { role: "source", drAccounts: ["222222222222", "222222222222"] },
      "rds-pilot-light:drAccounts[1] repeats account 222222222222",
    ],
    [
      { ...SRC, drEventBusArns: [] },
      "rds-pilot-light:drEventBusArns is empty; remove the key to derive the buses from drAccounts",
    ],
  ])("rejects %j", (raw, message) => {
    expect(problemsOf(raw).join("\n")).toContain(message);
  });

  it("rejects a DR region equal to the stack region (role both)", () => {
    expect(problemsOf({ role: "both", drRegion: "eu-west-1" })).toEqual([
      'rds-pilot-light:drRegion equals the stack region aws:region (eu-west-1); a DR region must be a different region (got "eu-west-1"); fix it in Pulumi.test.yaml.',
    ]);
  });

  it.each([
    [
      { ...DR, copyMode: "direct" },
      'rds-pilot-light:copyMode is "direct", which copies straight into drRegion; set drRegion',
    ],
    [{ ...DR, deleteIntermediateCopy: true }, "rds-pilot-light:deleteIntermediateCopy needs drRegion"],
    [
      { ...DR, drRegion: "eu-central-1", deleteIntermediateCopy: true },
      'rds-pilot-light:deleteIntermediateCopy does not apply to copyMode "fan-out"',
    ],
    [
      { ...DR, drRegion: "eu-central-1", kms: { drRegionKeyArn: "arn:aws:kms:eu-west-1:222222222222:key/x" } },
      "rds-pilot-light:kms.drRegionKeyArn must be a key in drRegion (eu-central-1)",
    ],
    [
      { ...DR, kms: { drKeyArn: "arn:aws:kms:us-east-1:222222222222:key/x" } },
      "rds-pilot-light:kms.drKeyArn must be a key in the stack region (eu-west-1)",
    ],
    [
      { ...SRC, alerts: { topicArn: "arn:aws:sns:eu-west-1:111111111111:ops", emails: ["a@example.com"] } },
      "rds-pilot-light:alerts.topicArn and alerts.emails/alerts.httpsEndpoints are mutually exclusive",
    ],
  ])("rejects %j", (raw, message) => {
    expect(problemsOf(raw).join("\n")).toContain(message);
  });
});

describe("parseStackConfig: components", () => {
  it.each([
    ["source", ["taker", "sharer", "janitor"]],
    ["dr", ["copier", "janitor", "freshness"]],
  ])("defaults by role (%s)", (role, expected) => {
    const raw = role === "source" ? SRC : DR;
    expect(parse(raw).components).toEqual(expected);
    expect(parse(raw).componentsExplicit).toBe(false);
  });

  it("rejects unknown names, listing the valid ones", () => {
    expect(problemsOf({ ...SRC, components: ["taker", "snapper"] })).toEqual([
      'rds-pilot-light:components[1] is not a component (valid: taker, sharer, copier, janitor, restorer, freshness) (got "snapper"); fix it in Pulumi.test.yaml.',
    ]);
  });

  it("rejects components that cannot run in the role", () => {
    expect(problemsOf({ ...DR, components: ["copier", "taker"] })).toEqual([
      'rds-pilot-light:components[1] cannot deploy when role is "dr" (valid for that role: copier, janitor, restorer, freshness) (got "taker"); fix it in Pulumi.test.yaml.',
    ]);
  });

  it("keeps an explicit subset, in order, without duplicates", () => {
    const c = parse({ ...SRC, components: ["sharer", "taker", "sharer"] });
    expect(c.components).toEqual(["sharer", "taker"]);
    expect(c.componentsExplicit).toBe(true);
  });
});

describe("RPO and snapshot interval", () => {
  it.each([
    [60, 30, 30],
    [120, 30, 60],
    [90, 30, 60],
    [40, 30, 10],
    [35, 30, 5],
    [1440, 30, 720],
    [3000, 30, 1440],
  ])("rpo %i min with %i min of snapshot+copy gives a %i-minute interval", (rpo, pipeline, interval) => {
    expect(deriveIntervalMinutes(rpo, pipeline)).toBe(interval);
  });

  it("derives the interval and the fallback schedule from the RPO", () => {
    const c = parse({ ...SRC, rpoMinutes: 120, expectedSnapshotMinutes: 15, expectedCopyMinutes: 40 });
    expect(c.snapshotIntervalMinutes).toBe(60);
    expect(c.intervalExplicit).toBe(false);
    expect(c.fallbackScheduleMinutes).toBe(60);
    expect(c.warnings).toEqual([]);
  });

  it("refuses an RPO the pipeline cannot meet", () => {
    expect(problemsOf({ ...SRC, rpoMinutes: 34 })).toEqual([
      "rds-pilot-light:rpoMinutes cannot be met: expectedSnapshotMinutes (10) + expectedCopyMinutes (20) + the shortest snapshot interval (5) = 35 minutes; raise rpoMinutes to at least 35 (got 34); fix it in Pulumi.test.yaml.",
    ]);
    expect(parse({ ...SRC, rpoMinutes: 35, retention: { allHours: 1 } }).snapshotIntervalMinutes).toBe(5);
  });

  it("warns (not fails) when an explicit interval cannot meet the RPO, and keeps the interval", () => {
    const c = parse({ ...SRC, snapshotIntervalMinutes: 45, fallbackScheduleMinutes: 15 });
    expect(c.snapshotIntervalMinutes).toBe(45);
    expect(c.fallbackScheduleMinutes).toBe(15);
    expect(c.warnings).toEqual([
      "rds-pilot-light:snapshotIntervalMinutes (45) + expectedSnapshotMinutes (10) + expectedCopyMinutes (20) = 75 minutes exceeds rpoMinutes (60); recovery points will be older than the RPO. Lower snapshotIntervalMinutes to 30 or remove it in Pulumi.test.yaml.",
    ]);
    expect(parse({ ...SRC, snapshotIntervalMinutes: 30 }).warnings).toEqual([]);
  });
});

describe("manual snapshot quota", () => {
  // Default retention at a 30-minute interval keeps 49 + 13 + 7 + 5 = 74 snapshots of a DB.
  it("accepts the footprint when it fits exactly, with headroom", () => {
    expect(parse({ ...SRC, maxDbs: 2, manualSnapshotQuota: 150 }).maxDbs).toBe(2);
  });

  it("refuses retention x maxDbs above the quota", () => {
    expect(problemsOf({ ...SRC, maxDbs: 2, manualSnapshotQuota: 149 })).toEqual([
      "rds-pilot-light:retention keeps up to 74 snapshots per DB at a 30-minute interval; × 2 DBs + headroom 2 = 150, above manualSnapshotQuota (149); shorten retention, lower maxDbs, or raise the RDS quota (service quota L-272F1212) and manualSnapshotQuota; fix it in Pulumi.test.yaml.",
    ]);
  });

  it("counts every source account's DBs in the DR account", () => {
    const many = { role: "dr", sourceAccounts: ["111111111111", "333333333333"], maxDbs: 1 };
    expect(problemsOf({ ...many, manualSnapshotQuota: 149 })[0]).toContain(
      "× 2 DBs (maxDbs 1 × 2 source accounts) + headroom 2 = 150",
    );
    expect(parse({ ...many, manualSnapshotQuota: 150 }).sourceAccounts).toHaveLength(2);
  });

  it("a shorter retention fits the default quota", () => {
    const c = parse({
      ...SRC,
      maxDbs: 4,
      retention: { allHours: 6, dailyDays: 7, weeklyWeeks: 4, monthlyMonths: 3, minKeep: 3 },
    });
    expect(c.retention).toEqual({ allHours: 6, dailyDays: 7, weeklyWeeks: 4, monthlyMonths: 3, minKeep: 3 });
  });
});

describe("defaults", () => {
  it("fills every default for a minimal source stack", () => {
    const c = parse(SRC);
    expect(c).toMatchObject({
      role: "source",
      region: "eu-west-1",
      drEventBusArns: ["arn:aws:events:eu-west-1:222222222222:event-bus/rds-pilot-light"],
      dbIdRegex: ".*",
      rpoMinutes: 60,
      snapshotIntervalMinutes: 30,
      janitorScheduleMinutes: 60,
      retention: DEFAULTS.retention,
      manualSnapshotQuota: 100,
      quotaHeadroom: 2,
      maxDbs: 1,
      copyMode: "fan-out",
      maxCopiesInFlight: 5,
      maxCopiesInFlightPerDb: 1,
      deleteIntermediateCopy: false,
      kms: {},
      alerts: { emails: [], httpsEndpoints: [] },
      logRetentionDays: 30,
      retiredDbs: [],
    });
    expect(c.optInTag).toBeUndefined();
    expect(c.drRegion).toBeUndefined();
  });

  it("passes the restore block through untouched", () => {
    const restore = { targetVpc: "vpc-1", anything: { nested: [1, 2] } };
    expect(parse({ ...DR, restore }).restore).toEqual(restore);
  });
});

describe("handlerEnvironment", () => {
  const src = parse({ ...SRC, optInTag: "dr", drAccounts: ["222222222222", "444444444444"] });
  const dr = parse({
    ...DR,
    drRegion: "eu-central-1",
    copyMode: "direct",
    deleteIntermediateCopy: true,
    maxCopiesInFlight: 20,
  });
  const common = (step: string) => ({
    POWERTOOLS_SERVICE_NAME: `rds-pilot-light-${step}`,
    POWERTOOLS_METRICS_NAMESPACE: "RdsPilotLight",
  });

  it("take", () => {
    expect(handlerEnvironment(src, "take")).toEqual({
      ...common("take"),
      RPL_DB_ID_REGEX: ".*",
      RPL_OPT_IN_TAG: "dr",
      RPL_INTERVAL_MINUTES: "30",
      RPL_QUOTA_HEADROOM: "2",
    });
  });
  it("share", () => {
    expect(handlerEnvironment(src, "share")).toEqual({
      ...common("share"),
      RPL_DR_ACCOUNTS: "222222222222,444444444444",
      RPL_DR_EVENT_BUS_ARNS:
        "arn:aws:events:eu-west-1:222222222222:event-bus/rds-pilot-light,arn:aws:events:eu-west-1:444444444444:event-bus/rds-pilot-light",
    });
  });
  it.each(["copy", "check"] as const)("%s", (step) => {
    expect(handlerEnvironment(dr, step, { drKmsKeyArn: "K1", drRegionKmsKeyArn: "K2" })).toEqual({
      ...common(step),
      RPL_SOURCE_ACCOUNTS: "111111111111",
      RPL_DR_KMS_KEY_ARN: "K1",
      RPL_DR_REGION: "eu-central-1",
      RPL_DR_REGION_KMS_KEY_ARN: "K2",
      RPL_COPY_MODE: "direct",
      RPL_MAX_COPIES_IN_FLIGHT: "20",
      RPL_MAX_COPIES_IN_FLIGHT_PER_DB: "1",
      RPL_DELETE_INTERMEDIATE: "true",
      RPL_COPY_WINDOW_HOURS: String(copyWindowHours(dr)),
      RPL_EXPECTED_COPY_MINUTES: "20",
    });
  });
  it.each(["copy", "check"] as const)("%s of a both stack: the account is its own source, DR region set", (step) => {
    const both = parse({ role: "both", drRegion: "eu-central-1" });
    const refs = { drKmsKeyArn: "K1", drRegionKmsKeyArn: "K2", accountId: "555555555555" };
    expect(handlerEnvironment(both, step, refs)).toEqual({
      ...common(step),
      RPL_SOURCE_ACCOUNTS: "555555555555",
      RPL_DR_KMS_KEY_ARN: "K1",
      RPL_DR_REGION: "eu-central-1",
      RPL_DR_REGION_KMS_KEY_ARN: "K2",
      RPL_COPY_MODE: "fan-out",
      RPL_MAX_COPIES_IN_FLIGHT: "5",
      RPL_MAX_COPIES_IN_FLIGHT_PER_DB: "1",
      RPL_DELETE_INTERMEDIATE: "false",
      RPL_COPY_WINDOW_HOURS: String(copyWindowHours(both)),
      RPL_EXPECTED_COPY_MINUTES: "20",
    });
    expect(() => handlerEnvironment(both, step, { drKmsKeyArn: "K1", drRegionKmsKeyArn: "K2" })).toThrow(
      `handlerEnvironment(${step}) needs accountId`,
    );
  });
  it.each([24, 72, 6])(
    "derives RPL_COPY_WINDOW_HOURS from the DR retention.allHours %d minus copy time and one interval",
    (allHours) => {
      const c = parse({
        role: "dr",
        sourceAccounts: ["111111111111"],
        retention: { allHours, dailyDays: 7, weeklyWeeks: 0, monthlyMonths: 0, minKeep: 3 },
        manualSnapshotQuota: 500,
      });
      const expected = Math.floor((allHours * 60 - c.expectedCopyMinutes - c.snapshotIntervalMinutes) / 60);
      expect(expected).toBeGreaterThan(0);
      expect(copyWindowHours(c)).toBe(expected);
      expect(handlerEnvironment(c, "copy", { drKmsKeyArn: "K1" }).RPL_COPY_WINDOW_HOURS).toBe(String(expected));
    },
  );
  it.each([0, 1])("rejects a DR retention.allHours of %d: it leaves no copy window, naming the field", (allHours) => {
    const c = parse({
      role: "dr",
      sourceAccounts: ["111111111111"],
      retention: { allHours, dailyDays: 7, weeklyWeeks: 0, monthlyMonths: 0, minKeep: 3 },
      manualSnapshotQuota: 500,
    });
    expect(() => copyWindowHours(c)).toThrow(
      /^rds-pilot-light:retention\.allHours \(\d+\) leaves the Copier no copy window/,
    );
  });
  it("expire, per stage", () => {
    expect(handlerEnvironment(src, "expire", { stage: "source" })).toEqual({
      ...common("expire"),
      RPL_STAGE: "source",
      RPL_REGIONS: "eu-west-1",
      RPL_RETENTION: JSON.stringify(DEFAULTS.retention),
    });
    expect(handlerEnvironment(dr, "expire", { stage: "dr" }).RPL_REGIONS).toBe("eu-west-1,eu-central-1");
    const both = parse({ role: "both", drRegion: "eu-central-1" });
    expect(handlerEnvironment(both, "expire", { stage: "dr" }).RPL_REGIONS).toBe("eu-central-1");
    expect(
      handlerEnvironment(both, "copy", { drKmsKeyArn: "K1", drRegionKmsKeyArn: "K2", accountId: "555555555555" })
        .RPL_SOURCE_ACCOUNTS,
    ).toBe("555555555555");
  });
  it("refuses to build an environment the handler would reject", () => {
    expect(() => handlerEnvironment(dr, "copy", { drKmsKeyArn: "K1" })).toThrow(
      "handlerEnvironment(copy) needs drRegionKmsKeyArn",
    );
    expect(() => handlerEnvironment(src, "expire")).toThrow("handlerEnvironment(expire) needs stage");
  });
});

describe("schedules and plan", () => {
  it("uses rate(1 minute) in the singular", () => {
    expect(rateExpression(1)).toBe("rate(1 minute)");
    expect(rateExpression(30)).toBe("rate(30 minutes)");
  });

  it.each<[Record<string, unknown>, Record<string, string>]>([
    [SRC, { taker: "rate(30 minutes)", sharer: "rate(30 minutes)", janitor: "rate(60 minutes)" }],
    [
      { ...DR, fallbackScheduleMinutes: 10, janitorScheduleMinutes: 360 },
      { copier: "rate(10 minutes)", janitor: "rate(360 minutes)" },
    ],
    [{ role: "both", drRegion: "eu-central-1", components: ["taker"] }, { taker: "rate(30 minutes)" }],
  ])("schedulesFor(%j)", (raw, expected) => {
    expect(schedulesFor(parse(raw))).toEqual(expected);
  });

  it.each<[Record<string, unknown>, Partial<ReturnType<typeof deploymentPlan>>]>([
    [
      SRC,
      {
        janitorStages: ["source"],
        keys: { createSource: true, createDrHome: false, createDrRegion: false },
        drEventBus: false,
        eventRules: { sharer: true, copier: false },
        alerts: "create",
      },
    ],
    [
      { ...DR, drRegion: "eu-central-1", kms: { drKeyArn: "arn:aws:kms:eu-west-1:222222222222:key/x" } },
      {
        janitorStages: ["dr"],
        keys: { createSource: false, createDrHome: false, createDrRegion: true },
        drEventBus: true,
        eventRules: { sharer: false, copier: true },
      },
    ],
    [
      { role: "both", drRegion: "eu-central-1", alerts: { topicArn: "arn:aws:sns:eu-west-1:555555555555:ops" } },
      {
        components: ["taker", "copier", "janitor", "freshness"],
        janitorStages: ["source", "dr"],
        keys: { createSource: true, createDrHome: true, createDrRegion: true },
        drEventBus: false,
        alerts: "existing",
      },
    ],
  ])("deploymentPlan(%j)", (raw, expected) => {
    expect(deploymentPlan(parse(raw))).toMatchObject(expected);
  });

  it("copy check loop waits 5 to copyCheckMaxWaitMinutes between checks, for at least an hour of waiting", () => {
    // 4 x 20 min of waiting; at most as many checks as 5-minute waits fill.
    expect(copyCheckLoop(parse(DR))).toEqual({
      waitSeconds: 300,
      maxWaitSeconds: 1800,
      budgetSeconds: 4800,
      maxChecks: 16,
    });
    expect(copyCheckLoop(parse({ ...DR, expectedCopyMinutes: 5 }))).toMatchObject({
      budgetSeconds: 3600,
      maxChecks: 12,
    });
    expect(copyCheckLoop(parse({ ...DR, rpoMinutes: 240, expectedCopyMinutes: 120 }))).toMatchObject({
      waitSeconds: 300,
      budgetSeconds: 28_800,
      maxChecks: 96,
    });
    expect(copyCheckLoop(parse({ ...DR, copyCheckMaxWaitMinutes: 5 }))).toMatchObject({ maxWaitSeconds: 300 });
  });

  it.each([
    [4, "copyCheckMaxWaitMinutes must be at least 5 minutes"],
    [1441, "copyCheckMaxWaitMinutes must be at most 1440 minutes (one day)"],
    [7.5, "copyCheckMaxWaitMinutes must be a whole number of minutes"],
  ])("refuses copyCheckMaxWaitMinutes %s, naming the field", (value, message) => {
    expect(() => parse({ ...DR, copyCheckMaxWaitMinutes: value })).toThrow(message);
  });
});

describe("stack files", () => {
  it("Pulumi.prod.yaml is a valid source stack", () => {
    const c: PilotLightConfig = loadStackFile(path.join(ROOT, "Pulumi.prod.yaml"));
    expect(c).toMatchObject({
      role: "source",
      region: "eu-west-1",
      drAccounts: ["222222222222"],
      snapshotIntervalMinutes: 30,
    });
    expect(c.source).toBe("Pulumi.prod.yaml");
    expect(c.warnings).toEqual([]);
  });

  it("Pulumi.drprod.yaml is a valid DR stack copying into eu-central-1", () => {
    const c = loadStackFile(path.join(ROOT, "Pulumi.drprod.yaml"));
    expect(c).toMatchObject({
      role: "dr",
      region: "eu-west-1",
      sourceAccounts: ["111111111111"],
      drRegion: "eu-central-1",
    });
    expect(c.warnings).toEqual([]);
  });

  it("Pulumi.yaml runs index.ts with tsx, not ts-node", () => {
    const project = parseYaml(readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8"));
    expect(project.name).toBe("rds-pilot-light");
    expect(project.runtime).toEqual({ name: "nodejs", options: { typescript: false, nodeargs: "--import tsx" } });
  });

  it("Pulumi.yaml declares only schema keys, with the schema's defaults", () => {
    const project = parseYaml(readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as {
      config: Record<string, { type: string; description: string; default?: unknown }>;
    };
    for (const [key, decl] of Object.entries(project.config)) {
      expect(CONFIG_KEYS).toContain(key);
      expect(decl.description.length, key).toBeGreaterThan(10);
      if (key !== "role") expect(decl.default, key).toEqual(DEFAULTS[key as keyof typeof DEFAULTS]);
    }
    expect(project.config.role?.default).toBeUndefined();
  });
});
