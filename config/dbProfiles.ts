/**
 * `rds-pilot-light:dbProfiles` (optional): the size and kind of the DBs a stack protects, which a stack file does
 * not otherwise know. `npm run check -- <stack>` feeds them to the feasibility arithmetic (config/feasibility.ts,
 * the same formula the simulator's report uses) to print the best recovery-point age each DB can reach. Nothing is
 * deployed from them.
 */
import * as z from "zod";
import { DEFAULT_CHANGE_PERCENT_PER_HOUR } from "./assumptions";
import { type Feasibility, type FeasibilityInput, feasibility, feasibilityOfFleet } from "./feasibility";

/** One DB the stack protects, as far as feasibility needs to know it. */
export interface DbProfile {
  /** DB instance or Aurora cluster identifier (`dbId`, or `sourceAccount/dbId` on a DR stack). */
  readonly id: string;
  /** `instance` (RDS DB instance) or `cluster` (Aurora DB cluster: every copy is full). */
  readonly kind: "instance" | "cluster";
  /** Allocated storage in GB: what a full copy moves. */
  readonly sizeGb: number;
  /** Percent of the data changed per hour (incremental copies). @defaultValue 1 ({@link DEFAULT_CHANGE_PERCENT_PER_HOUR}) */
  readonly changePercentPerHour?: number;
  /** RPO of this DB in minutes. @defaultValue the stack's `rpoMinutes` */
  readonly rpoMinutes?: number;
}

/** zod schema of the `dbProfiles` key (config/schema.ts). */
export const dbProfilesSchema = z.array(
  z.strictObject(
    {
      id: z
        .string("must be a DB identifier (dbId or sourceAccount/dbId)")
        .regex(
          /^(\d{12}\/)?[A-Za-z][A-Za-z0-9-]{0,62}$/,
          "must be a DB identifier (dbId or sourceAccount/dbId) such as orders-db or 111111111111/orders-db",
        ),
      kind: z.enum(["instance", "cluster"], 'must be "instance" or "cluster"'),
      sizeGb: z.number("must be a number of GB").positive("must be a number of GB > 0"),
      changePercentPerHour: z
        .number("must be a percentage")
        .min(0, "must be at least 0")
        .max(100, "must be at most 100")
        .optional(),
      rpoMinutes: z
        .number("must be a whole number of minutes")
        .int("must be a whole number of minutes")
        .min(1)
        .optional(),
    },
    "must be an object with id, kind, sizeGb (and optionally changePercentPerHour, rpoMinutes)",
  ),
  "must be a list of DB profiles such as [{ id: orders-db, kind: instance, sizeGb: 200 }]",
);

/** What the feasibility of one stack's DBs depends on besides the DBs. */
export interface StackPipeline {
  readonly role: "source" | "dr" | "both";
  readonly rpoMinutes: number;
  readonly snapshotIntervalMinutes: number;
  readonly expectedSnapshotMinutes: number;
  readonly copyMode: "fan-out" | "two-step" | "direct";
  readonly drRegion?: string;
  /** The Copier's copies in flight per destination region (a DR or `both` stack's `maxCopiesInFlight`). */
  readonly maxCopiesInFlight?: number;
  /** Copies in flight one DB may hold per destination region (the stack's `maxCopiesInFlightPerDb`). */
  readonly maxCopiesInFlightPerDb?: number;
}

/**
 * Feasibility of every profiled DB of a stack (default copy throughput of config/assumptions.ts). A stack that copies
 * (role `dr` or `both`) is judged as a fleet ({@link feasibilityOfFleet}): its DBs share the Copier's
 * `maxCopiesInFlight` slots per destination region (one DB at most `maxCopiesInFlightPerDb` of them), as in the
 * simulator's report. A source stack does not know the
 * DR stack's slots, so each DB is judged on its own ({@link feasibility}).
 */
export function feasibilityOfProfiles(stack: StackPipeline, profiles: readonly DbProfile[]): Feasibility[] {
  const inputs = profiles.map(
    (p): FeasibilityInput => ({
      dbId: p.id,
      kind: p.kind,
      sizeGb: p.sizeGb,
      changePercentPerHour: p.changePercentPerHour ?? DEFAULT_CHANGE_PERCENT_PER_HOUR,
      intervalMinutes: stack.snapshotIntervalMinutes,
      snapshotMinutes: stack.expectedSnapshotMinutes,
      mode: stack.copyMode,
      drRegion: stack.drRegion !== undefined,
      singleAccount: stack.role === "both",
      rpoMinutes: p.rpoMinutes ?? stack.rpoMinutes,
    }),
  );
  return stack.role !== "source" && stack.maxCopiesInFlight !== undefined
    ? feasibilityOfFleet(inputs, stack.maxCopiesInFlight, stack.maxCopiesInFlightPerDb)
    : inputs.map((i) => feasibility(i));
}
