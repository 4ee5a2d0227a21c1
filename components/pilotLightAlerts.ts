/**
 * PilotLightAlerts: the SNS topic every failure alarm notifies. Encrypted with its own customer-managed key that
 * CloudWatch may use (alarms cannot publish to a topic under the AWS-managed SNS key). Optional e-mail and https
 * subscriptions. With `topicArn` the existing topic is used and nothing is created.
 *
 * With `region`, an instance creates its key, topic and subscriptions in that region (the recovery components'
 * topic next to the recovery alarms, so an alert still goes out when the home region and its topic are down;
 * config/derive.ts `recoveryAlerts`).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../functions/lib/errors";
import { alertsKeyPolicy } from "./shared/kms";
import { placement } from "./shared/placement";
import { regionInput } from "./shared/stepResources";

/** Arguments of {@link PilotLightAlerts}. */
export interface PilotLightAlertsArgs {
  /** This account's id (the key policy lets CloudWatch of this account publish). */
  readonly accountId: pulumi.Input<string>;
  /**
   * An existing SNS topic to use: nothing is created and {@link PilotLightAlerts.topicArn} is this ARN. Exclusive
   * with `emails`, `httpsEndpoints` and `region`. @defaultValue none (a topic is created) Config: `alerts.topicArn`.
   */
  readonly topicArn?: string;
  /** E-mail addresses subscribed to the created topic. @defaultValue `[]` Config: `alerts.emails`. */
  readonly emails?: readonly string[];
  /** https:// endpoints subscribed to the created topic. @defaultValue `[]` Config: `alerts.httpsEndpoints`. */
  readonly httpsEndpoints?: readonly string[];
  /**
   * Region the key, topic and subscriptions are created in (per-resource `region`).
   * @defaultValue the stack's `aws:region`
   */
  readonly region?: string;
  /** AWS partition. @defaultValue `"aws"` */
  readonly partition?: string;
}

/** Alerts topic (created or existing). */
export class PilotLightAlerts extends pulumi.ComponentResource {
  /** ARN of the topic alarms notify. */
  readonly topicArn: pulumi.Output<string>;

  constructor(name: string, args: PilotLightAlertsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("rds-pilot-light:snapshots:PilotLightAlerts", name, {}, opts);
    const who = `PilotLightAlerts ${name}`;
    const emails = args.emails ?? [];
    const httpsEndpoints = args.httpsEndpoints ?? [];
    if (args.topicArn !== undefined && (emails.length > 0 || httpsEndpoints.length > 0)) {
      throw new ConfigError(
        `${who}: topicArn and emails/httpsEndpoints are mutually exclusive (subscribe to the existing topic yourself, or drop topicArn)`,
      );
    }
    if (args.topicArn !== undefined && args.region !== undefined) {
      throw new ConfigError(
        `${who}: topicArn and region are mutually exclusive (region says where to create a topic; topicArn creates none)`,
      );
    }
    const partition = args.partition ?? "aws";
    if (args.topicArn !== undefined) {
      this.topicArn = pulumi.output(args.topicArn);
    } else {
      const { at } = placement(who, args.region);
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
      emails.forEach((endpoint, i) => {
        new aws.sns.TopicSubscription(
          `${name}-email-${i}`,
          { topic: topic.arn, protocol: "email", endpoint, ...regionInput(at) },
          { parent: this },
        );
      });
      httpsEndpoints.forEach((endpoint, i) => {
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
