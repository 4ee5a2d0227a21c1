/**
 * Behavioural comparison of two simulation reports of the same scenario and seed (`--json` output), for changes that
 * reorder work at one virtual instant (an executor with fewer awaits, fewer states per poll) and so cannot keep the
 * report byte-identical. What must be equal: the verdicts (which DBs missed their RPO, feasibility, failed
 * executions, the safety findings, unowned deletions, throttling failures). What may move within a tolerance: the
 * age figures per DB and stage, the snapshots held at the end, the copies made, and which alarms fired.
 *
 * Usage: `npx tsx sim/compareReports.ts BEFORE.json AFTER.json` prints one line per difference and exits 1 when any is
 * outside the tolerance.
 */
import { readFileSync } from "node:fs";

/** How far an age figure (minutes) may move: the larger of `minutes` and `fraction` of the baseline's figure. */
export interface Tolerance {
  readonly minutes: number;
  readonly fraction: number;
  /** How many snapshots held at the end (per DB and stage) may differ. */
  readonly held: number;
  /** Fraction by which the copies made per DB and stage may differ (at least 2 copies). */
  readonly copies: number;
}

export const DEFAULT_TOLERANCE: Tolerance = { minutes: 10, fraction: 0.1, held: 2, copies: 0.05 };

interface StageFigures {
  p50: number;
  p95: number;
  max: number;
  samplesOverRpo: number;
  samples: number;
  heldAtEnd: number;
  copies: { full: number; incremental: number };
}
interface DbRow {
  account: string;
  id: string;
  missedRpo: boolean;
  stages: Record<string, StageFigures>;
}
/** The fields of a report this comparison reads. */
export interface ComparableReport {
  scenario: { name: string; seed: number; days: number };
  dbs: DbRow[];
  safety: { newestCopyDeleted: unknown[]; belowMinKeep: unknown[] };
  deletions: { byOwner: { unowned: number } };
  totals: { executionsFailed: number; throttledCalls: number };
  missedRpo: string[];
  feasibility: { db: string; feasible: boolean }[];
  alarms: { name: string; episodes: unknown[] }[];
}

/** One difference; `within` says whether the tolerance allows it. */
export interface Difference {
  readonly what: string;
  readonly before: unknown;
  readonly after: unknown;
  readonly within: boolean;
}

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Every difference between two reports of one scenario, each marked as allowed by `tol` or not. */
export function compareReports(
  before: ComparableReport,
  after: ComparableReport,
  tol: Tolerance = DEFAULT_TOLERANCE,
): Difference[] {
  const out: Difference[] = [];
  const exact = (what: string, a: unknown, b: unknown) => {
    if (!sameJson(a, b)) out.push({ what, before: a, after: b, within: false });
  };
  exact("scenario", before.scenario, after.scenario);
  exact("missedRpo", [...before.missedRpo].sort(), [...after.missedRpo].sort());
  exact("safety", before.safety, after.safety);
  exact("deletions.byOwner.unowned", before.deletions.byOwner.unowned, after.deletions.byOwner.unowned);
  exact("totals.executionsFailed", before.totals.executionsFailed, after.totals.executionsFailed);
  exact("totals.throttledCalls", before.totals.throttledCalls, after.totals.throttledCalls);
  const feasible = (r: ComparableReport) => r.feasibility.map((f) => `${f.db} ${f.feasible}`).sort();
  exact("feasibility", feasible(before), feasible(after));
  const fired = (r: ComparableReport) =>
    r.alarms
      .filter((a) => a.episodes.length > 0)
      .map((a) => a.name)
      .sort();
  const firedBefore = fired(before);
  const firedAfter = fired(after);
  if (!sameJson(firedBefore, firedAfter)) {
    out.push({ what: "alarms fired", before: firedBefore, after: firedAfter, within: true });
  }
  const rows = new Map(after.dbs.map((d) => [`${d.account}/${d.id}`, d]));
  exact(
    "dbs",
    before.dbs.map((d) => `${d.account}/${d.id}`),
    after.dbs.map((d) => `${d.account}/${d.id}`),
  );
  for (const a of before.dbs) {
    const key = `${a.account}/${a.id}`;
    const b = rows.get(key);
    if (!b) continue;
    exact(`${key} missedRpo`, a.missedRpo, b.missedRpo);
    for (const [stage, sa] of Object.entries(a.stages)) {
      const sb = b.stages[stage];
      if (!sb) {
        out.push({ what: `${key} ${stage}`, before: "present", after: "absent", within: false });
        continue;
      }
      for (const f of ["p50", "p95", "max"] as const) {
        if (sa[f] === sb[f]) continue;
        const allowed = Math.max(tol.minutes, tol.fraction * sa[f]);
        out.push({
          what: `${key} ${stage} ${f}`,
          before: sa[f],
          after: sb[f],
          within: Math.abs(sa[f] - sb[f]) <= allowed,
        });
      }
      if (sa.samplesOverRpo !== sb.samplesOverRpo) {
        // Samples over the RPO may move with the ages; a DB that was never over must stay so (its verdict).
        const within = (sa.samplesOverRpo === 0) === (sb.samplesOverRpo === 0);
        out.push({
          what: `${key} ${stage} samplesOverRpo`,
          before: sa.samplesOverRpo,
          after: sb.samplesOverRpo,
          within,
        });
      }
      if (sa.heldAtEnd !== sb.heldAtEnd) {
        const within = Math.abs(sa.heldAtEnd - sb.heldAtEnd) <= tol.held;
        out.push({ what: `${key} ${stage} heldAtEnd`, before: sa.heldAtEnd, after: sb.heldAtEnd, within });
      }
      const ca = sa.copies.full + sa.copies.incremental;
      const cb = sb.copies.full + sb.copies.incremental;
      if (ca !== cb || sa.copies.full !== sb.copies.full) {
        const allowed = Math.max(2, Math.ceil(tol.copies * ca));
        out.push({
          what: `${key} ${stage} copies`,
          before: sa.copies,
          after: sb.copies,
          within: Math.abs(ca - cb) <= allowed,
        });
      }
    }
  }
  return out;
}

function main(argv: readonly string[]): number {
  const [beforePath, afterPath] = argv;
  if (!beforePath || !afterPath) {
    console.error("usage: npx tsx sim/compareReports.ts BEFORE.json AFTER.json");
    return 2;
  }
  const read = (p: string) => JSON.parse(readFileSync(p, "utf8")) as ComparableReport;
  const diffs = compareReports(read(beforePath), read(afterPath));
  for (const d of diffs) {
    console.log(
      `${d.within ? "within " : "OUTSIDE"} ${d.what}: ${JSON.stringify(d.before)} -> ${JSON.stringify(d.after)}`,
    );
  }
  const outside = diffs.filter((d) => !d.within).length;
  console.log(`${diffs.length} differences, ${outside} outside the tolerance`);
  return outside === 0 ? 0 : 1;
}

if (process.argv[1]?.endsWith("compareReports.ts")) process.exitCode = main(process.argv.slice(2));
