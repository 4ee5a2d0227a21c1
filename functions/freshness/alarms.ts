/**
 * The per-DB freshness alarms (issue 13), derived from the stack configuration: shared by the FreshnessMonitor
 * component and the simulator, so both alarm on exactly the same DBs.
 */
import { dbKey, parseDbRefList, refMatches } from "./dbRefs";

/** One per-DB freshness alarm to create. */
export interface ExpectedDbAlarm {
  /** The reference as configured (`dbId` or `account/dbId`): the metric's `Db` dimension. */
  readonly ref: string;
  readonly stage: string;
  /** Resource-name-safe form of the reference (`account-dbId`). */
  readonly slug: string;
}

/**
 * Per-DB freshness alarms: one per `restore.expectedDbs` entry and stage, leaving out retired DBs (the Lambda
 * publishes nothing for them, so their alarm would breach forever).
 */
export function expectedDbAlarms(
  expectedDbs: readonly string[],
  retiredDbs: readonly string[],
  stages: readonly string[],
): ExpectedDbAlarm[] {
  const retired = parseDbRefList(retiredDbs.join(",")).refs;
  const out: ExpectedDbAlarm[] = [];
  for (const ref of parseDbRefList(expectedDbs.join(",")).refs) {
    if (retired.some((r) => refMatches(r, ref.account, ref.dbId))) continue;
    const key = dbKey(ref.account, ref.dbId);
    for (const stage of stages) {
      if (!out.some((a) => a.ref === key && a.stage === stage))
        out.push({ ref: key, stage, slug: key.replace("/", "-") });
    }
  }
  return out;
}
