/**
 * PilotLightAlerts: the SNS topic every failure alarm notifies. Encrypted with its own customer-managed key that
 * CloudWatch may use (alarms cannot publish to a topic under the AWS-managed SNS key). Optional e-mail and https
 * subscriptions. With `rds-pilot-light:alerts.topicArn` the existing topic is used and nothing is created.
 *
 * With `region`, a second instance creates the recovery components' topic (key, topic, the same subscriptions) in
 * that region, next to the recovery alarms, so an alert still goes out when the home region (and its topic) is down
 * (config/derive.ts `recoveryAlerts`).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { PilotLightConfig } from "../config";
import { ConfigError } from "../functions/lib/errors";
import { alertsKeyPolicy } from "./shared/kms";
import { regionInput } from "./shared/stepResources";

/** Arguments of {@link PilotLightAlerts}. */
export interface PilotLightAlertsArgs {
  /** Validated stack configuration (`alerts`). */
  readonly config: PilotLightConfig;
  /** This account's id. */
  readonly accountId: pulumi.Input<string>;
  /** AWS partition. @defaultValue `"aws"` */
  readonly partition?: string;
  /**
   * Create the topic in this region instead of the stack region (always created, never `alerts.topicArn`).
   * @defaultValue the stack region
   */
  readonly region?: string;
}

/** Alerts topic (created or existing). */
export class PilotLightAlerts extends pulumi.ComponentResource {
  /** ARN of the topic alarms notify. */
  readonly topicArn: pulumi.Output<string>;

  constructor(name: string, args: PilotLightAlertsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("rds-pilot-light:snapshots:PilotLightAlerts", name, {}, opts);
    const { alerts } = args.config;
    const partition = args.partition ?? "aws";
    if (args.region !== undefined && alerts.topicArn) {
      throw new ConfigError(
        `PilotLightAlerts ${name}: creates a topic in ${args.region} but rds-pilot-light:alerts.topicArn is set; set alerts.recoveryTopicArn to a topic in ${args.region} instead; fix it in ${args.config.source}.`,
      );
    }
    const at = args.region === undefined || args.region === args.config.region ? undefined : args.region;
    if (alerts.topicArn && args.region === undefined) {
      this.topicArn = pulumi.output(alerts.topicArn);
    } else {
      const key = new aws.kms.Key(
        `${name}-key`,
        {
          description: "rds-pilot-light alerts topic key (CloudWatch alarms publish with it)",
          enableKeyRotation: true,
          deletionWindowInDays: 30,
          policy: pulumi.output(args.accountId).apply((a) => JSON.stringify(alertsKeyPolicy(partition, a))),
          ...regionInput(at),
        },
        { parent: this },
      );
      const topic = new aws.sns.Topic(
        `${name}-topic`,
        { kmsMasterKeyId: key.arn, ...regionInput(at) },
        { parent: this },
      );
      alerts.emails.forEach((endpoint, i) => {
        new aws.sns.TopicSubscription(
          `${name}-email-${i}`,
          { topic: topic.arn, protocol: "email", endpoint, ...regionInput(at) },
          { parent: this },
        );
      });
      alerts.httpsEndpoints.forEach((endpoint, i) => {
        new aws.sns.TopicSubscription(
          `${name}-https-${i}`,
          { topic: topic.arn, protocol: "https", endpoint, ...regionInput(at) },
          { parent: this },
        );
      });
      this.topicArn = topic.arn;
    }
    this.registerOutputs({ topicArn: this.topicArn });
  }
}
