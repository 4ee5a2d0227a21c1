/**
 * A mocked DR account for the Copier and Checker handler tests: real RDSClient instances for the home and DR
 * regions with aws-sdk-client-mock on each, Describe* answered page by page (100 per page, Marker-driven) from
 * lists of raw snapshots, and spy observability.
 */
import {
  type DBClusterSnapshot,
  type DBSnapshot,
  DescribeDBClusterSnapshotsCommand,
  type DescribeDBClusterSnapshotsCommandInput,
  DescribeDBSnapshotsCommand,
  type DescribeDBSnapshotsCommandInput,
  type Filter,
  RDSClient,
} from "@aws-sdk/client-rds";
import { type AwsStub, mockClient } from "aws-sdk-client-mock";
import { vi } from "vitest";
import type { CopyConfig } from "../../functions/copy/config";
import type { AwsClients } from "../../functions/lib/clients";
import type { HandlerDeps } from "../../functions/lib/lambda";
import type { Observability } from "../../functions/lib/powertools";
import { config, DR, HOME, type RawSnap } from "../unit/copyFixtures";

/** What each region lists. */
export interface RegionState {
  shared?: RawSnap[];
  manual?: RawSnap[];
}

/** One emitted single metric. */
export interface EmittedMetric {
  readonly dims: Record<string, string>;
  readonly values: Array<[name: string, unit: string, value: number]>;
}

const PAGE = 100;

function page<T>(items: readonly T[], marker: string | undefined): { items: T[]; next?: string } {
  const start = marker ? Number(marker) : 0;
  const end = start + PAGE;
  return { items: items.slice(start, end), ...(end < items.length ? { next: String(end) } : {}) };
}

/** One Describe* call as it was made (the SDK paginator reuses and mutates its input object, so record on arrival). */
export interface DescribeCall {
  readonly kind: "instance" | "cluster";
  readonly type: string | undefined;
  readonly marker: string | undefined;
  readonly maxRecords: number | undefined;
  readonly includeShared: boolean | undefined;
  /** The server-side DB identifier filter (`db-instance-id`/`db-cluster-id`), when one was sent. */
  readonly dbId: string | undefined;
}

// biome-ignore lint/suspicious/noExplicitAny: AwsStub is generic over every command of the client.
type RdsStub = AwsStub<any, any, any>;

function serve(mock: RdsStub, state: RegionState, log: DescribeCall[]): void {
  // Like RDS, a db-instance-id/db-cluster-id filter keeps the snapshots whose DBInstanceIdentifier/DBClusterIdentifier matches.
  const pick = (kind: "instance" | "cluster", type: string | undefined, dbId: string | undefined) =>
    (type === "shared" ? (state.shared ?? []) : (state.manual ?? []))
      .filter((s) => s.kind === kind)
      .map((s) => s.raw)
      .filter(
        (r) =>
          dbId === undefined ||
          (kind === "cluster"
            ? (r as DBClusterSnapshot).DBClusterIdentifier
            : (r as DBSnapshot).DBInstanceIdentifier) === dbId,
      );
  mock.on(DescribeDBSnapshotsCommand).callsFake((input: DescribeDBSnapshotsCommandInput) => {
    log.push(described("instance", input));
    const p = page(
      pick("instance", input.SnapshotType, filteredDb(input.Filters, "db-instance-id")) as DBSnapshot[],
      input.Marker,
    );
    return { DBSnapshots: p.items, ...(p.next ? { Marker: p.next } : {}) };
  });
  mock.on(DescribeDBClusterSnapshotsCommand).callsFake((input: DescribeDBClusterSnapshotsCommandInput) => {
    log.push(described("cluster", input));
    const p = page(
      pick("cluster", input.SnapshotType, filteredDb(input.Filters, "db-cluster-id")) as DBClusterSnapshot[],
      input.Marker,
    );
    return { DBClusterSnapshots: p.items, ...(p.next ? { Marker: p.next } : {}) };
  });
}

function filteredDb(filters: Filter[] | undefined, name: string): string | undefined {
  return filters?.find((f) => f.Name === name)?.Values?.[0];
}

function described(
  kind: "instance" | "cluster",
  i: {
    SnapshotType?: string;
    Marker?: string;
    MaxRecords?: number;
    IncludeShared?: boolean;
    Filters?: Filter[];
  },
): DescribeCall {
  return {
    kind,
    type: i.SnapshotType,
    marker: i.Marker,
    maxRecords: i.MaxRecords,
    includeShared: i.IncludeShared,
    dbId: filteredDb(i.Filters, kind === "cluster" ? "db-cluster-id" : "db-instance-id"),
  };
}

/** Builds the mocked world and the handler dependencies. */
export function world(o: { home?: RegionState; dr?: RegionState; config?: Partial<CopyConfig> } = {}) {
  const homeRds = new RDSClient({ region: HOME, credentials: { accessKeyId: "x", secretAccessKey: "y" } });
  const drRds = new RDSClient({ region: DR, credentials: { accessKeyId: "x", secretAccessKey: "y" } });
  const home = mockClient(homeRds);
  const dr = mockClient(drRds);
  const homeDescribes: DescribeCall[] = [];
  const drDescribes: DescribeCall[] = [];
  serve(home, o.home ?? {}, homeDescribes);
  serve(dr, o.dr ?? {}, drDescribes);
  const unexpected = (what: string) => () => {
    throw new Error(`unexpected ${what} client`);
  };
  const clients: AwsClients = {
    rds: (region) => {
      if (region === HOME) return homeRds;
      if (region === DR) return drRds;
      throw new Error(`unexpected RDS region ${region}`);
    },
    kms: unexpected("KMS"),
    events: unexpected("EventBridge"),
  };
  const emitted: EmittedMetric[] = [];
  const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn(), debug: vi.fn(), appendKeys: vi.fn() };
  const metrics = {
    addMetric: vi.fn(),
    addMetadata: vi.fn(),
    publishStoredMetrics: vi.fn(),
    singleMetric: vi.fn(() => {
      const m: EmittedMetric = { dims: {}, values: [] };
      emitted.push(m);
      return {
        addDimension: (k: string, v: string) => {
          m.dims[k] = v;
        },
        addMetric: (n: string, u: string, v: number) => {
          m.values.push([n, u, v]);
        },
      };
    }),
  };
  const obs = { logger, metrics } as unknown as Observability;
  const deps: HandlerDeps<CopyConfig> = {
    clients,
    clock: () => new Date("2026-03-02T00:00:00.000Z"),
    config: config(o.config),
    obs,
  };
  /** Value of the single metric `name` with dimension `dim`=`value`. */
  const metric = (name: string, dim: string, value: string) =>
    emitted
      .filter((m) => m.dims[dim] === value)
      .flatMap((m) => m.values.filter(([n]) => n === name).map(([, , v]) => v));
  return { home, dr, deps, logger, metrics, emitted, metric, homeDescribes, drDescribes };
}
