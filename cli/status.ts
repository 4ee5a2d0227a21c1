/**
 * `status`: per source DB, the newest copy in the DR region (the stack's `drRegion`, else its region: the only
 * region status talks to, so it works while the source region is down, issue 11), its age against the RPO, and
 * manual-snapshot quota use there; with --source-profile also the newest source snapshot and whether it is shared.
 * Uses the freshness planner the alarm uses, so the CLI and the alarm never disagree.
 */
import {
  DescribeAccountAttributesCommand,
  DescribeDBClusterSnapshotAttributesCommand,
  DescribeDBSnapshotAttributesCommand,
} from "@aws-sdk/client-rds";
import { type DbRef, parseDbRef } from "../functions/freshness/dbRefs";
import { type FreshnessPlan, planFreshness } from "../functions/freshness/plan";
import type { Snapshot } from "../functions/lib/model";
import { listSnapshots } from "../functions/lib/rds";
import { isOwned, type Stage, TAG } from "../functions/lib/tags";
import { checkAccount, credentialError } from "./aws";
import type { CliContext } from "./context";
import { formatAge, table } from "./format";

/** Manual snapshot quota use in one region. */
export interface QuotaUse {
  readonly region: string;
  readonly name: string;
  readonly used: number;
  readonly max: number;
}

/** What `status --json` prints. */
export interface StatusReport {
  readonly stack: string;
  readonly drAccount: string;
  /** The region the copies were read from (the recovery region). */
  readonly region: string;
  readonly sourceAccount?: string;
  readonly generatedAt: string;
  readonly rpoMinutes: number;
  readonly stages: readonly Stage[];
  readonly dbs: readonly (FreshnessPlan["dbs"][number] & { readonly shared?: boolean })[];
  readonly quotas: readonly QuotaUse[];
  /** DB keys with a stale or missing copy in some stage. */
  readonly attention: readonly string[];
}

/** Options of the status command. */
export interface StatusOptions {
  readonly sourceProfile?: string;
  readonly sourceRegion?: string;
}

const QUOTA_NAMES = ["ManualSnapshots", "ManualClusterSnapshots"];

function refs(list: readonly string[]): DbRef[] {
  return list.map((t) => parseDbRef(t)).filter((r): r is DbRef => typeof r !== "string");
}

/** Gathers the report (no printing). */
export async function buildStatus(ctx: CliContext, o: StatusOptions): Promise<StatusReport> {
  const { stack, io, profile } = ctx;
  const drAccount = await checkAccount(io.aws, profile, ctx.region, "DR", {
    ...(ctx.settings.accountId ? { oneOf: [ctx.settings.accountId] } : {}),
    ...(stack.role === "dr" ? { notIn: stack.sourceAccounts } : {}),
    stack: ctx.stack.source,
  });
  const regions = [ctx.region];
  const snapshots: Snapshot[] = [];
  const quotas: QuotaUse[] = [];
  for (const region of regions) {
    const rds = io.aws.rds(profile, region);
    try {
      for (const s of await listSnapshots(rds, { type: "manual" })) if (isOwned(s.tags)) snapshots.push(s);
      const attrs = await rds.send(new DescribeAccountAttributesCommand({}));
      for (const q of attrs.AccountQuotas ?? []) {
        if (q.AccountQuotaName && QUOTA_NAMES.includes(q.AccountQuotaName)) {
          quotas.push({ region, name: q.AccountQuotaName, used: q.Used ?? 0, max: q.Max ?? 0 });
        }
      }
    } catch (err) {
      throw credentialError(err, profile) ?? err;
    }
  }

  // Only the stage whose copies live in the recovery region.
  const drStage: Stage = stack.drRegion !== undefined && ctx.region === stack.drRegion ? "dr-region" : "dr";
  const stages: Stage[] = [...(o.sourceProfile ? (["source"] as const) : []), drStage];
  let sourceAccount: string | undefined;
  const sourceSnapshots: Snapshot[] = [];
  if (o.sourceProfile) {
    sourceAccount = await checkAccount(io.aws, o.sourceProfile, ctx.region, "source", {
      oneOf: stack.role === "dr" ? stack.sourceAccounts : [drAccount],
      stack: ctx.stack.source,
    });
    const region =
      o.sourceRegion ?? snapshots.find((s) => s.tags[TAG.sourceRegion])?.tags[TAG.sourceRegion] ?? stack.region;
    try {
      for (const s of await listSnapshots(io.aws.rds(o.sourceProfile, region), { type: "manual" })) {
        if (isOwned(s.tags)) sourceSnapshots.push(s);
      }
    } catch (err) {
      throw credentialError(err, o.sourceProfile) ?? err;
    }
  }
  const plan = planFreshness({
    snapshots: [...snapshots, ...sourceSnapshots],
    stages,
    expected: refs(ctx.settings.expectedDbs),
    retired: refs(stack.retiredDbs),
    now: io.now(),
    rpoMinutes: stack.rpoMinutes,
  });

  const dbs: StatusReport["dbs"][number][] = [];
  for (const d of plan.dbs) {
    const src = d.stages.find((c) => c.stage === "source");
    if (!o.sourceProfile || !src?.snapshotId || d.sourceAccount !== sourceAccount) {
      dbs.push(d);
      continue;
    }
    const rds = io.aws.rds(o.sourceProfile, src.region ?? stack.region);
    const values =
      d.kind === "cluster"
        ? (
            await rds.send(
              new DescribeDBClusterSnapshotAttributesCommand({ DBClusterSnapshotIdentifier: src.snapshotId }),
            )
          ).DBClusterSnapshotAttributesResult?.DBClusterSnapshotAttributes
        : (await rds.send(new DescribeDBSnapshotAttributesCommand({ DBSnapshotIdentifier: src.snapshotId })))
            .DBSnapshotAttributesResult?.DBSnapshotAttributes;
    const restore = values?.find((a) => a.AttributeName === "restore")?.AttributeValues ?? [];
    dbs.push({ ...d, shared: restore.includes(drAccount) || restore.includes("all") });
  }
  const attention = plan.dbs.filter((d) => d.stages.some((c) => c.stale)).map((d) => d.key);
  return {
    stack: ctx.stack.source,
    drAccount,
    region: ctx.region,
    ...(sourceAccount ? { sourceAccount } : {}),
    generatedAt: io.now().toISOString(),
    rpoMinutes: stack.rpoMinutes,
    stages,
    dbs,
    quotas,
    attention,
  };
}

/** Renders the report for a terminal (or plain text when not a TTY). */
export function renderStatus(ctx: CliContext, r: StatusReport): string[] {
  const c = ctx.colors;
  const header = [
    "DB",
    "KIND",
    ...r.stages.flatMap((s) => (s === "source" ? ["SOURCE", "SHARED"] : [s.toUpperCase()])),
    "STATE",
  ];
  const rows = r.dbs.map((d) => {
    const cells = d.stages.flatMap((cell) => {
      const age =
        cell.ageMinutes === null
          ? c.red("none")
          : cell.stale
            ? c.red(formatAge(cell.ageMinutes))
            : c.green(formatAge(cell.ageMinutes));
      if (cell.stage !== "source") return [age];
      const shared = d.shared === undefined ? c.dim("?") : d.shared ? c.green("yes") : c.red("no");
      return [age, shared];
    });
    const bad = d.stages.some((x) => x.stale);
    return [d.key, d.kind ?? "?", ...cells, bad ? c.red(c.bold("STALE")) : c.green("ok")];
  });
  const lines = [
    `${c.bold("rds-pilot-light status")}  stack ${r.stack}, DR account ${r.drAccount} in ${r.region}, RPO ${r.rpoMinutes} min (ages of the newest available copy)`,
    "",
    ...(rows.length > 0 ? table(header, rows) : [c.yellow("No owned copies found in the DR account yet.")]),
    "",
  ];
  for (const q of r.quotas) {
    const ratio = q.max > 0 ? q.used / q.max : 0;
    const text = `${q.used}/${q.max}`;
    lines.push(`${q.name} in ${q.region}: ${ratio >= 0.9 ? c.red(text) : ratio >= 0.75 ? c.yellow(text) : text}`);
  }
  if (r.attention.length > 0) {
    lines.push(c.red(`${r.attention.length} DB(s) older than the RPO or without a copy: ${r.attention.join(", ")}`));
  }
  return lines;
}
