/**
 * PilotLightKeys: the stack's customer-managed KMS keys, rotation on. Source side: the key the production DBs (and
 * so their snapshots) are encrypted with, usable by the DR accounts through RDS only. DR side: the keys the copies
 * are re-encrypted with, in the home region and (per-resource `region`, the stack's own provider) in the DR region.
 * ARNs given in `rds-pilot-light:kms` are used instead of creating keys.
 *
 * Keys and aliases are `protect`ed and `retainOnDelete`: a `pulumi destroy`, a rename or a replacement must never
 * schedule deletion of the key every DR copy (and the production DBs) is encrypted with. Retiring one is a
 * deliberate, documented procedure (docs/deployment-keys.md).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { deploymentPlan, type PilotLightConfig } from "../config";
import { drKeyPolicy, sourceKeyExtraRegions, sourceKeyPolicy } from "./shared/kms";
import { regionInput } from "./shared/stepResources";

/** Days KMS waits before deleting a key scheduled for deletion (maximum: the longest chance to cancel). */
export const KEY_DELETION_WINDOW_DAYS = 30;

/**
 * Resource options of every key and alias: refuse deletion and replacement in Pulumi (`protect`), and leave the
 * cloud resource alone even if it is removed from the state (`retainOnDelete`).
 * https://www.pulumi.com/docs/iac/concepts/options/protect/ , https://www.pulumi.com/docs/iac/concepts/options/retainondelete/
 */
export const KEY_RESOURCE_OPTIONS = { protect: true, retainOnDelete: true } as const;

/** Arguments of {@link PilotLightKeys}. */
export interface PilotLightKeysArgs {
  /** Validated stack configuration (`role`, `drAccounts`, `drRegion`, `kms`). */
  readonly config: PilotLightConfig;
  /** This account's id. */
  readonly accountId: pulumi.Input<string>;
  /** AWS partition. @defaultValue `"aws"` */
  readonly partition?: string;
}

/** Source and DR KMS keys of a stack. */
export class PilotLightKeys extends pulumi.ComponentResource {
  /** Source key ARN (roles `source` and `both`). */
  readonly sourceKeyArn?: pulumi.Output<string>;
  /** DR key in the home region (roles `dr` and `both`). */
  readonly drKeyArn?: pulumi.Output<string>;
  /** DR key in `drRegion` (when set). */
  readonly drRegionKeyArn?: pulumi.Output<string>;

  constructor(name: string, args: PilotLightKeysArgs, opts?: pulumi.ComponentResourceOptions) {
    super("rds-pilot-light:snapshots:PilotLightKeys", name, {}, opts);
    const { config } = args;
    const partition = args.partition ?? "aws";
    const plan = deploymentPlan(config);
    const stack = pulumi.getStack();
    const key = (
      child: string,
      description: string,
      policy: pulumi.Input<string>,
      region?: string,
    ): pulumi.Output<string> => {
      const k = new aws.kms.Key(
        `${name}-${child}`,
        {
          description,
          enableKeyRotation: true,
          deletionWindowInDays: KEY_DELETION_WINDOW_DAYS,
          policy,
          ...regionInput(region),
        },
        { parent: this, ...KEY_RESOURCE_OPTIONS },
      );
      new aws.kms.Alias(
        `${name}-${child}-alias`,
        { name: `alias/rds-pilot-light/${stack}/${child}`, targetKeyId: k.keyId, ...regionInput(region) },
        { parent: this, ...KEY_RESOURCE_OPTIONS },
      );
      return k.arn;
    };

    if (config.role !== "dr") {
      this.sourceKeyArn = plan.keys.createSource
        ? key(
            "source",
            "rds-pilot-light source key: encrypt production DBs with it so their snapshots can be shared with DR",
            pulumi.output(args.accountId).apply((account) =>
              JSON.stringify(
                sourceKeyPolicy({
                  partition,
                  account,
                  region: config.region,
                  drAccounts: config.drAccounts,
                  extraRdsRegions: sourceKeyExtraRegions(config.copyMode, config.drRegion),
                }),
              ),
            ),
          )
        : pulumi.output(config.kms.sourceKeyArn!);
    }
    if (config.role !== "source") {
      const policy = pulumi.output(args.accountId).apply((account) => JSON.stringify(drKeyPolicy(partition, account)));
      this.drKeyArn = plan.keys.createDrHome
        ? key("dr", "rds-pilot-light DR key: DR copies in the home region", policy)
        : pulumi.output(config.kms.drKeyArn!);
      if (config.drRegion !== undefined) {
        this.drRegionKeyArn = plan.keys.createDrRegion
          ? key("dr-region", "rds-pilot-light DR key: DR copies in the DR region", policy, config.drRegion)
          : pulumi.output(config.kms.drRegionKeyArn!);
      }
    }
    this.registerOutputs({
      sourceKeyArn: this.sourceKeyArn,
      drKeyArn: this.drKeyArn,
      drRegionKeyArn: this.drRegionKeyArn,
    });
  }
}
