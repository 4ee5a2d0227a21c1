/**
 * Whole-sweep rows of `npx tsx bench/run.ts calls` (issue 10): the RDS reads of a schedule-started sweep as its
 * state machine runs it, list step plus every Map item (components/shared/sweepMachine.ts), at 10, 100 and 1,000
 * DBs. The Map is emulated in order (its pauses and concurrency change when calls happen, not how many): the list
 * input the machine sends (`{ sweep: "list" }`, plus `batchSize` for the Taker's batched sweep and the item
 * `pacing` for the others, config/derive.ts sweepMapOptions), then the step Lambda once per item; a Copier item also runs its check loop's first poll (the
 * Checker on the item's scope). Failed items are counted, not hidden.
 */
import type { PilotLightConfig, Step } from "../config";
import { sweepMapOptions } from "../config/derive";
import type { RdsWorld } from "../sim/aws/rdsModel";
import type { TaskHandler } from "../sim/localStepFunctions";

/** What the rows need from the bench's world (bench/run.ts seedWorld). */
export interface SweepBench {
  readonly n: number;
  readonly world: RdsWorld;
  readonly advance: (minutes: number) => void;
  readonly handler: (
    config: PilotLightConfig,
    step: Step,
    account: string,
    stage?: "source" | "dr",
  ) => Promise<TaskHandler>;
  readonly source: PilotLightConfig;
  readonly dr: PilotLightConfig;
  readonly sourceAccount: string;
  readonly drAccount: string;
  /** Pages of one pass over each listing the sweep needs (bench/run.ts onePassPages), by sweep. */
  readonly onePass: (sweep: "share" | "copy" | "expire-source" | "expire-dr") => Promise<number>;
}

/** Calls since `from` in the world's record: reads (Describe and List calls) and the rest. */
function count(world: RdsWorld, from: number, to = world.calls.length): { reads: number; writes: number } {
  let reads = 0;
  let writes = 0;
  for (const c of world.calls.slice(from, to)) {
    if (c.command.startsWith("Describe") || c.command.startsWith("List")) reads++;
    else writes++;
  }
  return { reads, writes };
}

/** Prints the header of the whole-sweep rows. */
export function printSweepHeader(): void {
  console.log(
    "== RDS API calls per whole sweep (list step + every Map item, as the deployed machine runs them)\n" +
      "  reads = Describe*/List* of the list step + all items; writes = creates, shares, copies, deletes, tags.\n" +
      "  Targets (issue 10): take <= 15 reads (+ one create per DB due); share, copy and expire: one pass of the\n" +
      "  listings the sweep needs (pages counted from the model before the sweep; share includes the DB listing of\n" +
      "  its deleted-DB check and one DescribeKey; copy includes one check poll per item).",
  );
  console.log("  DBs    sweep            items  list reads  item reads  reads  writes  failed  target");
}

/** Runs each sweep on the bench's world and prints one row per sweep. */
export async function wholeSweepRows(b: SweepBench): Promise<void> {
  const row = async (
    label: string,
    config: PilotLightConfig,
    step: Step,
    account: string,
    o: { stage?: "source" | "dr"; target?: number; pass?: number; check?: boolean },
  ) => {
    const h = await b.handler(config, step, account, o.stage);
    const check = o.check ? await b.handler(config, "check", account) : undefined;
    const batched = step === "take";
    const pacing = sweepMapOptions(config);
    const start = b.world.calls.length;
    // The list input the deployed machine sends (components/shared/sweepMachine.ts): a batch size for the Taker,
    // the item pacing for the others.
    const list = (await h({
      sweep: "list",
      ...(batched ? { batchSize: pacing.batch.size } : { pacing: pacing.items }),
    })) as { items: unknown[] };
    const afterList = b.world.calls.length;
    let failed = 0;
    for (const item of list.items) {
      try {
        await h(item);
        if (check) await check(item);
      } catch {
        failed++;
      }
    }
    const l = count(b.world, start, afterList);
    const all = count(b.world, start);
    const verdict =
      o.target !== undefined
        ? `<= ${o.target}: ${all.reads <= o.target ? "met" : "NOT met"}`
        : `one pass ${o.pass}: ${all.reads <= (o.pass ?? 0) ? "met" : `NOT met (${(all.reads / (o.pass ?? 1)).toFixed(2)} passes)`}`;
    console.log(
      `  ${String(b.n).padEnd(6)} ${label.padEnd(16)} ${String(list.items.length).padStart(5)}  ${String(l.reads).padStart(10)}  ` +
        `${String(all.reads - l.reads).padStart(10)}  ${String(all.reads).padStart(5)}  ${String(all.writes).padStart(6)}  ` +
        `${String(failed).padStart(6)}  ${verdict}`,
    );
  };
  await row("take", b.source, "take", b.sourceAccount, { target: 15 });
  await row("share", b.source, "share", b.sourceAccount, { pass: await b.onePass("share") });
  b.advance(20);
  await row("copy (+1 check)", b.dr, "copy", b.drAccount, { pass: await b.onePass("copy"), check: true });
  b.advance(40);
  await row("expire source", b.source, "expire", b.sourceAccount, {
    stage: "source",
    pass: await b.onePass("expire-source"),
  });
  await row("expire dr", b.dr, "expire", b.drAccount, { stage: "dr", pass: await b.onePass("expire-dr") });
  // The steady state: an hour later the Taker has taken one more snapshot per DB (not printed), and the Sharer's
  // sweep shares just those; every DB's newest tagged share also gets its revoked-share check (one attribute read
  // per DB in the list step, functions/share/revoked.ts), which one pass does not count.
  b.advance(60);
  const take = await b.handler(b.source, "take", b.sourceAccount);
  const pacing = sweepMapOptions(b.source);
  const takes = (await take({ sweep: "list", batchSize: pacing.batch.size })) as { items: unknown[] };
  for (const item of takes.items) await take(item);
  await row("share (next)", b.source, "share", b.sourceAccount, { pass: await b.onePass("share") });
}
