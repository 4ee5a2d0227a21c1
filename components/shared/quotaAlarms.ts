/**
 * Quota alarms (issue 13): one CloudWatch alarm per region and DB kind on `SnapshotQuotaBlocked` (published by the
 * Taker and the Copier, functions/lib/quotaMetric.ts), so a full manual snapshot quota is named — account, region
 * and kind — instead of showing only as a failed run. Missing data is not breaching: the metric is published only
 * when something was blocked, and the alarm returns to OK in the first period without a blocked snapshot.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { METRICS_NAMESPACE } from "../../functions/lib/powertools";
import { QUOTA_BLOCKED_METRIC } from "../../functions/lib/quotaMetric";
import { QUOTA_NAME } from "../../functions/take/plan";
import { ALARM_PERIOD_SECONDS } from "./stepResources";

/** Where the quota alarms of one step go. */
export interface QuotaAlarmArgs {
  /** `take` or `copy`: the `service` dimension is `rds-pilot-light-<step>` (config/derive.ts). */
  readonly step: "take" | "copy";
  /** This account's id (named in the description). */
  readonly accountId: pulumi.Input<string>;
  /** Regions whose quota the step consumes (the alarms themselves live in the stack region: the metric does). */
  readonly regions: readonly string[];
  readonly topicArn: pulumi.Input<string>;
}

/** Creates `<name>-quota-<region>-<kind>-alarm` for every region and kind. */
export function quotaAlarms(name: string, args: QuotaAlarmArgs, parent: pulumi.Resource): aws.cloudwatch.MetricAlarm[] {
  const out: aws.cloudwatch.MetricAlarm[] = [];
  for (const region of [...new Set(args.regions)]) {
    for (const kind of ["instance", "cluster"] as const) {
      out.push(
        new aws.cloudwatch.MetricAlarm(
          `${name}-quota-${region}-${kind}-alarm`,
          {
            alarmDescription: pulumi.interpolate`rds-pilot-light: the ${args.step === "take" ? "Taker" : "Copier"} could not create DB ${kind} snapshots: the RDS quota ${QUOTA_NAME[kind]} of account ${args.accountId} in ${region} is full. Raise the quota (Service Quotas) or shorten retention.`,
            namespace: METRICS_NAMESPACE,
            metricName: QUOTA_BLOCKED_METRIC,
            dimensions: { service: `rds-pilot-light-${args.step}`, Region: region, Kind: kind },
            statistic: "Sum",
            period: ALARM_PERIOD_SECONDS,
            evaluationPeriods: 1,
            comparisonOperator: "GreaterThanThreshold",
            threshold: 0,
            treatMissingData: "notBreaching",
            alarmActions: [args.topicArn],
            okActions: [args.topicArn],
          },
          { parent },
        ),
      );
    }
  }
  return out;
}
