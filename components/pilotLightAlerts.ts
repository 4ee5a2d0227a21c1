/**
 * PilotLightAlerts: the SNS topic every failure alarm notifies. Encrypted with its own customer-managed key that
 * CloudWatch may use (alarms cannot publish to a topic under the AWS-managed SNS key). Optional e-mail and https
 * subscriptions. With `rds-pilot-light:alerts.topicArn` the existing topic is used and nothing is created.
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { PilotLightConfig } from "../config";
import { alertsKeyPolicy } from "./shared/kms";

/** Arguments of {@link PilotLightAlerts}. */
export interface PilotLightAlertsArgs {
  /** Validated stack configuration (`alerts`). */
  readonly config: PilotLightConfig;
  /** This account's id. */
  readonly accountId: pulumi.Input<string>;
  /** AWS partition. @defaultValue `"aws"` */
  readonly partition?: string;
}

/** Alerts topic (created or existing). */
export class PilotLightAlerts extends pulumi.ComponentResource {
  /** ARN of the topic alarms notify. */
  readonly topicArn: pulumi.Output<string>;

  constructor(name: string, args: PilotLightAlertsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("rds-pilot-light:snapshots:PilotLightAlerts", name, {}, opts);
    const { alerts } = args.config;
    const partition = args.partition ?? "aws";
    if (alerts.topicArn) {
      this.topicArn = pulumi.output(alerts.topicArn);
    } else {
      const key = new aws.kms.Key(
        `${name}-key`,
        {
          description: "rds-pilot-light alerts topic key (CloudWatch alarms publish with it)",
          enableKeyRotation: true,
          deletionWindowInDays: 30,
          policy: pulumi.output(args.accountId).apply((a) => JSON.stringify(alertsKeyPolicy(partition, a))),
        },
        { parent: this },
      );
      const topic = new aws.sns.Topic(`${name}-topic`, { kmsMasterKeyId: key.arn }, { parent: this });
      alerts.emails.forEach((endpoint, i) => {
        new aws.sns.TopicSubscription(
          `${name}-email-${i}`,
          { topic: topic.arn, protocol: "email", endpoint },
          { parent: this },
        );
      });
      alerts.httpsEndpoints.forEach((endpoint, i) => {
        new aws.sns.TopicSubscription(
          `${name}-https-${i}`,
          { topic: topic.arn, protocol: "https", endpoint },
          { parent: this },
        );
      });
      this.topicArn = topic.arn;
    }
    this.registerOutputs({ topicArn: this.topicArn });
  }
}
