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

/**
 * The Metrics Insights query of the per-stage, per-DB freshness alarm (issue 13): one time series per source DB
 * (`DbId` = `account/dbId`) of `RecoveryPointAgeMinutes`, which the freshness Lambda publishes for every DB with an
 * available copy, listed in `restore.expectedDbs` or not. CloudWatch evaluates each returned series as its own
 * contributor, with its own ALARM/OK state and its own SNS notification naming the series' `DbId` ("For
 * multi-time series queries, each returned time series becomes a contributor to the alarm",
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Create_Metrics_Insights_Alarm.html; SNS
 * notifications per contributor, https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/Acting_Alarm_Changes.html),
 * so one stale DB cannot mask another, and a DB needs no deploy-time entry. A series exists only while data is
 * present, so a retired DB (no datapoints) leaves the alarm; a DB that never had a copy is not in it (that is what
 * `restore.expectedDbs` and the per-stage alarm cover).
 */
export function perDbAlarmQuery(stage: string, serviceName: string): string {
  return (
    `SELECT MAX(RecoveryPointAgeMinutes) FROM SCHEMA(RdsPilotLight, DbId, Stage, service) ` +
    `WHERE Stage = '${stage}' AND service = '${serviceName}' GROUP BY DbId`
  );
}

/** Metric name and dimension whose series are the per-DB alarm's contributors (see {@link perDbAlarmQuery}). */
export const PER_DB_ALARM_METRIC = { name: "RecoveryPointAgeMinutes", contributorDimension: "DbId" } as const;
