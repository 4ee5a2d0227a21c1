/**
 * Drills that prove the data: the real restore definition (validated with asl-validator) executed with
 * aws-local-stepfunctions, the real restorer handler on the RDS model, and a fake validation Lambda. Whatever the
 * validation says (passed, failed, threw, timed out, answered nonsense), the drill's DBs are deleted.
 */
import aslValidator from "asl-validator";
import { beforeEach, describe, expect, it } from "vitest";
import {
  buildRestoreDefinition,
  RESTORE_STATES,
  type RestoreMachineOptions,
} from "../../components/shared/restoreStateMachine";
import { LAMBDA_SERVICE_ERRORS } from "../../components/shared/stateMachines";
import type { RestoreConfig } from "../../functions/restore/config";
import { DRILL_EVENT, makeHandler, type RestoreEvent } from "../../functions/restore/handler";
import { RdsWorld } from "../../sim/aws/rdsModel";
import { runStateMachine, type TaskHandler } from "../../sim/localStepFunctions";
import { copyTags, DR, DR_REGION, type RecordedMetric, spyObservability } from "../helpers/restoreFixtures";

const FN = `arn:aws:lambda:${DR_REGION}:${DR}:function:restorer`;
const VALIDATOR = `arn:aws:lambda:${DR_REGION}:${DR}:function:drill-check`;
const T0 = new Date("2026-11-25T06:00:00Z");
const TARGET = "rpl-drill-orders-202611250600";

const CONFIG: RestoreConfig = {
  region: DR_REGION,
  restoreRegion: DR_REGION,
  subnetGroup: "dr-db-subnets",
  securityGroupIds: [],
  instanceClass: "db.t4g.medium",
  multiAz: false,
  namePrefix: "",
  retired: [],
};

let now: Date;
let world: RdsWorld;
let metrics: RecordedMetric[];
let validatorCalls: unknown[];

function definition(o: Partial<RestoreMachineOptions> = {}) {
  return buildRestoreDefinition({
    functionArn: FN,
    rtoMinutes: 240,
    waitSeconds: 60,
    retry: { maxAttempts: 0 },
    validationFunctionArn: VALIDATOR,
    ...o,
  });
}

/** Runs a drill of `orders`; the validator takes `minutes` of virtual time, then answers with `answer()`. */
async function drill(answer: () => Promise<unknown>, minutes = 7, o: Partial<RestoreMachineOptions> = {}) {
  const spy = spyObservability();
  metrics = spy.metrics;
  const handler = makeHandler({ clients: world.clients(DR), clock: () => now, config: CONFIG, obs: spy.obs });
  const handlers: Record<string, TaskHandler> = { [FN]: (p) => handler(p as RestoreEvent) };
  if (o.validationFunctionArn !== undefined || !("validationFunctionArn" in o)) {
    handlers[o.validationFunctionArn ?? VALIDATOR] = async (p) => {
      validatorCalls.push(p);
      now = new Date(now.getTime() + minutes * 60_000);
      return answer();
    };
  }
  return runStateMachine(definition(o), {
    handlers,
    input: { mode: "drill", dbIds: ["orders"] },
    onWait: (seconds) => {
      now = new Date(now.getTime() + seconds * 1000);
      return 0;
    },
  });
}

const drillDbs = () => world.dbs(DR, DR_REGION).map((d) => d.id);
const metric = (name: string) => metrics.filter((m) => m.name === name).map((m) => m.value);

beforeEach(() => {
  now = T0;
  validatorCalls = [];
  world = new RdsWorld({ clock: () => now, timing: { restoreMinutes: () => 25 } });
  const rp = new Date("2026-11-25T04:00:00Z");
  world.addSnapshot(DR, DR_REGION, {
    kind: "instance",
    id: "rpl-111111111111-orders-20261125-0400",
    dbId: "orders",
    createdAt: new Date(rp.getTime() + 20 * 60_000),
    tags: copyTags("orders", rp),
    sizeGb: 100,
    engine: "postgres",
  });
});

describe("restore definition with a drill validation Lambda", () => {
  it("is valid ASL, and the validation task has a timeout, retries only Lambda service faults and catches all", () => {
    const d = definition({ validationTimeoutSeconds: 300 });
    const { isValid, errorsText } = aslValidator(structuredClone(d) as never, { checkPaths: true, checkArn: true });
    expect(errorsText("\n")).toBe("");
    expect(isValid).toBe(true);
    const states = d.States as Record<string, Record<string, unknown>>;
    expect(states[RESTORE_STATES.announce]!.Next).toBe(RESTORE_STATES.validate);
    expect(states[RESTORE_STATES.validate]).toMatchObject({
      Type: "Task",
      Resource: "arn:aws:states:::lambda:invoke",
      Parameters: {
        FunctionName: VALIDATOR,
        Payload: { "drillId.$": "$.drill.id", "region.$": "$.region", "restored.$": "$.result.restored" },
      },
      TimeoutSeconds: 300,
      ResultPath: "$.validation",
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.validationError", Next: RESTORE_STATES.recordDrill }],
      Next: RESTORE_STATES.recordDrill,
    });
  });

  it("has no validation task when none is configured: announce goes straight to the verdict", () => {
    const states = buildRestoreDefinition({ functionArn: FN, rtoMinutes: 240 }).States as Record<
      string,
      Record<string, unknown>
    >;
    expect(states[RESTORE_STATES.validate]).toBeUndefined();
    expect(states[RESTORE_STATES.announce]!.Next).toBe(RESTORE_STATES.recordDrill);
  });

  it("retries the validation only on Lambda service errors", () => {
    const states = buildRestoreDefinition({
      functionArn: FN,
      rtoMinutes: 240,
      validationFunctionArn: VALIDATOR,
    }).States as Record<string, { Retry?: { ErrorEquals: string[] }[] }>;
    expect(states[RESTORE_STATES.validate]!.Retry![0]!.ErrorEquals).toEqual(LAMBDA_SERVICE_ERRORS);
  });

  it.each<[Partial<RestoreMachineOptions>, string]>([
    [{ validationFunctionArn: "drill-check" }, "validationFunctionArn must be a Lambda function ARN"],
    [{ validationTimeoutSeconds: 0 }, "validationTimeoutSeconds"],
    [{ validationTimeoutSeconds: 901 }, "validationTimeoutSeconds"],
  ])("rejects %j naming the option", (override, fragment) => {
    expect(() => definition(override)).toThrow(fragment);
  });
});

describe("restore state machine: drill validation", () => {
  it("announces the restored drill, passes when the validation passes, counts validation in the RTO, cleans up", async () => {
    const r = await drill(async () => ({ passed: true, reason: "row counts match" }), 7);

    expect(r.status).toBe("SUCCEEDED");
    // The event names the drill, the DB and the restored endpoint.
    expect(world.putEvents).toHaveLength(1);
    const e = world.putEvents[0]!;
    expect(e.region).toBe(DR_REGION);
    expect(e.entry).toMatchObject({ Source: DRILL_EVENT.source, DetailType: DRILL_EVENT.detailType });
    const detail = JSON.parse(e.entry.Detail!);
    expect(detail).toMatchObject({
      drillId: "drill-20261125T060000Z",
      region: DR_REGION,
      restored: [{ db: "111111111111/orders", targetId: TARGET, recoveryPoint: "2026-11-25T04:00:00.000Z" }],
    });
    expect(typeof detail.restored[0].address).toBe("string");
    // The validator got the same drill id and endpoints, while the DB still existed.
    expect(validatorCalls).toEqual([
      expect.objectContaining({
        drillId: "drill-20261125T060000Z",
        region: DR_REGION,
        restored: [expect.objectContaining({ targetId: TARGET, address: detail.restored[0].address })],
      }),
    ]);
    expect(r.output).toMatchObject({
      mode: "drill",
      elapsedMinutes: 32,
      drill: {
        id: "drill-20261125T060000Z",
        validation: "passed",
        passed: true,
        reason: "row counts match",
        restoreMinutes: 25,
        validationMinutes: 7,
      },
    });
    expect(metric("RestoreDurationMinutes")).toEqual([32]);
    expect(metric("DrillSucceeded")).toEqual([1]);
    expect(metric("DrillValidationMinutes")).toEqual([7]);
    expect(drillDbs()).toEqual([]);
    expect(r.states.indexOf(RESTORE_STATES.validate)).toBeLessThan(r.states.indexOf(RESTORE_STATES.cleanup));
  });

  it("fails the drill with the validator's reason when it answers passed: false, and still cleans up", async () => {
    const r = await drill(async () => ({ passed: false, reason: "orders table is empty" }));

    expect(r.status).toBe("FAILED");
    expect(r.error).toBe("DrillValidationFailed");
    expect(r.cause).toBe("orders table is empty");
    expect(r.states).toContain(RESTORE_STATES.cleanup);
    expect(r.states.at(-1)).toBe(RESTORE_STATES.drillFailed);
    expect(drillDbs()).toEqual([]);
    expect(world.callCount("DeleteDBInstance")).toBe(1);
    expect(metric("DrillSucceeded")).toEqual([0]);
    expect(metric("RestoreDurationMinutes")).toEqual([32]);
  });

  it("fails the drill when the validator throws, and still cleans up", async () => {
    const r = await drill(async () => {
      const err = new Error("connection refused");
      err.name = "ValidationConnectError";
      throw err;
    });

    expect(r.status).toBe("FAILED");
    expect(r.error).toBe("DrillValidationFailed");
    expect(r.cause).toBe("the validation Lambda failed: ValidationConnectError: connection refused");
    expect(drillDbs()).toEqual([]);
    expect(metric("DrillSucceeded")).toEqual([0]);
  });

  it("fails the drill when the validator answers something other than { passed, reason? }", async () => {
    const r = await drill(async () => ({ ok: "yes" }));

    expect(r.status).toBe("FAILED");
    expect(r.error).toBe("DrillValidationFailed");
    expect(r.cause).toContain('answered {"ok":"yes"}, not { passed: boolean, reason?: string }');
    expect(drillDbs()).toEqual([]);
  });

  it("fails the drill when the validator outlives TimeoutSeconds, and still cleans up", async () => {
    // A validator that never answers; the Task's 1-second timeout (real time: the test's only wait) ends it.
    const r = await drill(() => new Promise(() => {}), 0, { validationTimeoutSeconds: 1 });

    expect(r.status).toBe("FAILED");
    expect(r.error).toBe("DrillValidationFailed");
    expect(r.cause).toBe("the validation Lambda timed out");
    expect(r.states).toContain(RESTORE_STATES.cleanup);
    expect(drillDbs()).toEqual([]);
    expect(metric("DrillSucceeded")).toEqual([0]);
  });

  it("passes once the DBs are available when no validation Lambda is configured (event still sent)", async () => {
    const r = await drill(async () => ({ passed: false }), 0, { validationFunctionArn: undefined });

    expect(r.status).toBe("SUCCEEDED");
    expect(validatorCalls).toEqual([]);
    expect(world.putEvents).toHaveLength(1);
    expect(r.output).toMatchObject({ elapsedMinutes: 25, drill: { validation: "none", passed: true } });
    expect(metric("DrillSucceeded")).toEqual([1]);
    expect(drillDbs()).toEqual([]);
  });

  it("fails the drill and cleans up when the drill event cannot be sent", async () => {
    world.faults = { accessDenied: ({ command }) => command === "PutEvents" };

    const r = await drill(async () => ({ passed: true }));

    expect(r.status).toBe("FAILED");
    expect(validatorCalls).toEqual([]);
    expect(r.states).toContain(RESTORE_STATES.cleanupAfterFailure);
    expect(drillDbs()).toEqual([]);
    expect(metric("DrillSucceeded")).toEqual([0]);
  });
});
