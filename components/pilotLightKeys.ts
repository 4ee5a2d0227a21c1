/**
 * PilotLightKeys: the customer-managed KMS keys of a pilot-light pipeline, rotation on. Source side (`source`): the
 * key the production DBs (and so their snapshots) are encrypted with, usable by the DR accounts through RDS only. DR
 * side (`dr`): the keys the copies are re-encrypted with, in the home region and (per-resource `region`, the stack's
 * own provider) in the DR region. Existing key ARNs are used instead of creating keys.
 *
 * Keys and aliases are `protect`ed and `retainOnDelete`: a `pulumi destroy`, a rename or a replacement must never
 * schedule deletion of the key every DR copy (and the production DBs) is encrypted with. Retiring one is a
 * deliberate, documented procedure (docs/deployment-keys.md).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "../functions/lib/errors";
import { drKeyPolicy, sourceKeyPolicy } from "./shared/kms";
import { placement } from "./shared/placement";
import { regionInput } from "./shared/stepResources";

/** Days KMS waits before deleting a key scheduled for deletion (maximum: the longest chance to cancel). */
export const KEY_DELETION_WINDOW_DAYS = 30;

/**
 * Resource options of every key and alias: refuse deletion and replacement in Pulumi (`protect`), and leave the
 * cloud resource alone even if it is removed from the state (`retainOnDelete`).
 * https://www.pulumi.com/docs/iac/concepts/options/protect/ , https://www.pulumi.com/docs/iac/concepts/options/retainondelete/
 */
export const KEY_RESOURCE_OPTIONS = { protect: true, retainOnDelete: true } as const;

/** The source key of {@link PilotLightKeysArgs}. */
export interface SourceKeyArgs {
  /**
   * DR accounts allowed to use the key through RDS only (`kms:ViaService`), so they can copy snapshots shared with
   * them; empty for a single-account pipeline. Config: `drAccounts`.
   */
  readonly drAccounts: readonly string[];
  /**
   * Regions besides the key's own whose RDS may use the key (a cross-account copy straight into a DR region runs
   * there). @defaultValue `[]` Config: derived from `copyMode` and `drRegion` (`sourceKeyExtraRegions`).
   */
  readonly extraRdsRegions?: readonly string[];
  /** An existing source key to use instead of creating one. @defaultValue none (created) Config: `kms.sourceKeyArn`. */
  readonly keyArn?: string;
}

/** The DR keys of {@link PilotLightKeysArgs}. */
export interface DrKeysArgs {
  /** An existing home-region DR key to use instead of creating one. @defaultValue none (created) Config: `kms.drKeyArn`. */
  readonly keyArn?: string;
  /** Second region the DR account copies into: a DR key is also made there. @defaultValue none Config: `drRegion`. */
  readonly drRegion?: string;
  /** An existing key in `drRegion` to use instead of creating one. @defaultValue none (created) Config: `kms.drRegionKeyArn`. */
  readonly drRegionKeyArn?: string;
}

/** Arguments of {@link PilotLightKeys}. */
export interface PilotLightKeysArgs {
  /** This account's id (the account root administers every key). */
  readonly accountId: pulumi.Input<string>;
  /** The source key (production side). @defaultValue none: no source key Config: role `source` or `both`. */
  readonly source?: SourceKeyArgs;
  /** The DR keys (DR side). @defaultValue none: no DR key Config: role `dr` or `both`. */
  readonly dr?: DrKeysArgs;
  /**
   * Home region: the source and home-region DR keys are created there, and RDS there may use the source key.
   * @defaultValue the stack's `aws:region`
   */
  readonly region?: string;
  /** Aliases are `<aliasPrefix>/source`, `/dr`, `/dr-region`. @defaultValue `alias/rds-pilot-light/<stack name>` */
  readonly aliasPrefix?: string;
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
    const who = `PilotLightKeys ${name}`;
    if (args.dr?.drRegionKeyArn !== undefined && args.dr.drRegion === undefined) {
      throw new ConfigError(`${who}: dr.drRegionKeyArn is set but dr.drRegion is not; set both or neither`);
    }
    const { region, at } = placement(who, args.region);
    if (args.dr?.drRegion !== undefined && args.dr.drRegion === region) {
      throw new ConfigError(`${who}: dr.drRegion (${region}) must differ from the home region (region)`);
    }
    const partition = args.partition ?? "aws";
    const aliasPrefix = args.aliasPrefix ?? `alias/rds-pilot-light/${pulumi.getStack()}`;
    const key = (
      child: string,
      description: string,
      policy: pulumi.Input<string>,
      keyRegion: string | undefined,
    ): pulumi.Output<string> => {
      const k = new aws.kms.Key(
        `${name}-${child}`,
        {
          description,
          enableKeyRotation: true,
          deletionWindowInDays: KEY_DELETION_WINDOW_DAYS,
          policy,
          ...regionInput(keyRegion),
        },
        { parent: this, ...KEY_RESOURCE_OPTIONS },
      );
      new aws.kms.Alias(
        `${name}-${child}-alias`,
        { name: `${aliasPrefix}/${child}`, targetKeyId: k.keyId, ...regionInput(keyRegion) },
        { parent: this, ...KEY_RESOURCE_OPTIONS },
      );
      return k.arn;
    };

    const source = args.source;
    if (source !== undefined) {
      this.sourceKeyArn =
        source.keyArn === undefined
          ? key(
              "source",
              "rds-pilot-light source key: encrypt production DBs with it so their snapshots can be shared with DR",
              pulumi.output(args.accountId).apply((account) =>
                JSON.stringify(
                  sourceKeyPolicy({
                    partition,
                    account,
                    region,
                    drAccounts: source.drAccounts,
                    extraRdsRegions: source.extraRdsRegions ?? [],
                  }),
                ),
              ),
              at,
            )
          : pulumi.output(source.keyArn);
    }
    const dr = args.dr;
    if (dr !== undefined) {
      const policy = pulumi.output(args.accountId).apply((account) => JSON.stringify(drKeyPolicy(partition, account)));
      this.drKeyArn =
        dr.keyArn === undefined
          ? key("dr", "rds-pilot-light DR key: DR copies in the home region", policy, at)
          : pulumi.output(dr.keyArn);
      if (dr.drRegion !== undefined) {
        this.drRegionKeyArn =
          dr.drRegionKeyArn === undefined
            ? key("dr-region", "rds-pilot-light DR key: DR copies in the DR region", policy, dr.drRegion)
            : pulumi.output(dr.drRegionKeyArn);
      }
    }
    this.registerOutputs({
      sourceKeyArn: this.sourceKeyArn,
      drKeyArn: this.drKeyArn,
      drRegionKeyArn: this.drRegionKeyArn,
    });
  }
}
