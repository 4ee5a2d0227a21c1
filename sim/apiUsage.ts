/**
 * RDS API requests per account and region against the account's API budget (rule API-THROTTLING, sim/aws/throttle.ts):
 * requests per hour (peak and mean), the peak per minute and per second against the bucket's refill, the fewest
 * tokens the bucket held (how close the run came to throttling), throttled attempts, and the executions that failed
 * because of throttling. Counted from the model's record of every attempt (`RdsWorld.calls`), so SDK retries count,
 * as they do against the real budget.
 *
 * The budget is the scenario's `aws.apiRateLimit`; without one the model enforces none, and the figures are compared
 * with AWS's default (burst 300, 12 per second: RDS user guide, "Request throttling for the Amazon RDS API",
 * https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/rds-api-throttling.html) as a reference.
 */
import type pc from "picocolors";
import type { ModelCall } from "./aws/rdsModel";
import { type ApiRateLimit, RDS_API_RATE_LIMIT } from "./aws/throttle";

const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

/** RDS API use of one account and region. */
export interface ApiUsageRow {
  readonly account: string;
  readonly region: string;
  /** RDS request attempts (SDK retries included; throttled ones included). */
  readonly requests: number;
  /** Attempts the budget refused with Throttling. */
  readonly throttled: number;
  /** Requests per hour of the run (hour 0 = the first hour after the start). */
  readonly hourly: readonly number[];
  readonly perHour: { readonly peak: number; readonly mean: number; readonly peakHourStart: string };
  readonly perMinute: { readonly peak: number; readonly peakAt: string };
  readonly perSecondPeak: number;
  /** Fewest tokens left in the bucket after an accepted request (replayed with the budget's burst and refill). */
  readonly minTokens: number;
  /** Peak hour as a share of the hourly refill (1 = the sustained budget). */
  readonly peakHourShareOfBudget: number;
}

/** The report's `apiUsage` section. */
export interface ApiUsageReport {
  /** The budget compared with; `enforced` false = the scenario sets none and this is AWS's default, for reference. */
  readonly budget: {
    readonly burst: number;
    readonly refillPerSecond: number;
    readonly perMinute: number;
    readonly perHour: number;
    readonly enforced: boolean;
  };
  readonly rows: readonly ApiUsageRow[];
  /** Executions that ended with a throttling error, per machine (`account/region/step`), and in total. */
  readonly executionsFailedThrottling: { readonly total: number; readonly byMachine: Readonly<Record<string, number>> };
  /** Peak requests per hour of any account and region, and whether every row stayed below the hourly refill. */
  readonly peakPerHour: number;
  readonly belowBudget: boolean;
}

/** What {@link apiUsageOf} needs of a machine. */
export interface MachineErrors {
  readonly name: string;
  readonly failedThrottling: number;
}

/**
 * Whether an execution failed because of throttling: its error is a throttling error (RDS `Throttling`, KMS and
 * EventBridge `ThrottlingException`), or a `TransientAwsError` whose cause names one (the handlers wrap throttling
 * that outlived the SDK's retries in a TransientAwsError naming the AWS error, functions/lib/errors.ts). A timeout
 * while calls were being throttled is not counted here; it shows under the machine's errors. `anyError`: the cause
 * counts whatever the error's class (a Lambda run's own error, before the state machine wraps it).
 */
export function failedForThrottling(error: string | undefined, cause: string | undefined, anyError = false): boolean {
  if (error !== undefined && /throttl/i.test(error)) return true;
  return (anyError || error === "TransientAwsError") && cause !== undefined && /throttl/i.test(cause);
}

/**
 * Per execution: whether each DB's last Lambda run failed for throttling (keyed by the payload's `dbId`, or `scope.dbId`
 * inside a sweep's Map iteration; "" for a run without one). A sweep whose iterations exhausted their retries on
 * throttling fails with a PartialFailureError that only names the iterations' error class (`TransientAwsError`), so
 * the execution's own error and cause cannot tell; the last run of each DB can. A later successful run of the same DB
 * (a state machine retry) clears it.
 */
export class ThrottledRuns {
  readonly #lastThrottled = new Map<string, boolean>();

  /** Records one Lambda run's outcome: `err` undefined when it returned. */
  note(payload: unknown, err?: unknown): void {
    const p = payload as { dbId?: unknown; scope?: { dbId?: unknown } } | null;
    const db = p && typeof p === "object" ? (p.dbId ?? p.scope?.dbId ?? "") : "";
    const name = err && typeof err === "object" && "name" in err ? String(err.name) : undefined;
    const message = err instanceof Error ? err.message : err === undefined ? undefined : String(err);
    this.#lastThrottled.set(String(db), err !== undefined && failedForThrottling(name, message, true));
  }

  /** Whether a failed execution with this error and cause failed because of throttling. */
  explains(error: string | undefined, cause: string | undefined): boolean {
    if (failedForThrottling(error, cause)) return true;
    for (const v of this.#lastThrottled.values()) if (v) return true;
    return false;
  }
}

/** Builds the section from every recorded attempt of a run spanning `startMs`..`endMs`. */
export function apiUsageOf(
  calls: readonly ModelCall[],
  throttled: readonly ModelCall[],
  machines: readonly MachineErrors[],
  span: { readonly startMs: number; readonly endMs: number },
  limit: ApiRateLimit | undefined,
): ApiUsageReport {
  const budgetLimit = limit ?? RDS_API_RATE_LIMIT;
  const hours = Math.max(1, Math.ceil((span.endMs - span.startMs) / HOUR));
  // By account, then region (no key string per call), in the order the calls were recorded.
  const byAccount = new Map<string, Map<string, ModelCall[]>>();
  for (const c of calls) {
    if (c.service !== undefined && c.service !== "rds") continue;
    let regions = byAccount.get(c.account);
    if (regions === undefined) {
      regions = new Map();
      byAccount.set(c.account, regions);
    }
    const list = regions.get(c.region);
    if (list) list.push(c);
    else regions.set(c.region, [c]);
  }
  const byKey = new Map<string, ModelCall[]>();
  for (const [account, regions] of byAccount)
    for (const [region, list] of regions) byKey.set(`${account}|${region}`, list);
  const refused = new Map<string, Set<ModelCall>>();
  for (const c of throttled) {
    const k = `${c.account}|${c.region}`;
    const set = refused.get(k);
    if (set) set.add(c);
    else refused.set(k, new Set([c]));
  }
  const rows: ApiUsageRow[] = [];
  for (const [k, list] of [...byKey.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const [account, region] = k.split("|") as [string, string];
    const refusedHere = refused.get(k) ?? new Set<ModelCall>();
    const hourly = new Array<number>(hours).fill(0);
    const perMinute = new RunPeak();
    const perSecond = new RunPeak();
    let tokens = budgetLimit.burst;
    let at = list[0]?.at.getTime() ?? span.startMs;
    let minTokens = budgetLimit.burst;
    const anyRefused = refusedHere.size > 0;
    for (const c of list) {
      const t = c.at.getTime();
      const h = Math.min(hours - 1, Math.max(0, Math.floor((t - span.startMs) / HOUR)));
      hourly[h]!++;
      perMinute.add(Math.floor(t / MINUTE));
      perSecond.add(Math.floor(t / SECOND));
      // Replay the bucket (sim/aws/throttle.ts): refused attempts take no token.
      if (t > at) tokens = Math.min(budgetLimit.burst, tokens + ((t - at) / SECOND) * budgetLimit.refillPerSecond);
      at = Math.max(at, t);
      if (anyRefused && refusedHere.has(c)) continue;
      tokens -= 1;
      minTokens = Math.min(minTokens, tokens);
    }
    const peakHour = hourly.reduce((best, v, i) => (v > hourly[best]! ? i : best), 0);
    // The calls are recorded in time order, so each minute's (second's) calls come in one run; should they ever not
    // be, count them in maps as before.
    const inOrder = perMinute.inOrder && perSecond.inOrder;
    const [peakMinute, peakMinuteCount] = inOrder ? perMinute.max() : maxEntry(countsOf(list, MINUTE));
    const peakSecond = inOrder ? perSecond.max()[1] : maxEntry(countsOf(list, SECOND))[1];
    const peak = hourly[peakHour]!;
    rows.push({
      account,
      region,
      requests: list.length,
      throttled: refusedHere.size,
      hourly,
      perHour: {
        peak,
        mean: Math.round((list.length / ((span.endMs - span.startMs) / HOUR)) * 10) / 10,
        peakHourStart: new Date(span.startMs + peakHour * HOUR).toISOString(),
      },
      perMinute: { peak: peakMinuteCount, peakAt: new Date(peakMinute * MINUTE).toISOString() },
      perSecondPeak: peakSecond,
      minTokens: Math.max(0, Math.floor(minTokens)),
      peakHourShareOfBudget: Math.round((peak / (budgetLimit.refillPerSecond * 3600)) * 1000) / 1000,
    });
  }
  const byMachine: Record<string, number> = {};
  let total = 0;
  for (const m of machines) {
    if (m.failedThrottling > 0) byMachine[m.name] = m.failedThrottling;
    total += m.failedThrottling;
  }
  const perHour = budgetLimit.refillPerSecond * 3600;
  const peakPerHour = rows.reduce((a, r) => Math.max(a, r.perHour.peak), 0);
  return {
    budget: {
      burst: budgetLimit.burst,
      refillPerSecond: budgetLimit.refillPerSecond,
      perMinute: budgetLimit.refillPerSecond * 60,
      perHour,
      enforced: limit !== undefined,
    },
    rows,
    executionsFailedThrottling: { total, byMachine },
    peakPerHour,
    belowBudget: peakPerHour < perHour,
  };
}

/** Calls per `Math.floor(at / unit)`, in order of first appearance. */
function countsOf(list: readonly ModelCall[], unit: number): Map<number, number> {
  const m = new Map<number, number>();
  for (const c of list) {
    const k = Math.floor(c.at.getTime() / unit);
    m.set(k, (m.get(k) ?? 0) + 1);
  }
  return m;
}

/**
 * {@link maxEntry} of the counts per bucket, for buckets that come in runs (each bucket's adds together): the first
 * bucket with the highest count, [0, 0] when none. `inOrder` false once a bucket came back after a later one.
 */
class RunPeak {
  inOrder = true;
  private bucket = Number.NaN;
  private count = 0;
  private best: [number, number] = [0, 0];

  add(bucket: number): void {
    if (bucket === this.bucket) {
      this.count++;
      return;
    }
    // A bucket that comes back, or one that is not a number (a map would gather those), ends the runs.
    if (this.count > 0 && !(bucket > this.bucket)) this.inOrder = false;
    this.close();
    this.bucket = bucket;
    this.count = 1;
  }

  max(): [number, number] {
    this.close();
    return this.best;
  }

  private close(): void {
    if (this.count > this.best[1]) this.best = [this.bucket, this.count];
    this.count = 0;
  }
}

function maxEntry(m: ReadonlyMap<number, number>): [number, number] {
  let best: [number, number] = [0, 0];
  for (const e of m) if (e[1] > best[1]) best = e;
  return best;
}

/** The text report's section: a title, table rows (the report lays them out) and a closing note. */
export function renderApiUsage(
  u: ApiUsageReport,
  c: ReturnType<typeof pc.createColors>,
): { title: string; rows: string[][]; notes: string[] } {
  const b = u.budget;
  const n = (v: number) => String(Math.round(v * 100) / 100);
  const title =
    `RDS API requests per account and region vs the budget (burst ${n(b.burst)}, ${n(b.refillPerSecond)}/s = ` +
    `${n(b.perMinute)}/min, ${n(b.perHour)}/h${b.enforced ? "" : "; AWS default, not enforced in this run"})`;
  const rows = [
    ["account/region", "requests", "mean/h", "peak/h", "peak hour", "peak/min", "peak/s", "min tokens", "throttled"],
  ];
  for (const r of u.rows) {
    rows.push([
      `${r.account}/${r.region}`,
      String(r.requests),
      String(r.perHour.mean),
      r.perHour.peak >= b.perHour ? c.red(String(r.perHour.peak)) : String(r.perHour.peak),
      r.perHour.peakHourStart.slice(0, 16),
      r.perMinute.peak > b.perMinute ? c.yellow(String(r.perMinute.peak)) : String(r.perMinute.peak),
      String(r.perSecondPeak),
      r.minTokens < 1 ? c.red(String(r.minTokens)) : String(r.minTokens),
      r.throttled > 0 ? c.yellow(String(r.throttled)) : "0",
    ]);
  }
  const f = u.executionsFailedThrottling;
  const which = Object.entries(f.byMachine)
    .map(([k, v]) => `${k} x${v}`)
    .join(", ");
  const notes = [
    `  Executions failed for throttling: ${f.total === 0 ? c.green("0") : c.red(`${f.total} (${which})`)}; ` +
      `peak hour ${u.peakPerHour} requests, ${u.belowBudget ? c.green("below") : c.red("not below")} the hourly budget.`,
  ];
  return { title, rows, notes };
}
