/**
 * A stateful in-memory model of RDS (+ KMS + EventBridge) across many accounts and regions, for workflow
 * tests, state-machine tests and the simulator.
 *
 * `clients(account)` hands out REAL SDK clients (so the SDK paginators work) whose `send` answers from the model
 * through the SDK's own retry middleware (`stub`); every attempt goes through one gate that records the call and
 * applies the injected faults, then runs the model. Long operations (snapshots, copies, restores) store when they start and end,
 * and their status is derived from `clock()` at each read, so a virtual clock can jump days at no cost.
 *
 * See docs/internals.md (the RDS model) for what is simulated and what is not.
 */
import {
  EventBridgeClient,
  PutEventsCommand,
  type PutEventsCommandInput,
  type PutEventsCommandOutput,
  type PutEventsRequestEntry,
} from "@aws-sdk/client-eventbridge";
import { DescribeKeyCommand, KMSClient, ListAliasesCommand } from "@aws-sdk/client-kms";
import {
  AddTagsToResourceCommand,
  CopyDBClusterSnapshotCommand,
  CopyDBSnapshotCommand,
  CreateDBClusterSnapshotCommand,
  CreateDBInstanceCommand,
  CreateDBSnapshotCommand,
  type DBClusterSnapshot,
  type DBSnapshot,
  DeleteDBClusterCommand,
  DeleteDBClusterSnapshotCommand,
  DeleteDBInstanceCommand,
  DeleteDBSnapshotCommand,
  DescribeAccountAttributesCommand,
  DescribeDBClusterSnapshotAttributesCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  DescribeDBSnapshotAttributesCommand,
  DescribeDBSnapshotsCommand,
  ListTagsForResourceCommand,
  ModifyDBClusterSnapshotAttributeCommand,
  ModifyDBSnapshotAttributeCommand,
  RDSClient,
  RemoveTagsFromResourceCommand,
  RestoreDBClusterFromSnapshotCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
} from "@aws-sdk/client-rds";
import { type AwsClients, sdkRetryConfig } from "../../functions/lib/clients";
import {
  type Db,
  type DbKind,
  fromDbCluster,
  fromDbClusterSnapshot,
  fromDbInstance,
  fromDbSnapshot,
  type Snapshot,
} from "../../functions/lib/model";
import { accessDenied, eventsValidation, internalFailure, type ServiceName, throttling } from "./errors";
import { KmsModel } from "./kms";
import { type DbFixture, type DeletedSnapshot, type ModelQuotas, RdsModel, type SnapshotFixture } from "./rds";
import { DEFAULT_TIMING, type ModelFaults, type ModelTiming, memoOf, type SnapRecord, snapProgress } from "./state";
import { type ApiRateLimit, TokenBuckets } from "./throttle";

export { AWS_RDS_ALIAS } from "./kms";
export type { DbFixture, DeletedSnapshot, ModelQuotas, SnapshotFixture } from "./rds";
export type { ModelFaults, ModelTiming } from "./state";
export type { ApiRateLimit } from "./throttle";

/** A snapshot as the model sees it: the normalized {@link Snapshot} plus what only the model knows. */
export type ModelSnapshot = Snapshot & {
  /** True when RDS would have copied/snapshotted only the changed blocks. */
  readonly incremental: boolean;
  /** When the create or copy started and (will have) finished. */
  readonly startedAt: Date;
  readonly completesAt: Date;
  /** Accounts in the `restore` attribute. */
  readonly sharedWith: readonly string[];
  /** For a copy: when it really started (later than `startedAt` when queued behind copies of the same DB). */
  readonly runsFrom: Date;
  /** For a copy: GB moved (whole snapshot if full, changed data if incremental); 0 for other snapshots. */
  readonly gbMoved: number;
  /** For a full copy: why it could not be incremental. */
  readonly fullReason?: string;
};

/** One entry of {@link RdsWorld.availableChanges}. */
export interface AvailableChange {
  /** The same object for the same snapshot at every call. */
  readonly token: object;
  /** The snapshot as {@link RdsWorld.snapshots} returns it when it is available now; else undefined. */
  readonly snap: ModelSnapshot | undefined;
}

/** One recorded API call. */
export interface ModelCall {
  readonly account: string;
  readonly region: string;
  /** Operation name without the `Command` suffix, e.g. `CopyDBSnapshot`. */
  readonly command: string;
  readonly at: Date;
  /** Service called (RDS calls draw from the account's API budget, rule API-THROTTLING). */
  readonly service?: ServiceName;
}

/** Options of {@link RdsWorld}. */
export interface RdsWorldOptions {
  clock: () => Date;
  /**
   * The same clock in epoch milliseconds, without making a `Date` (the model reads the time for every snapshot it
   * lists). Must always equal `clock().getTime()`; default derived from `clock`.
   */
  nowMs?: () => number;
  timing?: Partial<ModelTiming>;
  faults?: ModelFaults;
  quotas?: { manualSnapshots?: number; manualClusterSnapshots?: number; copiesInFlightPerRegion?: number };
  /**
   * RDS API request budget per account and region (rule API-THROTTLING). Undefined = no budget (unlimited); AWS's
   * default is `RDS_API_RATE_LIMIT` (burst 300, 12 per second).
   */
  apiRateLimit?: ApiRateLimit;
  /**
   * True: the model's SDK clients retry as the handlers' live clients do ({@link sdkRetryConfig}: `SDK_MAX_ATTEMPTS`
   * attempts, the SDK's backoff and retry quota; not adaptive mode's wall-clock rate limiter), so each injected fault
   * hits one *attempt*. Their backoff waits on
   * `setTimeout`, so use this where `setTimeout` runs on virtual time (processes of sim/engine.ts), as the simulator
   * does. Default false: one attempt per call, so a fault surfaces at once (unit and handler tests on real time).
   */
  sdkRetries?: boolean;
  /**
   * Retry mode of those clients when `sdkRetries` (default `standard`, see the constructor). `adaptive` only where
   * `Date.now()` and `setTimeout` both run on virtual time (fake timers), as the bench's `retry` section does.
   */
  sdkRetryMode?: "standard" | "adaptive";
}

/** Default quotas: 100 manual snapshots of each kind, 20 copies in flight per destination region and account. */
export const DEFAULT_QUOTAS: ModelQuotas = {
  manualSnapshots: 100,
  manualClusterSnapshots: 100,
  copiesInFlightPerRegion: 20,
};

const DUMMY_CREDENTIALS = { accessKeyId: "MODEL", secretAccessKey: "MODEL" };
/**
 * Client settings the SDK would otherwise load from the environment and ~/.aws/config on the first call: real file
 * I/O, which a process of the simulator's engine must not wait on (sim/engine.ts).
 */
const PINNED_CONFIG = {
  credentials: DUMMY_CREDENTIALS,
  defaultsMode: "standard",
  authSchemePreference: [] as string[],
  useDualstackEndpoint: false,
  useFipsEndpoint: false,
  userAgentAppId: "rpl-model",
  ignoreConfiguredEndpointUrls: true,
} as const;
/** PutEvents accepts at most 10 entries per call (EventBridge API reference). */
const MAX_PUT_EVENTS = 10;

/** The simulated AWS: accounts, regions, DBs, snapshots, keys and event buses. */
export class RdsWorld {
  /** Mutable at runtime (the simulator toggles outages). */
  faults: ModelFaults;
  /** Every PutEvents entry, in order. */
  readonly putEvents: { account: string; region: string; entry: PutEventsRequestEntry; at: Date }[] = [];
  /** Every API call, in order (also those that failed by an injected fault). */
  readonly calls: ModelCall[] = [];
  /** RDS calls refused with `Throttling` because the account's API budget was spent (rule API-THROTTLING). */
  readonly throttled: ModelCall[] = [];
  /** Called for each accepted PutEvents entry (the simulator routes events to rules). */
  onPutEvents?: (e: { account: string; region: string; entry: PutEventsRequestEntry }) => void;

  private readonly nowMs: () => number;
  private readonly kms = new KmsModel();
  private readonly rds: RdsModel;
  private readonly clientCache = new Map<string, AwsClients>();
  private eventCounter = 0;
  /** {@link RdsWorld.instant}'s last instant and its `Date`. */
  private instantMs = Number.NaN;
  private instantDate: Date | undefined;
  private readonly buckets?: TokenBuckets;
  private readonly sdkConfig: { maxAttempts: number; retryMode: "standard" | "adaptive" };

  constructor(opts: RdsWorldOptions) {
    const clock = opts.clock;
    this.nowMs = opts.nowMs ?? (() => clock().getTime());
    this.faults = opts.faults ?? {};
    if (opts.apiRateLimit) this.buckets = new TokenBuckets(opts.apiRateLimit);
    // Adaptive mode's client-side rate limiter measures rates on wall-clock Date.now(), which is meaningless under the
    // simulator's virtual clock (it parked a process for hours of virtual time): the model keeps the handlers'
    // attempts and the standard strategy's backoff, retry quota and error classification, without that limiter.
    this.sdkConfig = opts.sdkRetries
      ? { maxAttempts: sdkRetryConfig().maxAttempts, retryMode: opts.sdkRetryMode ?? "standard" }
      : { maxAttempts: 1, retryMode: "standard" };
    const timing = { ...DEFAULT_TIMING, ...definedOnly(opts.timing ?? {}) };
    const quotas = { ...DEFAULT_QUOTAS, ...definedOnly(opts.quotas ?? {}) };
    for (const [k, v] of Object.entries(quotas)) {
      if (!Number.isInteger(v) || v < 0)
        throw new Error(`RdsWorld: quotas.${k} must be a non-negative integer (got ${v})`);
    }
    this.rds = new RdsModel({
      now: this.nowMs,
      timing,
      faults: () => this.faults,
      quotas,
      kms: this.kms,
    });
  }

  // ---------------------------------------------------------------- fixtures

  /** Adds a DB instance (`clusterId` makes it an Aurora cluster member, which cannot be snapshotted itself). */
  addDbInstance(account: string, region: string, db: DbFixture): void {
    this.rds.addDb("instance", account, region, db);
  }

  /** Adds an Aurora (or Multi-AZ) DB cluster. */
  addDbCluster(account: string, region: string, db: Omit<DbFixture, "clusterId">): void {
    this.rds.addDb("cluster", account, region, db);
  }

  /** Snapshots deleted through the API so far: account, region, kind, id, tags, when done and when deleted. */
  deletions(): readonly DeletedSnapshot[] {
    return this.rds.deletions;
  }

  /** Removes a DB instance or cluster; its snapshots remain. */
  deleteDb(account: string, region: string, id: string): void {
    this.rds.deleteDb(account, region, id);
  }

  /** Sets the status a DB shows (e.g. `stopped`) once any creation is over. */
  setDbStatus(account: string, region: string, kind: DbKind, id: string, status: string): void {
    this.rds.setDbStatus(account, region, kind, id, status);
  }

  /** Adds an available snapshot directly: automated snapshots, or manual ones not made by this tool. */
  addSnapshot(account: string, region: string, snapshot: SnapshotFixture): void {
    this.rds.addSnapshot(account, region, snapshot);
  }

  /** Creates a KMS key and returns its ARN. `managed: "AWS"` keys cannot protect shared snapshots. */
  createKey(
    account: string,
    region: string,
    opts?: { managed?: "AWS" | "CUSTOMER"; alias?: string; allowAccounts?: string[] },
  ): string {
    return this.kms.createKey(account, region, opts);
  }

  /** Lets `account` use a key of another account (its key policy). */
  allowKeyUse(keyArn: string, account: string): void {
    this.kms.allowKeyUse(keyArn, account);
  }

  /** ARN of the AWS-managed `alias/aws/rds` key of an account and region. */
  awsManagedRdsKey(account: string, region: string): string {
    return this.kms.awsRdsKey(account, region).arn;
  }

  // ---------------------------------------------------------------- inspection (no faults, not recorded)

  /**
   * Snapshots owned by `account` in `region` (both kinds), normalized, with their current status, in creation
   * order. A finished snapshot is normalized once and the same frozen object is returned until its tags or sharing
   * change, so callers may memoize by identity; the array itself is a fresh copy.
   */
  snapshots(account: string, region: string): ModelSnapshot[] {
    const now = this.nowMs();
    const out: ModelSnapshot[] = [];
    // The model's per-region index holds, beside each record, the normalized snapshot once finished (cleared when the
    // record changes): only snapshots still in progress, or changed since the last read, are normalized again.
    for (const kind of KINDS) {
      const side = this.rds.ownedSide(account, region, kind);
      if (side === undefined) continue;
      const { recs, derived, doneAt } = side;
      for (let i = 0; i < recs.length; i++) {
        const rec = recs[i];
        if (rec === undefined) continue;
        let snap = derived[i] as ModelSnapshot | undefined;
        if (snap === undefined || now < doneAt[i]!) {
          snap = this.modelSnapshot(rec, now);
          derived[i] = now < doneAt[i]! ? undefined : snap;
        }
        out.push(snap);
      }
    }
    return out;
  }

  /**
   * The members of {@link RdsWorld.snapshots} whose status is `available`: the same objects in the same order, found
   * without normalizing the snapshots still in progress (they show `creating`).
   */
  availableSnapshots(account: string, region: string): ModelSnapshot[] {
    const now = this.nowMs();
    const out: ModelSnapshot[] = [];
    for (const kind of KINDS) {
      const side = this.rds.ownedSide(account, region, kind);
      if (side === undefined) continue;
      const { recs, derived, doneAt } = side;
      for (let i = 0; i < recs.length; i++) {
        const rec = recs[i];
        if (rec === undefined || now < doneAt[i]!) continue;
        let snap = derived[i] as ModelSnapshot | undefined;
        if (snap === undefined) {
          snap = this.modelSnapshot(rec, now);
          derived[i] = snap;
        }
        if (snap.status === "available") out.push(snap);
      }
    }
    return out;
  }

  /** Manual snapshots of `kind` held by `account` in `region`, in any status: `snapshots()` of type `manual`. */
  manualSnapshotCount(account: string, region: string, kind: DbKind): number {
    return this.rds.manualCount(account, region, kind);
  }

  /**
   * One owned snapshot of `account` in `region` by its stored identifier (lowercase, as RDS stores it) or its ARN,
   * or undefined. The same object {@link RdsWorld.snapshots} returns.
   */
  snapshot(account: string, region: string, ref: string): ModelSnapshot | undefined {
    const id = ref.startsWith("arn:") ? ref.slice(ref.lastIndexOf(":") + 1) : ref;
    const rec = this.rds.ownedSnapshot(account, region, id);
    if (!rec || (ref.startsWith("arn:") && rec.arn !== ref)) return undefined;
    return this.modelSnapshot(rec, this.nowMs());
  }

  /**
   * Owned snapshots of `account` in `region` whose normalized `dbId` is `dbId` (the `rpl-source-db` tag, else the
   * DB identifier): `snapshots(account, region).filter((s) => s.dbId === dbId)` through an index. Unordered.
   */
  snapshotsOf(account: string, region: string, dbId: string): ModelSnapshot[] {
    const now = this.nowMs();
    const out: ModelSnapshot[] = [];
    for (const rec of this.rds.snapshotsLabelled(account, region, dbId)) out.push(this.modelSnapshot(rec, now));
    return out;
  }

  /**
   * Follows the available owned snapshots of (account, region) for a reader that looks at them from time to time (the
   * simulator's sampler): each call of the returned function gives the snapshots whose entry may have changed since
   * the previous call (the first call: every snapshot held), each with the same object {@link RdsWorld.snapshots}
   * returns when it is `available` now, or undefined when it is not (deleted, still in progress, failed). `token`
   * stands for the snapshot record across calls (a retagged snapshot keeps its token and gets a new object). Kept
   * in the order of {@link RdsWorld.snapshots}, deleted snapshots first. Folding every change into a map by token
   * gives, at each call, exactly {@link RdsWorld.availableSnapshots} (tests/unit/rdsListingViews.test.ts), at the
   * cost of what changed rather than of every snapshot held.
   */
  availableChanges(account: string, region: string): () => AvailableChange[] {
    const w = this.rds.watchSnapshots(account, region);
    const rds = this.rds;
    return () => {
      const now = this.nowMs();
      for (const rec of w.pending) if (now >= rec.doneAt) w.dirty.add(rec);
      if (w.dirty.size === 0) return [];
      const recs = [...w.dirty];
      w.dirty.clear();
      const ranks = new Map<SnapRecord, number>();
      for (const rec of recs) ranks.set(rec, rds.listingRank(rec));
      recs.sort((a, b) => ranks.get(a)! - ranks.get(b)!);
      const out: AvailableChange[] = [];
      for (const rec of recs) {
        w.pending.delete(rec);
        let snap: ModelSnapshot | undefined;
        if (ranks.get(rec)! >= 0) {
          if (now < rec.doneAt) w.pending.add(rec);
          else {
            snap = this.modelSnapshot(rec, now);
            if (snap.status !== "available") snap = undefined;
          }
        }
        out.push({ token: rec, snap });
      }
      return out;
    };
  }

  /** The normalized snapshot, cached once finished (see {@link RdsWorld.snapshots}). */
  private modelSnapshot(rec: SnapRecord, now: number): ModelSnapshot {
    const done = now >= rec.doneAt;
    // In progress, the normalized snapshot changes with the clock only through its percent done (snapStatus,
    // snapProgress: `creating` throughout; the times it runs change only with a revision).
    const progress = done ? -1 : snapProgress(rec, now);
    const m = rec.memo;
    if (m !== undefined) {
      if (done) {
        if (m.snapTags === rec.tags && m.snapRev === rec.rev) return m.snap as ModelSnapshot;
      } else if (m.progSnapTags === rec.tags && m.progSnapRev === rec.rev && m.progSnapAt === progress) {
        return m.progSnap as ModelSnapshot;
      }
    }
    const v = this.rds.view(rec, now);
    const base =
      rec.kind === "cluster" ? fromDbClusterSnapshot(v as DBClusterSnapshot) : fromDbSnapshot(v as DBSnapshot);
    const snap: ModelSnapshot = Object.freeze({
      ...base,
      incremental: rec.incremental,
      startedAt: new Date(rec.startedAt),
      completesAt: new Date(rec.doneAt),
      sharedWith: [...rec.sharedWith].sort(),
      runsFrom: new Date(rec.runsFrom),
      gbMoved: rec.gbMoved,
      ...(rec.fullReason ? { fullReason: rec.fullReason } : {}),
    });
    const memo = memoOf(rec);
    if (done) {
      memo.snapTags = rec.tags;
      memo.snapRev = rec.rev;
      memo.snap = snap;
      // The normalized snapshot in progress is not handed out again (see storeView in sim/aws/rds.ts).
      memo.progSnapTags = undefined;
      memo.progSnapRev = -1;
      memo.progSnapAt = -1;
      memo.progSnap = undefined;
    } else {
      memo.progSnapTags = rec.tags;
      memo.progSnapRev = rec.rev;
      memo.progSnapAt = progress;
      memo.progSnap = snap;
    }
    return snap;
  }

  /** DBs of `account` in `region` (both kinds, cluster members included), normalized. */
  dbs(account: string, region: string): Db[] {
    return this.rds
      .ownedDbs(account, region)
      .map((d) =>
        d.kind === "cluster"
          ? fromDbCluster(this.rds.describeDBClusters(account, region, { DBClusterIdentifier: d.id }).DBClusters[0]!)
          : fromDbInstance(
              this.rds.describeDBInstances(account, region, { DBInstanceIdentifier: d.id }).DBInstances[0]!,
            ),
      );
  }

  /** Number of recorded calls of one command (optionally in one account/region). */
  callCount(command: string, where?: { account?: string; region?: string }): number {
    return this.calls.filter(
      (c) =>
        c.command === command &&
        (where?.account === undefined || c.account === where.account) &&
        (where?.region === undefined || c.region === where.region),
    ).length;
  }

  // ---------------------------------------------------------------- SDK clients

  /** SDK clients of one account, one per region and service, cached; their `send` runs the model. */
  clients(account: string, opts?: { fresh?: boolean }): AwsClients {
    // `fresh`: new clients, not shared (one simulated Lambda container each: adaptive mode limits per client).
    const cached = opts?.fresh ? undefined : this.clientCache.get(account);
    if (cached) return cached;
    const rds = new Map<string, RDSClient>();
    const kms = new Map<string, KMSClient>();
    const events = new Map<string, EventBridgeClient>();
    const made: AwsClients = {
      rds: (region) => getOr(rds, region, () => this.rdsClient(account, region)),
      kms: (region) => getOr(kms, region, () => this.kmsClient(account, region)),
      events: (region) => getOr(events, region, () => this.eventsClient(account, region)),
    };
    if (!opts?.fresh) this.clientCache.set(account, made);
    return made;
  }

  private rdsClient(account: string, region: string): RDSClient {
    const r = this.rds;
    // Each entry: the SDK command class, the operation name, and the model method typed with that command's input.
    const routes = new Map<CommandClass, Route>();
    const route = <I>(cmd: new (...args: never) => { readonly input: I }, name: string, fn: (input: I) => unknown) =>
      addRoute(routes, cmd, name, fn as (input: unknown) => unknown);
    route(DescribeDBInstancesCommand, "DescribeDBInstances", (i) => r.describeDBInstances(account, region, i));
    route(DescribeDBClustersCommand, "DescribeDBClusters", (i) => r.describeDBClusters(account, region, i));
    route(DescribeDBSnapshotsCommand, "DescribeDBSnapshots", (i) => r.describeDBSnapshots(account, region, i));
    route(DescribeDBClusterSnapshotsCommand, "DescribeDBClusterSnapshots", (i) =>
      r.describeDBClusterSnapshots(account, region, i),
    );
    route(CreateDBSnapshotCommand, "CreateDBSnapshot", (i) => r.createDBSnapshot(account, region, i));
    route(CreateDBClusterSnapshotCommand, "CreateDBClusterSnapshot", (i) =>
      r.createDBClusterSnapshot(account, region, i),
    );
    route(CopyDBSnapshotCommand, "CopyDBSnapshot", (i) => r.copyDBSnapshot(account, region, i));
    route(CopyDBClusterSnapshotCommand, "CopyDBClusterSnapshot", (i) => r.copyDBClusterSnapshot(account, region, i));
    route(DeleteDBSnapshotCommand, "DeleteDBSnapshot", (i) => r.deleteDBSnapshot(account, region, i));
    route(DeleteDBClusterSnapshotCommand, "DeleteDBClusterSnapshot", (i) =>
      r.deleteDBClusterSnapshot(account, region, i),
    );
    route(DescribeDBSnapshotAttributesCommand, "DescribeDBSnapshotAttributes", (i) =>
      r.describeDBSnapshotAttributes(account, region, i),
    );
    route(DescribeDBClusterSnapshotAttributesCommand, "DescribeDBClusterSnapshotAttributes", (i) =>
      r.describeDBClusterSnapshotAttributes(account, region, i),
    );
    route(ModifyDBSnapshotAttributeCommand, "ModifyDBSnapshotAttribute", (i) =>
      r.modifyDBSnapshotAttribute(account, region, i),
    );
    route(ModifyDBClusterSnapshotAttributeCommand, "ModifyDBClusterSnapshotAttribute", (i) =>
      r.modifyDBClusterSnapshotAttribute(account, region, i),
    );
    route(AddTagsToResourceCommand, "AddTagsToResource", (i) => r.addTagsToResource(account, region, i));
    route(RemoveTagsFromResourceCommand, "RemoveTagsFromResource", (i) => r.removeTagsFromResource(account, region, i));
    route(ListTagsForResourceCommand, "ListTagsForResource", (i) => r.listTagsForResource(account, region, i));
    route(DescribeAccountAttributesCommand, "DescribeAccountAttributes", () =>
      r.describeAccountAttributes(account, region),
    );
    route(RestoreDBInstanceFromDBSnapshotCommand, "RestoreDBInstanceFromDBSnapshot", (i) =>
      r.restoreDBInstanceFromDBSnapshot(account, region, i),
    );
    route(RestoreDBClusterFromSnapshotCommand, "RestoreDBClusterFromSnapshot", (i) =>
      r.restoreDBClusterFromSnapshot(account, region, i),
    );
    route(CreateDBInstanceCommand, "CreateDBInstance", (i) => r.createDBInstance(account, region, i));
    route(DeleteDBInstanceCommand, "DeleteDBInstance", (i) => r.deleteDBInstance(account, region, i));
    route(DeleteDBClusterCommand, "DeleteDBCluster", (i) => r.deleteDBCluster(account, region, i));
    return this.stub(new RDSClient({ region, ...PINNED_CONFIG, ...this.sdkConfig }), "rds", account, region, routes);
  }

  private kmsClient(account: string, region: string): KMSClient {
    const routes = new Map<CommandClass, Route>();
    const route = <I>(cmd: new (...args: never) => { readonly input: I }, name: string, fn: (input: I) => unknown) =>
      addRoute(routes, cmd, name, fn as (input: unknown) => unknown);
    route(DescribeKeyCommand, "DescribeKey", (i) => this.kms.describeKey(account, region, i));
    route(ListAliasesCommand, "ListAliases", (i) => this.kms.listAliases(account, region, i));
    return this.stub(new KMSClient({ region, ...PINNED_CONFIG, ...this.sdkConfig }), "kms", account, region, routes);
  }

  private eventsClient(account: string, region: string): EventBridgeClient {
    const routes = new Map<CommandClass, Route>();
    const fn = (i: unknown) => this.putEventsImpl(account, region, i as PutEventsCommandInput);
    addRoute(routes, PutEventsCommand, "PutEvents", fn);
    return this.stub(
      new EventBridgeClient({ region, ...PINNED_CONFIG, ...this.sdkConfig }),
      "events",
      account,
      region,
      routes,
    );
  }

  /**
   * Makes a real SDK client answer from the model, each *attempt* through the SDK's own retry middleware: `send`
   * is replaced on the instance by the client's retry middleware alone (as configured: the handlers' strategy,
   * {@link sdkRetryConfig}, when `sdkRetries`) wrapped around the model. An injected throttling or outage fault fails
   * one attempt, and the SDK's retry strategy backs off (on virtual time inside engine processes) and retries it, as
   * on AWS. Serialization, endpoints, signing and HTTP never run: they cost about a millisecond per call, and their
   * first call reads ~/.aws/config, real I/O a process of the simulator's engine must not wait on. The client stays
   * a real SDK client (`instanceof RDSClient`, so the paginators accept it). The model records attempts (`calls`).
   *
   * A call's first attempt skips the middleware while the client's standard strategy has its retry quota full (nearly
   * every call: only a fault or the API budget refuses attempts): when it succeeds, the output gets the `$metadata`
   * the middleware would write (`attempts: 1`, `totalRetryDelay: 0`; recording the success would change nothing);
   * when it fails, the middleware runs with that failure as its first attempt's outcome, so it throws the model's
   * error with `attempts: 1`, or backs off and retries a throttled or failed attempt, exactly as before. Fewer
   * awaits per call, so work at one virtual instant may run in another order (tests/unit/rdsModelClients.test.ts).
   */
  private stub<C extends RDSClient | KMSClient | EventBridgeClient>(
    client: C,
    service: ServiceName,
    account: string,
    region: string,
    routes: Map<CommandClass, Route>,
  ): C {
    const stack = (client.middlewareStack as unknown as RetryOnlyStack).clone();
    // identify() omits middleware placed relative to one the command adds (httpAuthSchemeMiddleware).
    for (const mw of [...stack.identify().map((n) => n.split(" ")[0]!), "httpAuthSchemeMiddleware"]) {
      if (mw !== "retryMiddleware") stack.remove(mw);
    }
    if (stack.identify().join() !== "retryMiddleware - finalizeRequest")
      throw new Error(`${service} model: unexpected SDK middleware left: ${stack.identify().join(", ")}`);
    const answer = async (args: Attempt) => {
      // Settle asynchronously like a real call, so callers cannot depend on synchronous side effects.
      await undefined;
      const first = args.failed;
      if (first !== undefined) {
        // The first attempt already ran on the direct path below and failed: the retry middleware takes over from it.
        args.failed = undefined;
        throw first.error;
      }
      const out = this.gate(service, account, region, args.route.name, () => args.route.fn(args.input)) as object;
      // A fresh $metadata: the retry middleware writes the attempt count into it.
      return { output: { ...out, $metadata: { httpStatusCode: 200 } }, response: { statusCode: 200, headers: {} } };
    };
    const handler = stack.resolve(answer, {});
    // The client's retry strategy (the one its retry middleware uses), once the SDK has made it.
    let strategy: RetryStrategyView | undefined;
    // Should the SDK fail to make it, every call takes the middleware, which reports that failure on each call.
    void (client.config as unknown as { retryStrategy: () => Promise<RetryStrategyView> }).retryStrategy().then(
      (s) => {
        strategy = s;
      },
      () => undefined,
    );
    const send = async (command: { input: unknown }) => {
      const route = routes.get(command.constructor as CommandClass);
      if (!route) {
        throw new Error(
          `${service} model: ${command.constructor.name} not implemented (account ${account}, region ${region})`,
        );
      }
      const input = command.input;
      if (!directFirstAttempt(strategy)) return (await handler({ input, route, failed: undefined })).output;
      // The direct path: what the retry middleware does around a first attempt that succeeds is to record the success
      // (nothing to record while its retry quota is full: directFirstAttempt) and write `attempts: 1,
      // totalRetryDelay: 0` into $metadata. Only a failed first attempt needs the middleware: it gets that attempt's
      // error as its first attempt's outcome, classifies it, and backs off and retries (faults, the API budget) or
      // throws it with `attempts: 1` (model errors), exactly as when it had made the attempt itself.
      await undefined;
      let out: object;
      try {
        out = this.gate(service, account, region, route.name, () => route.fn(input)) as object;
      } catch (error) {
        return (await handler({ input, route, failed: { error } })).output;
      }
      // Every route returns a fresh output object (with the model's shared $metadata, replaced here), so it is
      // completed in place rather than copied: the copy was half the stub's own time.
      (out as { $metadata: unknown }).$metadata = { httpStatusCode: 200, attempts: 1, totalRetryDelay: 0 };
      return out;
    };
    Object.defineProperty(client, "send", { value: send, writable: true, configurable: true });
    return client;
  }

  private putEventsImpl(account: string, region: string, input: PutEventsCommandInput): PutEventsCommandOutput {
    const entries = input.Entries ?? [];
    if (entries.length < 1 || entries.length > MAX_PUT_EVENTS) {
      throw eventsValidation(`Entries must hold 1-${MAX_PUT_EVENTS} entries (got ${entries.length})`);
    }
    const at = this.instant();
    let failed = 0;
    const results: NonNullable<PutEventsCommandOutput["Entries"]> = [];
    for (const entry of entries) {
      // EventBridge rejects such entries one by one (FailedEntryCount), not the whole call.
      const problem = entryProblem(entry);
      if (problem) {
        failed++;
        results.push({ ErrorCode: problem.code, ErrorMessage: problem.message });
        continue;
      }
      this.eventCounter += 1;
      this.putEvents.push({ account, region, entry, at });
      results.push({ EventId: `model-event-${this.eventCounter}` });
      this.onPutEvents?.({ account, region, entry });
    }
    return { $metadata: { httpStatusCode: 200 }, FailedEntryCount: failed, Entries: results };
  }

  /**
   * The clock as a `Date`, one object per virtual instant: the call records made at one instant share it (a simulated
   * week records ~157,000 calls at ~25,000 instants, and each `Date` held weighs ~100 bytes). Read-only, as every
   * `at` of a record.
   */
  private instant(): Date {
    const ms = this.nowMs();
    if (ms !== this.instantMs || this.instantDate === undefined) {
      this.instantDate = new Date(ms);
      this.instantMs = ms;
    }
    return this.instantDate;
  }

  /** The single entry point of every call: record it, apply faults, then run the model. */
  private gate<T>(service: ServiceName, account: string, region: string, command: string, run: () => T): T {
    const now = this.instant();
    const call = { account, region, command, at: now, service };
    this.calls.push(call);
    if (service === "rds" && this.buckets && !this.buckets.take(`${account}|${region}`, this.instantMs)) {
      this.throttled.push(call);
      throw throttling(service);
    }
    const f = this.faults;
    if (f.accessDenied?.({ account, region, command })) throw accessDenied(service, account, command);
    if (f.outage?.({ account, region, command, now })) throw internalFailure(service);
    const rate = typeof f.throttleRate === "number" ? f.throttleRate : (f.throttleRate?.[service] ?? 0);
    if (rate > 0 && (f.random ?? half)() < rate) throw throttling(service);
    return run();
  }
}

/** The part of the SDK's middleware stack used here (typed loosely: the three clients' stacks differ in types). */
interface RetryOnlyStack {
  clone(): RetryOnlyStack;
  identify(): string[];
  remove(name: string): boolean;
  resolve<A, O>(handler: (args: A) => Promise<O>, context: object): (args: A) => Promise<O>;
}

/** One call as the model's stub hands it through the retry middleware to the model. */
interface Attempt {
  readonly input: unknown;
  readonly route: Route;
  /** The error of a first attempt made before the middleware ran (the direct path of `stub`); cleared when replayed. */
  failed: { error: unknown } | undefined;
}

/** What the stub reads of the SDK's retry strategy. */
interface RetryStrategyView {
  readonly mode?: string;
  getCapacity?(): number;
}

/**
 * The retry quota of the SDK's standard retry strategy when full (@smithy/core util-retry `INITIAL_RETRY_TOKENS`;
 * tests/unit/rdsModel.test.ts checks it against a fresh client's strategy). A success refills the quota up to this
 * value, so while it is full recording a success changes nothing.
 */
export const SDK_RETRY_CAPACITY = 500;

/**
 * True when a call's first attempt may skip the SDK's retry middleware (the stub's direct path): the client's strategy
 * is the standard one (adaptive mode's rate limiter updates its rates on every success) and its retry quota is full.
 */
function directFirstAttempt(strategy: RetryStrategyView | undefined): boolean {
  return strategy?.mode === "standard" && strategy.getCapacity?.() === SDK_RETRY_CAPACITY;
}

/** An SDK command class (the key commands are routed by). */
type CommandClass = abstract new (...args: never) => unknown;

/** Operation name of every command class a model client routes (filled as clients are made). */
const OPERATION_NAMES = new WeakMap<CommandClass, string>();

function addRoute(routes: Map<CommandClass, Route>, cmd: CommandClass, name: string, fn: Route["fn"]): void {
  routes.set(cmd, { name, fn });
  OPERATION_NAMES.set(cmd, name);
}

/**
 * The API operation an SDK command runs on the model (`CreateDBSnapshot` for a `CreateDBSnapshotCommand`), or
 * undefined for a command no model client routes. Read from the routes, never from `constructor.name`: a bundler
 * renames classes (esbuild turns `CreateDBSnapshotCommand` into `CreateDBSnapshotCommand3` when it hoists the SDK's
 * ES modules into one scope), and a name-based match then silently missed every create and delete.
 */
export function operationName(command: object): string | undefined {
  return OPERATION_NAMES.get(command.constructor as CommandClass);
}

/** How one SDK command class reaches the model. */
interface Route {
  readonly name: string;
  readonly fn: (input: unknown) => unknown;
}

/** The order of `snapshots()`: DB snapshots, then DB cluster snapshots (each in creation order). */
const KINDS = ["instance", "cluster"] as const;

function half(): number {
  return 0.5;
}

function getOr<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let v = map.get(key);
  if (v === undefined) {
    v = make();
    map.set(key, v);
  }
  return v;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function entryProblem(e: PutEventsRequestEntry): { code: string; message: string } | undefined {
  if (!e.Source) return { code: "InvalidArgument", message: "Parameter Source is not valid." };
  if (!e.DetailType) return { code: "InvalidArgument", message: "Parameter DetailType is not valid." };
  if (e.Detail === undefined) return { code: "InvalidArgument", message: "Parameter Detail is not valid." };
  try {
    const parsed: unknown = JSON.parse(e.Detail);
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) throw new Error("not an object");
  } catch {
    return { code: "MalformedDetail", message: "Detail is malformed." };
  }
  return undefined;
}
