import { describe, expect, it } from "vitest";
import { parseCopyScope, SHARED_DETAIL_TYPE } from "../../functions/copy/event";
import { ConfigError } from "../../functions/lib/errors";

const ARN = "arn:aws:rds:eu-west-1:111122223333:snapshot:rpl-orders-20260301-1000";
const CLUSTER_ARN = "arn:aws:rds:eu-west-1:111122223333:cluster-snapshot:rpl-aurora-20260301-1000";

describe("parseCopyScope", () => {
  it.each([
    ["nothing", undefined, { kind: "sweep" }],
    ["an empty object", {}, { kind: "sweep" }],
    ["a scheduled event", { "detail-type": "Scheduled Event", detail: {} }, { kind: "sweep" }],
    ["a snapshotArn", { snapshotArn: ARN }, { kind: "snapshot", snapshotArn: ARN }],
    ["a cluster snapshotArn", { snapshotArn: CLUSTER_ARN }, { kind: "snapshot", snapshotArn: CLUSTER_ARN }],
    ["a dbId (lowercased like RDS)", { dbId: "Orders" }, { kind: "db", dbId: "orders" }],
    [
      "a sweep's multi-DB item (dbIds win over the naming dbId)",
      { dbId: "Billing", dbKind: "cluster", dbIds: ["Billing", "orders", "orders"], pauseSeconds: 3 },
      { kind: "dbs", dbIds: ["billing", "orders"], dbKind: "cluster" },
    ],
    [
      "the Sharer's event",
      { "detail-type": SHARED_DETAIL_TYPE, source: "rds-pilot-light", detail: { snapshotArn: ARN, dbId: "orders" } },
      { kind: "snapshot", snapshotArn: ARN },
    ],
  ])("reads %s", (_n, event, scope) => {
    expect(parseCopyScope(event)).toEqual(scope);
  });

  it.each([
    ["a string", "sweep", /copy input must be an object/],
    ["an array", [ARN], /copy input must be an object/],
    [
      "a snapshot id instead of an ARN",
      { snapshotArn: "rpl-orders-20260301-1000" },
      /copy input snapshotArn must be the ARN/,
    ],
    ["an instance ARN", { snapshotArn: "arn:aws:rds:eu-west-1:111122223333:db:orders" }, /snapshotArn must be the ARN/],
    [
      "the share event without its ARN",
      { "detail-type": SHARED_DETAIL_TYPE, detail: {} },
      /detail\.snapshotArn must be the ARN/,
    ],
    ["a non-string ARN in the event", { detail: { snapshotArn: 42 } }, /detail\.snapshotArn .*\(got 42\)/],
    ["both scopes", { snapshotArn: ARN, dbId: "orders" }, /sets both snapshotArn and dbId/],
    ["a snapshotArn and dbIds", { snapshotArn: ARN, dbIds: ["orders"] }, /sets both snapshotArn and dbId/],
    ["empty dbIds", { dbIds: [] }, /copy input dbIds must be 1 to 50 DB instance or cluster identifiers \(got \[\]\)/],
    ["a bad dbId", { dbId: "1-bad" }, /copy input dbId must be a DB instance or cluster identifier/],
  ])("rejects %s, naming the field", (_n, event, message) => {
    expect(() => parseCopyScope(event)).toThrow(ConfigError);
    expect(() => parseCopyScope(event)).toThrow(message);
  });
});
