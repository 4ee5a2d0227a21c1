/**
 * A Pulumi program that is not rds-pilot-light: it uses the package's SnapshotTaker and PilotLightAlerts with its
 * own configuration (namespace `taker-only`), to snapshot the matching DBs of one account and region on a schedule.
 * No source/DR stack format, no second account. See README.md and docs/components.md.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { PilotLightAlerts, SnapshotTaker } from "rds-pilot-light/components";

const config = new pulumi.Config();
const accountId = aws.getCallerIdentityOutput().accountId;

// The alarms' topic, with its own KMS key (CloudWatch cannot publish to a topic under the AWS-managed SNS key).
const alerts = new PilotLightAlerts("alerts", {
  accountId,
  emails: config.getObject<string[]>("alertEmails") ?? [],
});

// One manual snapshot of every DB whose identifier starts with "orders-", every 30 minutes.
const taker = new SnapshotTaker("orders-taker", {
  region: new pulumi.Config("aws").require("region"),
  accountId,
  alarmTopicArn: alerts.topicArn,
  dbIdRegex: config.get("dbIdRegex") ?? "^orders-",
  intervalMinutes: config.getNumber("intervalMinutes") ?? 30,
  quotaHeadroom: 5,
});

/** SNS topic the Taker's alarms notify. */
export const alertTopicArn = alerts.topicArn;
/** The Taker's state machine (start it by hand to take snapshots now). */
export const takerStateMachineArn = taker.stateMachineArn;
/** The Taker's schedule. */
export const takerSchedule = taker.scheduleExpression;
