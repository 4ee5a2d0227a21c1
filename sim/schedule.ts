/**
 * When an EventBridge Scheduler expression fires, in virtual time. This models the AWS service (like the RDS model
 * does), it plans nothing: the stacks decide the expressions, the simulator only needs to know when they fire.
 *
 * Supported: `rate(<n> minute|minutes|hour|hours|day|days)` and six-field `cron(min hour day-of-month month
 * day-of-week year)` in UTC with `*`, `?`, lists, ranges, `/` steps, `JAN-DEC` and `SUN-SAT` (1-7 = SUN-SAT), as in
 * https://docs.aws.amazon.com/scheduler/latest/UserGuide/schedule-types.html. `L`, `W` and `#` are rejected with
 * an error naming the expression.
 */
import { ConfigError } from "../functions/lib/errors";

/** A parsed schedule expression. */
export interface Schedule {
  readonly expression: string;
  /** First fire time strictly after `afterMs` (epoch ms), or undefined when it never fires again. */
  next(afterMs: number): number | undefined;
}

const MINUTE = 60_000;
const DAY = 1440 * MINUTE;
/** How far ahead {@link Schedule.next} searches a cron expression before giving up. */
const CRON_HORIZON_DAYS = 5 * 366;

/**
 * Parses a schedule expression. Rate schedules fire every period counted from `anchorMs` (the deployment time),
 * the first time one period after it.
 */
export function parseSchedule(expression: string, anchorMs: number): Schedule {
  const rate = /^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$/.exec(expression.trim());
  if (rate) {
    const n = Number(rate[1]);
    const unit = rate[2]!.startsWith("minute") ? MINUTE : rate[2]!.startsWith("hour") ? 60 * MINUTE : DAY;
    const period = n * unit;
    if (period <= 0) throw new ConfigError(`schedule expression ${expression} must have a period > 0`);
    return {
      expression,
      next: (after) => anchorMs + (Math.floor((after - anchorMs) / period) + 1) * period,
    };
  }
  const cron = /^cron\((.*)\)$/.exec(expression.trim());
  if (cron) return parseCron(expression, cron[1]!);
  throw new ConfigError(
    `unsupported schedule expression ${JSON.stringify(expression)}: expected rate(...) or cron(...)`,
  );
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const DAYS = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

function parseCron(expression: string, body: string): Schedule {
  const fields = body.trim().split(/\s+/);
  if (fields.length !== 6) {
    throw new ConfigError(
      `cron expression ${expression} must have 6 fields (minutes hours day-of-month month day-of-week year)`,
    );
  }
  const [mi, ho, dom, mo, dow, yr] = fields as [string, string, string, string, string, string];
  const minutes = field(expression, "minutes", mi, 0, 59);
  const hours = field(expression, "hours", ho, 0, 23);
  const doms = dom === "?" ? undefined : field(expression, "day-of-month", dom, 1, 31);
  const months = field(expression, "month", mo, 1, 12, MONTHS, 1);
  const dows = dow === "?" ? undefined : field(expression, "day-of-week", dow, 1, 7, DAYS, 1);
  const years = field(expression, "year", yr, 1970, 2199);
  if (doms === undefined && dows === undefined) {
    throw new ConfigError(`cron expression ${expression}: day-of-month and day-of-week cannot both be "?"`);
  }
  const dayMatches = (d: Date) =>
    months.has(d.getUTCMonth() + 1) &&
    years.has(d.getUTCFullYear()) &&
    (doms === undefined || doms.has(d.getUTCDate())) &&
    (dows === undefined || dows.has(d.getUTCDay() + 1));
  return {
    expression,
    next(after) {
      let t = Math.floor(after / MINUTE) * MINUTE + MINUTE;
      const limit = after + CRON_HORIZON_DAYS * DAY;
      while (t <= limit) {
        const d = new Date(t);
        if (!dayMatches(d)) {
          t = Math.floor(t / DAY) * DAY + DAY;
          continue;
        }
        if (!hours.has(d.getUTCHours())) {
          t = Math.floor(t / (60 * MINUTE)) * 60 * MINUTE + 60 * MINUTE;
          continue;
        }
        if (minutes.has(d.getUTCMinutes())) return t;
        t += MINUTE;
      }
      return undefined;
    },
  };
}

function field(
  expression: string,
  name: string,
  text: string,
  min: number,
  max: number,
  names?: readonly string[],
  nameBase = 0,
): Set<number> {
  const bad = (why: string) => new ConfigError(`cron expression ${expression}: ${name} field "${text}" ${why}`);
  if (/[LW#]/.test(text.replace(/[A-Z]{3}/g, ""))) throw bad("uses L, W or #, which the simulator does not support");
  const value = (v: string): number => {
    const i = names?.indexOf(v.toUpperCase()) ?? -1;
    const n = i >= 0 ? i + nameBase : Number(v);
    if (!Number.isInteger(n) || n < min || n > max) throw bad(`has ${JSON.stringify(v)}; allowed ${min}-${max}`);
    return n;
  };
  const out = new Set<number>();
  for (const part of text.split(",")) {
    const [range, stepText] = part.split("/") as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw bad(`has step ${JSON.stringify(stepText)}`);
    let lo: number;
    let hi: number;
    if (range === "*") {
      lo = min;
      hi = max;
    } else if (range.includes("-")) {
      const [a, b] = range.split("-") as [string, string];
      lo = value(a);
      hi = value(b);
    } else {
      lo = value(range);
      hi = stepText === undefined ? lo : max;
    }
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}
