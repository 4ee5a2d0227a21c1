import {
  type DBClusterSnapshot,
  type DBSnapshot,
  DescribeDBClusterSnapshotsCommand,
  type DescribeDBClusterSnapshotsCommandInput,
  DescribeDBSnapshotsCommand,
  type DescribeDBSnapshotsCommandInput,
  RDSClient,
  type Tag,
} from "@aws-sdk/client-rds";
import { mockClient } from "aws-sdk-client-mock";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { countInFlight } from "../../functions/copy/plan";
import { countCopiesInFlight, listSnapshots } from "../../functions/lib/rds";
import { DR_ACCOUNT, HOME } from "./copyFixtures";

/** One raw snapshot's fields that decide whether it counts. */
interface Variant {
  readonly status: string | undefined;
  readonly tags: Tag[] | undefined;
}

const OWNED: Tag = { Key: "rpl-managed-by", Value: "rds-pilot-light" };
const STATUSES = [undefined, "creating", "Creating", "copying", "pending", "available", "failed", "deleting"];
const TAG_SETS: (Tag[] | undefined)[] = [
  undefined,
  [],
  [OWNED],
  [OWNED, { Key: "rpl-stage", Value: "dr" }],
  [OWNED, { Key: "rpl-stage", Value: "dr-region" }],
  [OWNED, { Key: "rpl-stage", Value: "source" }],
  [OWNED, { Key: "rpl-stage", Value: "something-else" }],
  [
    { Key: "rpl-managed-by", Value: "someone-else" },
    { Key: "rpl-stage", Value: "dr" },
  ],
  [{ Key: "rpl-managed-by" }, { Key: "rpl-stage", Value: "dr" }],
  // Duplicate keys: the last entry wins, as in tagsToRecord.
  [OWNED, { Key: "rpl-stage", Value: "source" }, { Key: "rpl-stage", Value: "dr" }],
  [OWNED, { Key: "rpl-stage", Value: "dr" }, { Key: "rpl-stage", Value: "source" }],
  [OWNED, { Key: "rpl-managed-by", Value: "other" }],
  [{ Value: "rds-pilot-light" }, OWNED, { Key: "rpl-stage" }],
];
const ALL_VARIANTS: Variant[] = STATUSES.flatMap((status) => TAG_SETS.map((tags) => ({ status, tags })));

function instance(v: Variant, i: number): DBSnapshot {
  const id = `snap-${i}`;
  return {
    DBSnapshotIdentifier: id,
    DBSnapshotArn: `arn:aws:rds:${HOME}:${DR_ACCOUNT}:snapshot:${id}`,
    DBInstanceIdentifier: `db${i % 7}`,
    SnapshotType: "manual",
    SnapshotCreateTime: new Date(Date.UTC(2026, 0, 1, 0, i)),
    ...(v.status === undefined ? {} : { Status: v.status }),
    ...(v.tags === undefined ? {} : { TagList: v.tags }),
  };
}

function cluster(v: Variant, i: number): DBClusterSnapshot {
  const id = `csnap-${i}`;
  return {
    DBClusterSnapshotIdentifier: id,
    DBClusterSnapshotArn: `arn:aws:rds:${HOME}:${DR_ACCOUNT}:cluster-snapshot:${id}`,
    DBClusterIdentifier: `cl${i % 5}`,
    SnapshotType: "manual",
    SnapshotCreateTime: new Date(Date.UTC(2026, 0, 1, 0, i)),
    ...(v.status === undefined ? {} : { Status: v.status }),
    ...(v.tags === undefined ? {} : { TagList: v.tags }),
  };
}

type Input = DescribeDBSnapshotsCommandInput | DescribeDBClusterSnapshotsCommandInput;

/** An RDS client answering both Describe calls page by page (Marker = offset), recording every input. */
function rdsWith(instances: DBSnapshot[], clusters: DBClusterSnapshot[]) {
  const rds = new RDSClient({ region: HOME, credentials: { accessKeyId: "x", secretAccessKey: "y" } });
  const mock = mockClient(rds);
  const calls: Input[] = [];
  const pageOf = <T>(items: T[], i: Input) => {
    const start = i.Marker ? Number(i.Marker) : 0;
    const size = i.MaxRecords ?? 100;
    const end = start + size;
    return { items: items.slice(start, end), marker: end < items.length ? String(end) : undefined };
  };
  mock.on(DescribeDBSnapshotsCommand).callsFake((i: DescribeDBSnapshotsCommandInput) => {
    calls.push(structuredClone(i));
    const p = pageOf(instances, i);
    return { DBSnapshots: p.items, ...(p.marker ? { Marker: p.marker } : {}) };
  });
  mock.on(DescribeDBClusterSnapshotsCommand).callsFake((i: DescribeDBClusterSnapshotsCommandInput) => {
    calls.push(structuredClone(i));
    const p = pageOf(clusters, i);
    return { DBClusterSnapshots: p.items, ...(p.marker ? { Marker: p.marker } : {}) };
  });
  return { rds, calls };
}

describe("countCopiesInFlight", () => {
  it("agrees with countInFlight over the normalized listing, across pages", async () => {
    // Every variant three times as instances (312 items: 4 pages) and twice as clusters (208 items: 3 pages).
    const instances = [...ALL_VARIANTS, ...ALL_VARIANTS, ...ALL_VARIANTS].map(instance);
    const clusters = [...ALL_VARIANTS, ...ALL_VARIANTS].map(cluster);
    const { rds, calls } = rdsWith(instances, clusters);

    const raw = await countCopiesInFlight(rds);
    const rawCalls = calls.splice(0);
    const normalized = countInFlight(await listSnapshots(rds, { type: "manual" }));

    expect(raw).toBe(normalized);
    // Counted: 4 statuses (creating in either case, copying, pending) x 6 owned non-source tag sets (no stage, dr,
    // dr-region, an unknown stage, source-then-dr, empty stage), and every variant appears 5 times.
    expect(raw).toBe(4 * 6 * 5);
    expect(rawCalls).toHaveLength(4 + 3);
    for (const c of rawCalls) {
      expect(c).toMatchObject({ SnapshotType: "manual", MaxRecords: 100 });
      expect(c.Filters).toBeUndefined();
    }
    expect(rawCalls.map((c) => c.Marker)).toEqual([undefined, "100", "200", "300", undefined, "100", "200"]);
  });

  it("agrees with countInFlight for any mix of statuses and tags", async () => {
    const variant = fc.constantFrom(...ALL_VARIANTS);
    await fc.assert(
      fc.asyncProperty(fc.array(variant, { maxLength: 230 }), fc.array(variant, { maxLength: 120 }), async (iv, cv) => {
        const { rds } = rdsWith(iv.map(instance), cv.map(cluster));
        expect(await countCopiesInFlight(rds)).toBe(countInFlight(await listSnapshots(rds, { type: "manual" })));
      }),
      { numRuns: 40 },
    );
  });

  it("is 0 for a region without snapshots", async () => {
    const { rds, calls } = rdsWith([], []);
    expect(await countCopiesInFlight(rds)).toBe(0);
    expect(calls).toHaveLength(2);
  });
});
