import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadStackFile } from "../../config";
import { DEFAULT_COPY_THROUGHPUT } from "../../config/assumptions";
import { DEFAULT_SCENARIO_YAML } from "../../sim/defaultScenario";
import { copyThroughputOf } from "../../sim/durations";
import { defaultScenario, loadScenario, parseScenario, parseScenarioText } from "../../sim/scenario";
import { parseSchedule } from "../../sim/schedule";

// biome-ignore lint/suspicious/noExplicitAny: the tests break scenario documents in arbitrary ways.
type Raw = Record<string, any>;
const SRC = "/tmp/scenarios/bad.yaml";
const valid = () => ({
  name: "t",
  stacks: [{ file: "../Pulumi.prod.yaml", account: "111111111111" }],
  days: 1,
  dbs: { "111111111111": [{ id: "orders-db", sizeGb: 10 }] },
});

describe("parseScenario", () => {
  it("fills defaults and resolves stack files against the scenario's directory", () => {
    const s = parseScenario(valid(), SRC);
    expect(s.stacks[0]!.file).toBe("/tmp/Pulumi.prod.yaml");
    expect(s.seed).toBe(1);
    expect(s.warmupHours).toBe(6);
    expect(s.triggers).toEqual({ events: true, copyCheckLoop: true, schedules: {} });
    expect(s.dbs["111111111111"]![0]).toMatchObject({ kind: "instance", changePercentPerHour: 1, tags: {} });
    expect(s.faults.throttleRate).toBe(0);
    expect(s.aws).toEqual({ copiesInFlightPerRegion: 20 });
  });

  it("reads the API budget and copy throughput, converting the older copy keys to GB per hour", () => {
    const s = parseScenario(
      {
        ...valid(),
        aws: { apiRateLimit: { burst: 300, refillPerSecond: 12 }, copiesInFlightPerRegion: 5 },
        durations: { copy: { fixedMinutes: 5, minutesPerGb: 0.1, crossRegionFactor: 1.5, jitter: 0 } },
      },
      SRC,
    );
    expect(s.aws).toEqual({ apiRateLimit: { burst: 300, refillPerSecond: 12 }, copiesInFlightPerRegion: 5 });
    expect(copyThroughputOf(s.durations.copy)).toEqual({
      sameRegionGbPerHour: 600,
      crossRegionGbPerHour: 400,
      fixedMinutes: 5,
      jitter: 0,
    });
    expect(copyThroughputOf(parseScenario(valid(), SRC).durations.copy)).toEqual(DEFAULT_COPY_THROUGHPUT);
  });

  it("accepts throttle rates per service", () => {
    const r = valid() as Raw;
    r.faults = { throttleRate: { rds: 0.1, kms: 0.02 } };
    expect(parseScenario(r, SRC).faults.throttleRate).toEqual({ rds: 0.1, kms: 0.02 });
  });

  it.each([
    [
      "a negative size",
      (r: Raw) => (r.dbs["111111111111"][0].sizeGb = -5),
      "dbs.111111111111[0].sizeGb: must be a number > 0 (got -5)",
    ],
    ["a short account id", (r: Raw) => (r.dbs = { "1234": [{ id: "x", sizeGb: 1 }] }), "dbs.1234"],
    ["an unknown key", (r: Raw) => (r.colour = "red"), "colour"],
    [
      "a bad DB identifier",
      (r: Raw) => (r.dbs["111111111111"][0].id = "9db"),
      "dbs.111111111111[0].id: must be an RDS identifier",
    ],
    [
      "a per-service throttle rate above 1",
      (r: Raw) => (r.faults = { throttleRate: { kms: 1.5 } }),
      "faults.throttleRate",
    ],
    [
      "a throttle rate above 1",
      (r: Raw) => (r.faults = { throttleRate: 2 }),
      "faults.throttleRate: must be a fraction from 0 to 1 (got 2)",
    ],
    [
      "an outage naming nothing",
      (r: Raw) => (r.faults = { outages: [{ startHours: 1, hours: 1 }] }),
      "faults.outages[0]: must name exactly one of account, region or stateMachine",
    ],
    [
      "an outage naming a region and an account",
      (r: Raw) => (r.faults = { outages: [{ region: "eu-west-1", account: "111111111111", startHours: 1, hours: 1 }] }),
      "faults.outages[0]: must name exactly one of account, region or stateMachine",
    ],
    [
      "a drill validator answer that is not pass, fail or error",
      (r: Raw) => (r.recovery = { drillValidator: { answer: "maybe" } }),
      "recovery.drillValidator.answer",
    ],
    [
      "an expected RPO miss that is not account/dbId",
      (r: Raw) => (r.recovery = { expectMissedRpo: ["orders-db"] }),
      "recovery.expectMissedRpo[0]: must be account/dbId",
    ],
    [
      "a bad schedule expression",
      (r: Raw) => (r.triggers = { schedules: { taker: "every hour" } }),
      "triggers.schedules.taker: must be a schedule expression",
    ],
    ["missing days", (r: Raw) => delete r.days, "days:"],
    [
      "an API budget without refill",
      (r: Raw) => (r.aws = { apiRateLimit: { burst: 10, refillPerSecond: 0 } }),
      "aws.apiRateLimit.refillPerSecond: must be a number > 0 (got 0)",
    ],
    [
      "a deleted DB that does not exist",
      (r: Raw) => (r.faults = { deleteDbs: [{ account: "111111111111", id: "nope", atHours: 1 }] }),
      'faults.deleteDbs[0]: no DB "nope" in account 111111111111',
    ],
    [
      "a DB listed twice",
      (r: Raw) => r.dbs["111111111111"].push({ id: "orders-db", sizeGb: 1 }),
      'dbs.111111111111[1].id: "orders-db" is listed twice',
    ],
  ])("rejects %s with an error naming the file and the field", (_what, mutate, expected) => {
    const raw = valid() as Raw;
    mutate(raw);
    let message = "";
    try {
      parseScenario(raw, SRC);
    } catch (err) {
      message = (err as Error).message;
      expect((err as Error).name).toBe("ConfigError");
    }
    expect(message).toContain(SRC);
    expect(message).toContain(expected);
  });

  it("reports invalid YAML with its line", () => {
    expect(() => parseScenarioText("name: [unclosed\n", SRC)).toThrow(
      /scenario \/tmp\/scenarios\/bad.yaml line \d+ is not valid YAML/,
    );
  });

  it("names the file it cannot read", () => {
    expect(() => loadScenario("/nonexistent/s.yaml")).toThrow(/cannot read scenario \/nonexistent\/s.yaml/);
  });

  it("embeds exactly scenarios/default.yaml", () => {
    const path = resolve(__dirname, "../../scenarios/default.yaml");
    expect(DEFAULT_SCENARIO_YAML).toBe(readFileSync(path, "utf8"));
    expect(defaultScenario()).toEqual(loadScenario(path));
  });

  it.each(["default.yaml", "seed-schedule.yaml", "faults.yaml", "twenty-dbs.yaml"])(
    "ships a valid scenarios/%s",
    (file) => {
      const s = loadScenario(resolve(__dirname, "../../scenarios", file));
      expect(s.stacks.length).toBeGreaterThan(0);
    },
  );

  it("ships the 20-DB scale scenario: a week of 12 instances and 8 Aurora clusters on stacks that parse", () => {
    const s = loadScenario(resolve(__dirname, "../../scenarios/twenty-dbs.yaml"));
    const dbs = Object.values(s.dbs).flat();
    expect(s.days).toBe(7);
    expect(new Set(dbs.map((d) => d.id)).size).toBe(20);
    expect(dbs.filter((d) => d.kind === "cluster")).toHaveLength(8);
    for (const stack of s.stacks) expect(loadStackFile(stack.file).maxDbs).toBeGreaterThanOrEqual(20);
  });
});

describe("parseSchedule", () => {
  const start = Date.parse("2026-01-05T00:00:00Z"); // a Monday
  it("fires rate schedules every period from the deployment", () => {
    const s = parseSchedule("rate(90 minutes)", start);
    expect(new Date(s.next(start)!).toISOString()).toBe("2026-01-05T01:30:00.000Z");
    expect(new Date(s.next(start + 90 * 60_000)!).toISOString()).toBe("2026-01-05T03:00:00.000Z");
  });

  it("fires weekday cron schedules on weekdays only", () => {
    const s = parseSchedule("cron(0 3 ? * MON-FRI *)", start);
    const fires: string[] = [];
    let t = start;
    for (let i = 0; i < 6; i++) {
      t = s.next(t)!;
      fires.push(new Date(t).toISOString().slice(0, 13));
    }
    expect(fires).toEqual([
      "2026-01-05T03",
      "2026-01-06T03",
      "2026-01-07T03",
      "2026-01-08T03",
      "2026-01-09T03",
      "2026-01-12T03",
    ]);
  });

  it.each([
    ["cron(0 3 * * *)", "must have 6 fields"],
    ["cron(0 3 L * ? *)", "uses L, W or #"],
    ["cron(0 25 * * ? *)", 'hours field "25" has "25"'],
    ["every 5 minutes", "unsupported schedule expression"],
  ])("rejects %s", (expr, message) => {
    expect(() => parseSchedule(expr, start)).toThrow(message);
  });
});
