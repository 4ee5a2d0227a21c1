/**
 * Triggers: what starts the stacks' state machines. EventBridge Scheduler firing each stack's schedules, RDS's
 * "manual snapshot created" events starting the Sharer, and the DR bus routing the Sharer's PutEvents to the Copier;
 * the recovery components of DR stacks are armed on their own schedules.
 */

import type { PutEventsRequestEntry } from "@aws-sdk/client-eventbridge";
import { deploymentPlan, drEventBusArn, schedulesFor } from "../config";
import { SOURCE_DB_DELETED_DETAIL_TYPE } from "../functions/lib/sourceDeleted";
import type { Executions, Machine } from "./executions";
import type { RecoveryTriggers } from "./recoveryTriggers";
import { parseSchedule } from "./schedule";
import type { SimContext } from "./simContext";

/** Event detail-types and IDs of RDS "manual snapshot created" (docs/CONTRACTS.md). */
const RDS_CREATED = {
  instance: { detailType: "RDS DB Snapshot Event", eventId: "RDS-EVENT-0042", sourceType: "SNAPSHOT" },
  cluster: { detailType: "RDS DB Cluster Snapshot Event", eventId: "RDS-EVENT-0075", sourceType: "CLUSTER_SNAPSHOT" },
} as const;
/** The Sharer's event to the DR bus (docs/CONTRACTS.md "Event contract between accounts"). */
const SHARED_SOURCE = "rds-pilot-light";
const SHARED_DETAIL_TYPE = "RDS Pilot Light Snapshot Shared";

/** Deploys every stack's machines and arms their schedules and event rules. */
export async function armTriggers(ctx: SimContext, executions: Executions, recovery: RecoveryTriggers): Promise<void> {
  const { scenario, engine, startMs, endMs, world, stacks } = ctx;
  const copierRoutes: { bus: string; machine: Machine }[] = [];
  for (const stack of stacks) {
    const c = stack.config;
    const plan = deploymentPlan(c);
    const sched = { ...schedulesFor(c), ...scenario.triggers.schedules };
    const has = (x: string) => plan.components.includes(x as never);
    const onSchedule = (m: Machine, expression: string | undefined) => {
      if (!expression) return;
      const s = parseSchedule(expression, startMs);
      const arm = (after: number) => {
        const t = s.next(after);
        if (t === undefined || t > endMs) return;
        engine.at(t, () => {
          executions.start(m, {}, "schedule");
          arm(t);
        });
      };
      arm(startMs);
    };
    if (c.role !== "dr" && has("taker")) onSchedule(await executions.makeMachine(stack, "take"), sched.taker);
    if (c.role === "source" && has("sharer")) {
      const m = await executions.makeMachine(stack, "share");
      onSchedule(m, sched.sharer);
      if (plan.eventRules.sharer && scenario.triggers.events) {
        executions.snapshotAvailableListeners.push((account, region, snap) => {
          if (account !== stack.account || region !== c.region) return;
          const kind = RDS_CREATED[snap.kind];
          const time = new Date(engine.now).toISOString();
          executions.start(
            m,
            {
              version: "0",
              id: `sim-${engine.eventCount}`,
              "detail-type": kind.detailType,
              source: "aws.rds",
              account,
              time,
              region,
              resources: [snap.arn],
              detail: {
                EventCategories: ["creation"],
                SourceType: kind.sourceType,
                SourceArn: snap.arn,
                Date: time,
                Message: "Manual snapshot created",
                SourceIdentifier: snap.id,
                EventID: kind.eventId,
              },
            },
            "rds-event",
          );
        });
      }
    }
    if (c.role !== "source" && has("copier")) {
      const m = await executions.makeMachine(stack, "copy");
      onSchedule(m, sched.copier);
      if (plan.eventRules.copier && scenario.triggers.events) {
        const bus = drEventBusArn(stack.account, c.region);
        copierRoutes.push({ bus, machine: m });
      }
    }
    if (has("janitor")) {
      for (const stage of plan.janitorStages)
        onSchedule(await executions.makeMachine(stack, "expire", stage), sched.janitor);
    }
    if (c.role !== "source" && has("freshness")) recovery.armFreshness(stack);
    if (c.role !== "source" && has("restorer")) recovery.armDrills(stack, scenario.triggers.schedules.drill);
  }

  // The DR bus: the Sharer's PutEvents start the Copier whose rule matches.
  world.onPutEvents = ({ account, region, entry }) => {
    const route = copierRoutes.find((r) => matchesBus(entry, r.bus));
    const routed = entry.DetailType === SHARED_DETAIL_TYPE || entry.DetailType === SOURCE_DB_DELETED_DETAIL_TYPE;
    if (!route || entry.Source !== SHARED_SOURCE || !routed) return;
    const detail = JSON.parse(entry.Detail ?? "{}") as unknown;
    const event = {
      version: "0",
      id: `sim-${engine.eventCount}`,
      "detail-type": entry.DetailType,
      source: entry.Source,
      account,
      time: new Date(engine.now).toISOString(),
      region,
      resources: entry.Resources ?? [],
      detail,
    };
    // Delivered asynchronously, as EventBridge does, once the Sharer's call returned.
    engine.after(0, () => executions.start(route.machine, event, "shared-event"));
  };
}

function matchesBus(entry: PutEventsRequestEntry, busArn: string): boolean {
  const name = entry.EventBusName ?? "default";
  return name === busArn || busArn.endsWith(`:event-bus/${name}`);
}
