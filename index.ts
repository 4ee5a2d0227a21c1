/**
 * rds-pilot-light Pulumi program: reads the stack configuration once, validates it (failing `pulumi preview` with
 * messages that say what to change), builds the components the configuration asks for, and exports their ARNs.
 * No resource logic lives here (STYLE.md).
 */
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { FreshnessMonitor } from "./components/freshnessMonitor";
import { PilotLightAlerts } from "./components/pilotLightAlerts";
import { PilotLightKeys } from "./components/pilotLightKeys";
import { SnapshotCopier } from "./components/snapshotCopier";
import { SnapshotJanitor } from "./components/snapshotJanitor";
import { SnapshotRestorer } from "./components/snapshotRestorer";
import { SnapshotSharer } from "./components/snapshotSharer";
import { SnapshotTaker } from "./components/snapshotTaker";
import { deploymentPlan, type PilotLightConfig, readStackConfig, recoveryAlerts, recoveryRegion } from "./config";
import { fullCopyWarnings } from "./config/feasibility";
import {
  alertsArgs,
  copierArgs,
  freshnessArgs,
  janitorArgs,
  keysArgs,
  restorerArgs,
  sharerArgs,
  takerArgs,
} from "./config/toArgs";
import { ConfigError } from "./functions/lib/errors";

const source = `Pulumi.${pulumi.getStack()}.yaml`;
// Every key of every namespace as Pulumi hands it to the program (strings; lists and objects as JSON), read by the
// same reader as the CLI and `npm run check`. A ConfigError becomes a RunError: one line per problem, no trace.
let config: PilotLightConfig;
try {
  config = readStackConfig(pulumi.runtime.allConfig(), source);
} catch (err) {
  if (err instanceof ConfigError) throw new pulumi.RunError(err.message);
  throw err;
}
for (const w of config.warnings) pulumi.log.warn(w);
for (const w of fullCopyWarnings(config)) pulumi.log.warn(w);
const plan = deploymentPlan(config);
const has = (c: (typeof plan.components)[number]) => plan.components.includes(c);

const accountId = aws.getCallerIdentityOutput().accountId;
const partition = "aws";

// Every component takes its own args; config/toArgs.ts maps the stack configuration to them.
const alerts = new PilotLightAlerts("alerts", alertsArgs(config, { accountId, partition }));
const keys = new PilotLightKeys("keys", keysArgs(config, { accountId, partition }));
const refs = { accountId, partition, alarmTopicArn: alerts.topicArn };

const taker = has("taker") ? new SnapshotTaker("taker", takerArgs(config, refs)) : undefined;
const sharer = has("sharer") ? new SnapshotSharer("sharer", sharerArgs(config, refs)) : undefined;
const copier = has("copier")
  ? new SnapshotCopier(
      "copier",
      copierArgs(config, {
        ...refs,
        drKmsKeyArn: keys.drKeyArn!,
        ...(keys.drRegionKeyArn ? { drRegionKmsKeyArn: keys.drRegionKeyArn } : {}),
      }),
    )
  : undefined;
const janitors = plan.janitorStages.map((stage) => {
  const name = plan.janitorStages.length > 1 ? `janitor-${stage}` : "janitor";
  return new SnapshotJanitor(name, janitorArgs(config, refs, stage, name));
});

// Recovery (restorer, freshness monitor, their alarms and topic) lives in the recovery region (issue 11).
const recovers = has("freshness") || has("restorer");
const recoveryTopic = recovers ? recoveryAlerts(config) : undefined;
const recoveryTopicArn =
  recoveryTopic === undefined || recoveryTopic.kind === "shared"
    ? alerts.topicArn
    : recoveryTopic.kind === "existing"
      ? pulumi.output(recoveryTopic.topicArn)
      : new PilotLightAlerts("alerts-recovery", alertsArgs(config, { accountId, partition }, recoveryTopic.region))
          .topicArn;
const recoveryRefs = { accountId, partition, alarmTopicArn: recoveryTopicArn };

const freshness = has("freshness") ? new FreshnessMonitor("freshness", freshnessArgs(config, recoveryRefs)) : undefined;
const drKeys = [keys.drKeyArn, keys.drRegionKeyArn].filter((k): k is pulumi.Output<string> => k !== undefined);
const restorer = has("restorer")
  ? new SnapshotRestorer(
      "restorer",
      restorerArgs(config, { ...recoveryRefs, ...(drKeys.length > 0 ? { kmsKeyArns: drKeys } : {}) }),
    )
  : undefined;

/** Deployed components (role-dependent). */
export const deployedComponents = plan.components;
/** SNS topic of the pipeline's failure alarms (stack region). */
export const alertTopicArn = alerts.topicArn;
/** SNS topic of the restorer and freshness alarms (recovery region; the same topic when that is the stack region). */
export const recoveryAlertTopicArn = recovers ? recoveryTopicArn : undefined;
/** Region the restorer and freshness monitor live in (the CLI's `status`, `failover` and `drill` talk to it). */
export const recoveryRegionName = recovers ? recoveryRegion(config) : undefined;
/** Source key: encrypt production DBs with it so their snapshots can be shared. */
export const sourceKeyArn = keys.sourceKeyArn;
/** DR keys the copies are encrypted with. */
export const drKeyArn = keys.drKeyArn;
export const drRegionKeyArn = keys.drRegionKeyArn;
/** State machines, by component. */
export const stateMachineArns = {
  taker: taker?.stateMachineArn,
  sharer: sharer?.stateMachineArn,
  copier: copier?.stateMachineArn,
  janitors: janitors.map((j) => j.stateMachineArn),
  restorer: restorer?.stateMachineArn,
};
/** Freshness Lambda (DR stacks). */
export const freshnessFunctionArn = freshness?.functionArn;
/** DR event bus the source Sharers notify (DR stacks). */
export const drEventBusArn = copier?.eventBusArn;
