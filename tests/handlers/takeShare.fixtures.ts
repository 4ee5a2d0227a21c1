/**
 * Fixtures shared by the take/share unit and handler tests: model objects, SDK-shaped objects, and HandlerDeps
 * built from real SDK clients (mocked by aws-sdk-client-mock) with a fixed clock and spy observability.
 */
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { KMSClient } from "@aws-sdk/client-kms";
import {
  type DBCluster,
  type DBClusterSnapshot,
  type DBInstance,
  type DBSnapshot,
  RDSClient,
  type Tag,
} from "@aws-sdk/client-rds";
import { vi } from "vitest";
import type { AwsClients } from "../../functions/lib/clients";
import type { HandlerDeps } from "../../functions/lib/lambda";
import type { Db, DbKind, Snapshot } from "../../functions/lib/model";
import type { Observability } from "../../functions/lib/powertools";
import { MANAGED_BY_VALUE, recordToTags, TAG } from "../../functions/lib/tags";

export const ACCOUNT = "111122223333";
export const REGION = "eu-west-1";

export function dbArn(kind: DbKind, id: string): string {
  return `arn:aws:rds:${REGION}:${ACCOUNT}:${kind === "cluster" ? "cluster" : "db"}:${id}`;
}

export function snapArn(kind: DbKind, id: string): string {
  return `arn:aws:rds:${REGION}:${ACCOUNT}:${kind === "cluster" ? "cluster-snapshot" : "snapshot"}:${id}`;
}

/** A model Db. */
export function db(id: string, o: { kind?: DbKind; status?: string; tags?: Record<string, string> } = {}): Db {
  const kind = o.kind ?? "instance";
  return {
    kind,
    id,
    arn: dbArn(kind, id),
    status: o.status ?? "available",
    engine: "postgres",
    tags: o.tags ?? {},
    sizeGb: 20,
  };
}

/** Tags of a snapshot this tool took (stage source). */
export function ownTags(dbId: string, kind: DbKind, extra: Record<string, string> = {}): Record<string, string> {
  return {
    [TAG.managedBy]: MANAGED_BY_VALUE,
    [TAG.sourceDb]: dbId,
    [TAG.sourceKind]: kind,
    [TAG.sourceAccount]: ACCOUNT,
    [TAG.sourceRegion]: REGION,
    [TAG.stage]: "source",
    ...extra,
  };
}

/** A model Snapshot. `owned: false` makes it a foreign manual snapshot. */
export function snap(
  id: string,
  dbId: string,
  o: {
    kind?: DbKind;
    status?: string;
    createdAt?: string;
    owned?: boolean;
    tags?: Record<string, string>;
    kmsKeyId?: string;
  } = {},
): Snapshot {
  const kind = o.kind ?? "instance";
  const tags = o.tags ?? (o.owned === false ? {} : ownTags(dbId, kind));
  return {
    kind,
    id,
    arn: snapArn(kind, id),
    dbId,
    status: o.status ?? "available",
    type: "manual",
    ...(o.createdAt ? { createdAt: new Date(o.createdAt) } : {}),
    encrypted: o.kmsKeyId !== undefined,
    ...(o.kmsKeyId ? { kmsKeyId: o.kmsKeyId } : {}),
    tags,
    region: REGION,
    account: ACCOUNT,
    progress: 100,
    sizeGb: 20,
  };
}

/** SDK DBInstance. */
export function sdkInstance(
  id: string,
  o: { status?: string; clusterId?: string; tags?: Record<string, string> } = {},
): DBInstance {
  return {
    DBInstanceIdentifier: id,
    DBInstanceArn: dbArn("instance", id),
    DBInstanceStatus: o.status ?? "available",
    Engine: "postgres",
    AllocatedStorage: 20,
    TagList: recordToTags(o.tags ?? {}),
    ...(o.clusterId ? { DBClusterIdentifier: o.clusterId } : {}),
  };
}

/** SDK DBCluster. */
export function sdkCluster(id: string, o: { status?: string; tags?: Record<string, string> } = {}): DBCluster {
  return {
    DBClusterIdentifier: id,
    DBClusterArn: dbArn("cluster", id),
    Status: o.status ?? "available",
    Engine: "aurora-postgresql",
    TagList: recordToTags(o.tags ?? {}),
  };
}

type SnapOpts = { status?: string; createdAt?: string; tags?: Tag[] | Record<string, string>; kmsKeyId?: string };
const tagList = (t: SnapOpts["tags"], fallback: Tag[]): Tag[] =>
  t === undefined ? fallback : Array.isArray(t) ? t : recordToTags(t);

/** SDK DBSnapshot; tagged as ours (stage source) unless `tags` is given. */
export function sdkSnapshot(id: string, dbId: string, o: SnapOpts = {}): DBSnapshot {
  return {
    DBSnapshotIdentifier: id,
    DBSnapshotArn: snapArn("instance", id),
    DBInstanceIdentifier: dbId,
    Status: o.status ?? "available",
    SnapshotType: "manual",
    ...(o.createdAt ? { SnapshotCreateTime: new Date(o.createdAt) } : {}),
    Encrypted: o.kmsKeyId !== undefined,
    ...(o.kmsKeyId ? { KmsKeyId: o.kmsKeyId } : {}),
    PercentProgress: 100,
    AllocatedStorage: 20,
    TagList: tagList(o.tags, recordToTags(ownTags(dbId, "instance"))),
  };
}

/** SDK DBClusterSnapshot; tagged as ours (stage source) unless `tags` is given. */
export function sdkClusterSnapshot(id: string, dbId: string, o: SnapOpts = {}): DBClusterSnapshot {
  return {
    DBClusterSnapshotIdentifier: id,
    DBClusterSnapshotArn: snapArn("cluster", id),
    DBClusterIdentifier: dbId,
    Status: o.status ?? "available",
    SnapshotType: "manual",
    ...(o.createdAt ? { SnapshotCreateTime: new Date(o.createdAt) } : {}),
    StorageEncrypted: o.kmsKeyId !== undefined,
    ...(o.kmsKeyId ? { KmsKeyId: o.kmsKeyId } : {}),
    PercentProgress: 100,
    AllocatedStorage: 20,
    TagList: tagList(o.tags, recordToTags(ownTags(dbId, "cluster"))),
  };
}

/** An AWS-style error with a `name`, as the SDK throws for codes it does not model (e.g. `Throttling`). */
export function awsError(name: string, message = name): Error {
  return Object.assign(new Error(message), { name, $metadata: {} });
}

/** Observability whose logger and metrics are spies. */
export function spyObs() {
  const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn(), debug: vi.fn(), appendKeys: vi.fn() };
  // singleMetric returns a no-op builder (tests that check single metrics use spyObservability).
  const single = { addDimension: vi.fn(), addMetric: vi.fn() };
  const metrics = {
    addMetric: vi.fn(),
    addMetadata: vi.fn(),
    publishStoredMetrics: vi.fn(),
    singleMetric: vi.fn(() => single),
  };
  return { logger, metrics, obs: { logger, metrics } as unknown as Observability };
}

/** Real SDK clients (one per service and region) for aws-sdk-client-mock to intercept. */
export function realClients() {
  const rds = new RDSClient({ region: REGION });
  const kms = new KMSClient({ region: REGION });
  const events = new Map<string, EventBridgeClient>();
  const eventsIn = (region: string) => {
    let c = events.get(region);
    if (!c) {
      c = new EventBridgeClient({ region });
      events.set(region, c);
    }
    return c;
  };
  const clients: AwsClients = { rds: () => rds, kms: () => kms, events: eventsIn };
  return { rds, kms, eventsIn, clients };
}

/** HandlerDeps around the given clients, config and a fixed clock. */
export function depsWith<C>(clients: AwsClients, config: C, now: string, obs: Observability): HandlerDeps<C> {
  const at = new Date(now);
  return { clients, clock: () => new Date(at), config, obs };
}
