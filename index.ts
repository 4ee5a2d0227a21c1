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
import { decodeConfigStrings, deploymentPlan, NAMESPACE, parseStackConfig } from "./config";
import { fullCopyWarnings } from "./config/feasibility";

const source = `Pulumi.${pulumi.getStack()}.yaml`;
const cfg = new pulumi.Config(NAMESPACE);
// Every key of our namespace that is set (including typos, which the schema rejects by name).
const values: Record<string, string> = {};
for (const fullKey of Object.keys(pulumi.runtime.allConfig())) {
  if (!fullKey.startsWith(`${NAMESPACE}:`)) continue;
  const key = fullKey.slice(NAMESPACE.length + 1);
  const v = cfg.get(key);
  if (v !== undefined) values[key] = v;
}
const config = parseStackConfig(decodeConfigStrings(values, source), source, {
  region: new pulumi.Config("aws").get("region"),
});
for (const w of config.warnings) pulumi.log.warn(w);
for (const w of fullCopyWarnings(config)) pulumi.log.warn(w);
const plan = deploymentPlan(config);
const has = (c: (typeof plan.components)[number]) => plan.components.includes(c);

const accountId = aws.getCallerIdentityOutput().accountId;
const partition = "aws";
const common = { config, accountId, partition };

const alerts = new PilotLightAlerts("alerts", common);
const keys = new PilotLightKeys("keys", common);
const withAlarm = { ...common, alarmTopicArn: alerts.topicArn };

const taker = has("taker") ? new SnapshotTaker("taker", withAlarm) : undefined;
const sharer = has("sharer") ? new SnapshotSharer("sharer", withAlarm) : undefined;
const copier = has("copier")
  ? new SnapshotCopier("copier", {
      ...withAlarm,
      drKmsKeyArn: keys.drKeyArn!,
      ...(keys.drRegionKeyArn ? { drRegionKmsKeyArn: keys.drRegionKeyArn } : {}),
    })
  : undefined;
const janitors = plan.janitorStages.map(
  (stage) =>
    new SnapshotJanitor(plan.janitorStages.length > 1 ? `janitor-${stage}` : "janitor", { ...withAlarm, stage }),
);

const freshness = has("freshness") ? new FreshnessMonitor("freshness", withAlarm) : undefined;
const drKeys = [keys.drKeyArn, keys.drRegionKeyArn].filter((k): k is pulumi.Output<string> => k !== undefined);
const restorer = has("restorer")
  ? new SnapshotRestorer("restorer", { ...withAlarm, ...(drKeys.length > 0 ? { kmsKeyArns: drKeys } : {}) })
  : undefined;

/** Deployed components (role-dependent). */
export const deployedComponents = plan.components;
/** SNS topic of every failure alarm. */
export const alertTopicArn = alerts.topicArn;
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
