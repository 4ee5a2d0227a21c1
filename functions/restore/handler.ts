/**
 * Restorer Lambda (DR account). One function, several steps, each called by the restore state machine
 * (components/shared/restoreStateMachine.ts) with `{ action, ... }` and returning the next state:
 *
 * - `plan`: validate the request, pick a copy per DB ({@link planRestore}), refuse if a target DB exists.
 * - `start`: issue RestoreDBInstanceFromDBSnapshot / RestoreDBClusterFromSnapshot.
 * - `check`: poll statuses; create Aurora members once their cluster is available; `done` when all available.
 * - `finish`: endpoints, recovery points, elapsed time; a failover emits `RestoreDurationMinutes` here.
 * - `announce`: drills only, puts a "drill restored" event (drill id, DBs, endpoints) on the restore region's default
 *   bus, for whatever checks the data (the state machine then calls the optional validation Lambda).
 * - `recordDrill`: drills only, turns the validation's answer (or error/timeout) into the verdict; emits
 *   `RestoreDurationMinutes` (restore + validation) and `DrillSucceeded` 1/0.
 * - `recordFailure`: drills only, emits `DrillSucceeded` 0 before the clean-up.
 * - `cleanup`: drills only, deletes the temporary DBs (instances first, then clusters); never any other name.
 *
 * Every DB this creates carries the tag `rpl-restore-token` (the run's start time), so a retried `start`/`check`
 * recognises its own DB on an *AlreadyExists* error instead of mistaking it for someone else's.
 */
import { PutEventsCommand } from "@aws-sdk/client-eventbridge";
import {
  CreateDBInstanceCommand,
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBClusterSnapshotsCommand,
  DescribeDBClustersCommand,
  DescribeDBInstancesCommand,
  type RDSClient,
  RestoreDBClusterFromSnapshotCommand,
  RestoreDBInstanceFromDBSnapshotCommand,
  type Tag,
} from "@aws-sdk/client-rds";
import { ConfigError, errorName, isTransient, TransientAwsError } from "../lib/errors";
import type { HandlerDeps } from "../lib/lambda";
import { MetricUnit } from "../lib/powertools";
import { listSnapshots } from "../lib/rds";
import { MANAGED_BY_VALUE, recordToTags, TAG, tagsToRecord } from "../lib/tags";
import { DRILL_PREFIX, type RestoreConfig } from "./config";
import { DrillEventError, RestoreFailedError, RestoreTargetExistsError } from "./errors";
import {
  assertTargetsFree,
  isDrillId,
  parseRestoreRequest,
  planRestore,
  type RestoreMode,
  type RestoreTarget,
} from "./plan";

/** Tag on restored DBs: the run that created them. */
export const RESTORE_TOKEN_TAG = TAG.restoreToken;
/** Tag on drill DBs. */
export const DRILL_TAG = TAG.drill;
/** Tag on restored DBs: the snapshot they came from. */
export const RESTORED_FROM_TAG = TAG.restoredFrom;

/** The "drill restored" event (docs/runbook-failover.md "Drill validation"). */
export const DRILL_EVENT = { source: "rds-pilot-light", detailType: "RDS Pilot Light Drill Restored" } as const;
/** Error of a drill whose validation said no, failed or timed out. */
export const DRILL_VALIDATION_FAILED = "DrillValidationFailed";

/** Statuses from which a restore never becomes available. */
const FAILED_STATUSES = new Set([
  "failed",
  "incompatible-restore",
  "incompatible-parameters",
  "incompatible-network",
  "incompatible-option-group",
  "storage-full",
  "inaccessible-encryption-credentials",
  "inaccessible-encryption-credentials-recoverable",
]);

/** Endpoint of one restored DB. */
export interface RestoreEndpoint {
  readonly key: string;
  readonly targetId: string;
  readonly address?: string;
  readonly readerAddress?: string;
  readonly port?: number;
}

/** The state carried between the steps of the restore state machine. */
export interface RestoreState {
  readonly mode: RestoreMode;
  /** ISO start time; also the restore token tagged on every DB this run creates. */
  readonly startedAt: string;
  readonly region: string;
  readonly before?: string;
  readonly targets: readonly RestoreTarget[];
  /** Status checks made so far, and the most the state machine allows (RTO / wait). */
  readonly checks: number;
  readonly maxChecks: number;
  readonly done: boolean;
  /** Latest status per target id (clusters and members). */
  readonly statuses?: Readonly<Record<string, string>>;
  readonly endpoints?: readonly RestoreEndpoint[];
  readonly result?: RestoreResult;
  /** Clean-up progress (drills). */
  readonly cleanup?: { readonly remaining: number; readonly attempts: number; readonly pending: readonly string[] };
  /** Set by a Catch (`ResultPath: $.error`). */
  readonly error?: { readonly Error?: string; readonly Cause?: string };
  /** Drills: id, then verdict. */
  readonly drill?: DrillVerdict;
  /** The validation Lambda's invoke result (`ResultPath: $.validation`), consumed by `recordDrill`. */
  readonly validation?: { readonly Payload?: unknown };
  /** The validation Lambda's error or timeout (`ResultPath: $.validationError`), consumed by `recordDrill`. */
  readonly validationError?: { readonly Error?: string; readonly Cause?: string };
}

/** Verdict of a drill (`recordDrill`). */
export interface DrillVerdict {
  /** Drill id (also in the "drill restored" event and the validation Lambda's payload). */
  readonly id: string;
  /** `passed`/`failed`: what the validation Lambda decided; `none`: no validation Lambda is configured. */
  readonly validation?: "passed" | "failed" | "none";
  readonly passed?: boolean;
  readonly reason?: string;
  /** Minutes until every DB was available. */
  readonly restoreMinutes?: number;
  /** Minutes the validation took. */
  readonly validationMinutes?: number;
}

/** What a finished restore reports (also the CLI's final output). */
export interface RestoreResult {
  readonly mode: RestoreMode;
  /** Minutes from start to end: the restore, and for a drill its validation too. */
  readonly elapsedMinutes: number;
  /** Drills: the validation verdict. */
  readonly drill?: DrillVerdict;
  readonly restored: readonly (RestoreEndpoint & { readonly recoveryPoint: string; readonly snapshotId: string })[];
}

/** Events the state machine sends. */
export type RestoreEvent =
  | { readonly action: "plan"; readonly input?: unknown; readonly maxChecks: number }
  | {
      readonly action: "start" | "check" | "finish" | "announce" | "recordDrill" | "recordFailure" | "cleanup";
      readonly state: RestoreState;
    };

type Deps = HandlerDeps<RestoreConfig>;

/** Builds the restorer handler core (dispatch on `action`). */
export function makeHandler(deps: Deps): (event: RestoreEvent) => Promise<RestoreState> {
  return async (event) => {
    try {
      switch (event.action) {
        case "plan":
          return await plan(deps, event.input, event.maxChecks);
        case "start":
          return await start(deps, event.state);
        case "check":
          return await check(deps, event.state);
        case "finish":
          return finish(deps, event.state);
        case "announce":
          return await announce(deps, event.state);
        case "recordDrill":
          return recordDrill(deps, event.state);
        case "recordFailure":
          return recordFailure(deps, event.state);
        case "cleanup":
          return await cleanup(deps, event.state);
        default:
          throw new ConfigError(`restore: unknown action ${JSON.stringify((event as { action?: unknown }).action)}`);
      }
    } catch (err) {
      if (isTransient(err)) throw new TransientAwsError(`restore ${event.action}: ${errorName(err)}`, { cause: err });
      throw err;
    }
  };
}

function instanceClassFor(config: RestoreConfig, mode: RestoreMode): string | undefined {
  return mode === "drill" ? (config.drillInstanceClass ?? config.instanceClass) : config.instanceClass;
}

async function plan(deps: Deps, input: unknown, maxChecks: number): Promise<RestoreState> {
  const request = parseRestoreRequest(input);
  const now = deps.clock();
  const region = deps.config.restoreRegion;
  const rds = deps.clients.rds(region);
  const snapshots = await listSnapshots(rds, { type: "manual" });
  const instanceClass = instanceClassFor(deps.config, request.mode);
  const targets = planRestore({
    snapshots,
    request,
    settings: {
      region,
      namePrefix: deps.config.namePrefix,
      clusterInstances: deps.config.multiAz ? 2 : 1,
      ...(instanceClass ? { instanceClass } : {}),
      retired: deps.config.retired,
    },
    now,
  });
  const existing = new Set<string>();
  for (const t of targets) {
    if (t.kind === "cluster" && (await describeCluster(rds, t.targetId))) existing.add(t.targetId);
    for (const id of t.kind === "instance" ? [t.targetId] : t.memberIds) {
      if (await describeInstance(rds, id)) existing.add(id);
    }
  }
  assertTargetsFree(targets, existing);
  deps.obs.logger.info("restore planned", {
    mode: request.mode,
    targets: targets.map((t) => ({
      db: t.key,
      snapshot: t.snapshotId,
      recoveryPoint: t.recoveryPoint,
      target: t.targetId,
    })),
  });
  return {
    mode: request.mode,
    startedAt: now.toISOString(),
    region,
    ...(request.before ? { before: request.before } : {}),
    targets,
    checks: 0,
    maxChecks,
    done: false,
  };
}

function tagsFor(state: RestoreState, t: RestoreTarget): Tag[] {
  return recordToTags({
    [TAG.sourceDb]: t.dbId,
    [TAG.sourceAccount]: t.sourceAccount,
    [TAG.recoveryPoint]: t.recoveryPoint,
    [RESTORED_FROM_TAG]: t.snapshotArn,
    [RESTORE_TOKEN_TAG]: state.startedAt,
    ...(state.mode === "drill" ? { [DRILL_TAG]: "true" } : {}),
    // The Restorer's IAM role may create (and, for drills, delete) only DBs carrying this tag (issue 11).
    [TAG.restoredBy]: MANAGED_BY_VALUE,
  });
}

/** Runs a create call; on *AlreadyExists*, accepts the DB only when it carries this run's token. */
async function createOnce(
  create: () => Promise<unknown>,
  existingTags: () => Promise<Record<string, string> | undefined>,
  id: string,
  token: string,
): Promise<void> {
  try {
    await create();
  } catch (err) {
    if (!/AlreadyExists/.test(errorName(err))) throw err;
    const tags = await existingTags();
    if (tags?.[RESTORE_TOKEN_TAG] !== token) {
      throw new RestoreTargetExistsError(`refusing to overwrite existing DB ${id} (created outside this run)`, {
        cause: err,
      });
    }
  }
}

async function start(deps: Deps, state: RestoreState): Promise<RestoreState> {
  const rds = deps.clients.rds(state.region);
  const c = deps.config;
  const instanceClass = instanceClassFor(c, state.mode);
  const network = {
    DBSubnetGroupName: c.subnetGroup,
    ...(c.securityGroupIds.length > 0 ? { VpcSecurityGroupIds: [...c.securityGroupIds] } : {}),
    DeletionProtection: state.mode === "restore",
  };
  for (const t of state.targets) {
    const Tags = tagsFor(state, t);
    if (t.kind === "instance") {
      await createOnce(
        () =>
          rds.send(
            new RestoreDBInstanceFromDBSnapshotCommand({
              DBInstanceIdentifier: t.targetId,
              DBSnapshotIdentifier: t.snapshotId,
              ...network,
              ...(instanceClass ? { DBInstanceClass: instanceClass } : {}),
              ...(c.parameterGroup ? { DBParameterGroupName: c.parameterGroup } : {}),
              MultiAZ: c.multiAz,
              PubliclyAccessible: false,
              CopyTagsToSnapshot: true,
              Tags,
            }),
          ),
        async () => (await describeInstance(rds, t.targetId))?.tags,
        t.targetId,
        state.startedAt,
      );
    } else {
      const snap = await rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterSnapshotIdentifier: t.snapshotId }));
      const s = snap.DBClusterSnapshots?.[0];
      if (!s?.Engine) throw new RestoreFailedError(`cluster snapshot ${t.snapshotId} reports no engine`);
      await createOnce(
        () =>
          rds.send(
            new RestoreDBClusterFromSnapshotCommand({
              DBClusterIdentifier: t.targetId,
              SnapshotIdentifier: t.snapshotId,
              Engine: s.Engine,
              ...(s.EngineVersion ? { EngineVersion: s.EngineVersion } : {}),
              ...network,
              ...(c.kmsKeyArn ? { KmsKeyId: c.kmsKeyArn } : {}),
              ...(c.clusterParameterGroup ? { DBClusterParameterGroupName: c.clusterParameterGroup } : {}),
              CopyTagsToSnapshot: true,
              Tags,
            }),
          ),
        async () => (await describeCluster(rds, t.targetId))?.tags,
        t.targetId,
        state.startedAt,
      );
    }
    deps.obs.logger.info("restore started", { db: t.key, target: t.targetId, snapshot: t.snapshotId });
  }
  return state;
}

async function check(deps: Deps, state: RestoreState): Promise<RestoreState> {
  const rds = deps.clients.rds(state.region);
  const statuses: Record<string, string> = {};
  const endpoints: RestoreEndpoint[] = [];
  let allAvailable = true;
  const failIf = (id: string, status: string) => {
    if (FAILED_STATUSES.has(status)) throw new RestoreFailedError(`restored DB ${id} is in state "${status}"`);
  };
  for (const t of state.targets) {
    if (t.kind === "instance") {
      const d = await describeInstance(rds, t.targetId);
      const status = d?.status ?? "missing";
      statuses[t.targetId] = status;
      if (!d)
        throw new RestoreFailedError(`restored DB instance ${t.targetId} does not exist (deleted during the restore?)`);
      failIf(t.targetId, status);
      if (status !== "available") allAvailable = false;
      endpoints.push({ key: t.key, targetId: t.targetId, ...d.endpoint });
      continue;
    }
    const cl = await describeCluster(rds, t.targetId);
    if (!cl)
      throw new RestoreFailedError(`restored DB cluster ${t.targetId} does not exist (deleted during the restore?)`);
    statuses[t.targetId] = cl.status;
    failIf(t.targetId, cl.status);
    if (cl.status !== "available") {
      allAvailable = false;
      continue;
    }
    for (const id of t.memberIds) {
      let m = await describeInstance(rds, id);
      if (!m) {
        await createMember(deps, rds, state, t, id, cl.engine);
        m = await describeInstance(rds, id);
      }
      const status = m?.status ?? "creating";
      statuses[id] = status;
      failIf(id, status);
      if (status !== "available") allAvailable = false;
    }
    endpoints.push({ key: t.key, targetId: t.targetId, ...cl.endpoint });
  }
  return { ...state, checks: state.checks + 1, done: allAvailable, statuses, endpoints };
}

/**
 * Aurora instances are created once the restored cluster is `available`, so a failure of the cluster restore
 * never leaves half-built members behind.
 */
async function createMember(
  deps: Deps,
  rds: RDSClient,
  state: RestoreState,
  t: RestoreTarget,
  id: string,
  engine: string,
): Promise<void> {
  const c = deps.config;
  const instanceClass = instanceClassFor(c, state.mode);
  if (!instanceClass)
    throw new ConfigError(`restore: no instance class for Aurora instance ${id}; set RPL_INSTANCE_CLASS`);
  await createOnce(
    () =>
      rds.send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: id,
          DBClusterIdentifier: t.targetId,
          DBInstanceClass: instanceClass,
          Engine: engine,
          ...(c.parameterGroup ? { DBParameterGroupName: c.parameterGroup } : {}),
          PubliclyAccessible: false,
          Tags: tagsFor(state, t),
        }),
      ),
    async () => (await describeInstance(rds, id))?.tags,
    id,
    state.startedAt,
  );
  deps.obs.logger.info("aurora instance created", { db: t.key, cluster: t.targetId, instance: id });
}

function elapsedMinutes(state: RestoreState, now: Date): number {
  return Math.round(((now.getTime() - Date.parse(state.startedAt)) / 60_000) * 10) / 10;
}

function emit(
  deps: Deps,
  name: string,
  unit: (typeof MetricUnit)[keyof typeof MetricUnit],
  value: number,
  dims: Record<string, string> = {},
): void {
  const m = deps.obs.metrics.singleMetric();
  for (const [k, v] of Object.entries(dims)) m.addDimension(k, v);
  m.addMetric(name, unit, value);
}

function finish(deps: Deps, state: RestoreState): RestoreState {
  const elapsed = elapsedMinutes(state, deps.clock());
  const byTarget = new Map((state.endpoints ?? []).map((e) => [e.targetId, e]));
  const result: RestoreResult = {
    mode: state.mode,
    elapsedMinutes: elapsed,
    restored: state.targets.map((t) => ({
      ...(byTarget.get(t.targetId) ?? { key: t.key, targetId: t.targetId }),
      recoveryPoint: t.recoveryPoint,
      snapshotId: t.snapshotId,
    })),
  };
  deps.obs.logger.info("restore finished", { ...result });
  if (state.mode === "drill") {
    // A drill's RTO covers the validation too: its metrics wait for `recordDrill`.
    return { ...state, result, drill: { id: drillId(state), restoreMinutes: elapsed } };
  }
  emit(deps, "RestoreDurationMinutes", MetricUnit.NoUnit, elapsed, { Mode: state.mode });
  return { ...state, result };
}

/** A drill's id: its restore token in compact form (`drill-20261125T060000Z`). */
export function drillId(state: Pick<RestoreState, "startedAt">): string {
  return `drill-${state.startedAt.replace(/[-:]/g, "").replace(/\.\d+Z$/, "Z")}`;
}

function drillOnly(state: RestoreState, action: string): { result: RestoreResult; drill: DrillVerdict } {
  if (state.mode !== "drill" || !state.result || !state.drill) {
    throw new ConfigError(`restore: ${action} is only for a drill whose restore finished`);
  }
  return { result: state.result, drill: state.drill };
}

/**
 * Puts "drill restored" on the restore region's default event bus: the drill id and each restored DB with its
 * endpoint, so a validation job can connect before the clean-up.
 */
async function announce(deps: Deps, state: RestoreState): Promise<RestoreState> {
  const { result, drill } = drillOnly(state, "announce");
  const detail = {
    drillId: drill.id,
    region: state.region,
    startedAt: state.startedAt,
    restored: result.restored.map((r) => ({
      db: r.key,
      targetId: r.targetId,
      ...(r.address ? { address: r.address } : {}),
      ...(r.readerAddress ? { readerAddress: r.readerAddress } : {}),
      ...(r.port ? { port: r.port } : {}),
      recoveryPoint: r.recoveryPoint,
      snapshotId: r.snapshotId,
    })),
  };
  const out = await deps.clients.events(state.region).send(
    new PutEventsCommand({
      Entries: [{ Source: DRILL_EVENT.source, DetailType: DRILL_EVENT.detailType, Detail: JSON.stringify(detail) }],
    }),
  );
  if ((out.FailedEntryCount ?? 0) > 0) {
    const e = out.Entries?.[0];
    throw new DrillEventError(`drill event not accepted: ${e?.ErrorCode ?? "unknown"} ${e?.ErrorMessage ?? ""}`.trim());
  }
  deps.obs.logger.info("drill announced", { drillId: drill.id });
  return state;
}

/** The message of a Step Functions error cause (a Lambda's is `{"errorMessage","errorType",...}` as JSON). */
function causeText(cause: string | undefined): string {
  if (!cause) return "";
  try {
    const p = JSON.parse(cause) as { errorMessage?: unknown };
    if (p && typeof p.errorMessage === "string") return p.errorMessage;
  } catch {
    // Not JSON: Step Functions' own text (a timeout, for instance).
  }
  return cause;
}

/** The validation's outcome: its answer when it is `{ passed: boolean, reason?: string }`, else a failure. */
function verdictOf(state: RestoreState): { validation: "passed" | "failed" | "none"; reason?: string } {
  if (state.validationError) {
    const name = state.validationError.Error ?? "Error";
    const why = causeText(state.validationError.Cause);
    return {
      validation: "failed",
      reason:
        name === "States.Timeout"
          ? "the validation Lambda timed out"
          : `the validation Lambda failed: ${name}${why ? `: ${why}` : ""}`,
    };
  }
  if (!state.validation) return { validation: "none" };
  const answer = state.validation.Payload as { passed?: unknown; reason?: unknown } | null | undefined;
  if (
    !answer ||
    typeof answer !== "object" ||
    typeof answer.passed !== "boolean" ||
    (answer.reason !== undefined && typeof answer.reason !== "string")
  ) {
    return {
      validation: "failed",
      reason: `the validation Lambda answered ${JSON.stringify(answer ?? null).slice(0, 200)}, not { passed: boolean, reason?: string }`,
    };
  }
  const reason = typeof answer.reason === "string" ? answer.reason.slice(0, 1000) : undefined;
  return { validation: answer.passed ? "passed" : "failed", ...(reason ? { reason } : {}) };
}

/**
 * Records a drill's verdict once its validation answered (or failed, or timed out, or none is configured): the
 * drill's `RestoreDurationMinutes` covers restore + validation, `DrillSucceeded` is 1 only when it passed. A failed
 * verdict is kept in `$.error` (`DrillValidationFailed`) for the state machine to fail with after the clean-up.
 */
function recordDrill(deps: Deps, state: RestoreState): RestoreState {
  const { result, drill } = drillOnly(state, "recordDrill");
  const elapsed = elapsedMinutes(state, deps.clock());
  const { validation, reason } = verdictOf(state);
  const passed = validation !== "failed";
  const verdict: DrillVerdict = {
    ...drill,
    validation,
    passed,
    ...(reason ? { reason } : {}),
    ...(validation !== "none"
      ? { validationMinutes: Math.round((elapsed - (drill.restoreMinutes ?? 0)) * 10) / 10 }
      : {}),
  };
  emit(deps, "RestoreDurationMinutes", MetricUnit.NoUnit, elapsed, { Mode: "drill" });
  emit(deps, "DrillSucceeded", MetricUnit.Count, passed ? 1 : 0);
  if (verdict.validationMinutes !== undefined)
    emit(deps, "DrillValidationMinutes", MetricUnit.NoUnit, verdict.validationMinutes);
  if (passed) deps.obs.logger.info("drill passed", { ...verdict });
  else deps.obs.logger.error("drill failed validation", { ...verdict });
  const { validation: _v, validationError: _e, ...rest } = state;
  return {
    ...rest,
    drill: verdict,
    result: { ...result, elapsedMinutes: elapsed, drill: verdict },
    ...(passed ? {} : { error: { Error: DRILL_VALIDATION_FAILED, Cause: reason ?? "the validation failed" } }),
  };
}

function recordFailure(deps: Deps, state: RestoreState): RestoreState {
  if (state.mode === "drill") emit(deps, "DrillSucceeded", MetricUnit.Count, 0);
  deps.obs.logger.error("restore failed", { mode: state.mode, error: state.error });
  return state;
}

/**
 * Deletes the drill's DBs: Aurora members first (a cluster with live instances cannot be deleted), then the
 * cluster. Only identifiers with the drill prefix are ever touched. A DB that is already `deleting` or gone
 * counts as done; one whose delete RDS rejects for its state is reported as pending, and the state machine calls
 * again after a wait.
 */
async function cleanup(deps: Deps, state: RestoreState): Promise<RestoreState> {
  if (state.mode !== "drill")
    throw new ConfigError("restore: cleanup is only for drills; a failover restore is never deleted");
  const rds = deps.clients.rds(state.region);
  const pending: string[] = [];
  // A drill that failed while planning created nothing: its state has no targets.
  for (const t of state.targets ?? []) {
    for (const id of [...t.memberIds, t.targetId]) {
      if (!isDrillId(id)) throw new ConfigError(`restore: refusing to delete ${id}: not a drill DB (${DRILL_PREFIX}*)`);
    }
    const instanceIds = t.kind === "instance" ? [t.targetId] : t.memberIds;
    let membersGone = true;
    for (const id of instanceIds) {
      const d = await describeInstance(rds, id);
      if (!d) continue;
      if (d.status === "deleting") {
        if (t.kind === "cluster") membersGone = false;
        continue;
      }
      if (
        !(await tryDelete(() =>
          rds.send(
            new DeleteDBInstanceCommand({
              DBInstanceIdentifier: id,
              SkipFinalSnapshot: true,
              DeleteAutomatedBackups: true,
            }),
          ),
        ))
      ) {
        pending.push(id);
      }
      if (t.kind === "cluster") membersGone = false;
    }
    if (t.kind === "cluster") {
      const cl = await describeCluster(rds, t.targetId);
      if (!cl || cl.status === "deleting") continue;
      if (!membersGone) {
        pending.push(t.targetId);
        continue;
      }
      if (
        !(await tryDelete(() =>
          rds.send(
            new DeleteDBClusterCommand({
              DBClusterIdentifier: t.targetId,
              SkipFinalSnapshot: true,
              DeleteAutomatedBackups: true,
            }),
          ),
        ))
      ) {
        pending.push(t.targetId);
      }
    }
  }
  const attempts = (state.cleanup?.attempts ?? 0) + 1;
  deps.obs.logger.info("drill cleanup", { attempts, pending });
  return { ...state, cleanup: { remaining: pending.length, attempts, pending } };
}

/** Issues a delete; true when accepted or already gone, false when RDS rejects it for the DB's current state. */
async function tryDelete(del: () => Promise<unknown>): Promise<boolean> {
  try {
    await del();
    return true;
  } catch (err) {
    const name = errorName(err);
    if (name === "DBInstanceNotFoundFault" || name === "DBClusterNotFoundFault") return true;
    if (name === "InvalidDBInstanceStateFault" || name === "InvalidDBClusterStateFault") return false;
    throw err;
  }
}

interface Described {
  status: string;
  tags: Record<string, string>;
  engine: string;
  endpoint: { address?: string; readerAddress?: string; port?: number };
}

async function describeInstance(rds: RDSClient, id: string): Promise<Described | undefined> {
  try {
    const r = await rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: id }));
    const d = r.DBInstances?.[0];
    if (!d) return undefined;
    return {
      status: (d.DBInstanceStatus ?? "unknown").toLowerCase(),
      tags: tagsToRecord(d.TagList),
      engine: d.Engine ?? "",
      endpoint: {
        ...(d.Endpoint?.Address ? { address: d.Endpoint.Address } : {}),
        ...(d.Endpoint?.Port ? { port: d.Endpoint.Port } : {}),
      },
    };
  } catch (err) {
    if (errorName(err) === "DBInstanceNotFoundFault") return undefined;
    throw err;
  }
}

async function describeCluster(rds: RDSClient, id: string): Promise<Described | undefined> {
  try {
    const r = await rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }));
    const c = r.DBClusters?.[0];
    if (!c) return undefined;
    return {
      status: (c.Status ?? "unknown").toLowerCase(),
      tags: tagsToRecord(c.TagList),
      engine: c.Engine ?? "",
      endpoint: {
        ...(c.Endpoint ? { address: c.Endpoint } : {}),
        ...(c.ReaderEndpoint ? { readerAddress: c.ReaderEndpoint } : {}),
        ...(c.Port ? { port: c.Port } : {}),
      },
    };
  } catch (err) {
    if (errorName(err) === "DBClusterNotFoundFault") return undefined;
    throw err;
  }
}
