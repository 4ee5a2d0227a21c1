/**
 * The simulator bundled with esbuild (sim/bundle.ts) prints the same report as the simulator run from source. A
 * bundle once printed a different one: esbuild renamed the SDK's command classes (`CreateDBSnapshotCommand3`), the
 * simulator read the operation from `constructor.name`, so RDS's "snapshot available" events never fired and the
 * Sharer ran on its schedule only.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { CreateDBSnapshotCommand, DeleteDBSnapshotCommand } from "@aws-sdk/client-rds";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { operationName, RdsWorld } from "../../sim/aws/rdsModel";
import { buildSimulatorBundle } from "../../sim/bundle";
import { loadScenario } from "../../sim/scenario";
import { simulate } from "../../sim/simulate";

const SCENARIO = resolve(__dirname, "../../scenarios/default.yaml");
const DAYS = 0.25;
/** Wall-clock allowance: a few seconds of CPU, but the machine may be shared. */
const TIMEOUT_MS = 300_000;

describe("the bundled simulator", () => {
  let dir: string;
  let bundle: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "rpl-sim-bundle-"));
    bundle = join(dir, "sim.cjs");
    await buildSimulatorBundle(bundle);
  }, TIMEOUT_MS);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(
    "prints the same report as the simulator run from source (same scenario and seed)",
    async () => {
      const run = spawnSync(
        process.execPath,
        [bundle, "--scenario", SCENARIO, "--days", String(DAYS), "--json", "--no-progress"],
        { encoding: "utf8", maxBuffer: 1 << 28, timeout: TIMEOUT_MS },
      );
      expect(run.stdout.length, run.stderr).toBeGreaterThan(0);
      const bundled = JSON.parse(run.stdout) as Awaited<ReturnType<typeof simulate>>["report"];
      const { report } = await simulate({ ...loadScenario(SCENARIO), days: DAYS });
      // The failure this guards against: RDS's events start the Sharer, not only its schedule.
      expect(report.machines.find((m) => m.step === "share")?.triggers["rds-event"]).toBeGreaterThan(0);
      expect(bundled).toEqual(JSON.parse(JSON.stringify(report)));
    },
    TIMEOUT_MS,
  );
});

describe("operationName", () => {
  it("names a command by the model's route, not by its (renameable) class name", () => {
    const world = new RdsWorld({ clock: () => new Date(0) });
    world.clients("111111111111").rds("eu-west-1");
    const create = new CreateDBSnapshotCommand({ DBInstanceIdentifier: "a", DBSnapshotIdentifier: "b" });
    const renamed = Object.getOwnPropertyDescriptor(CreateDBSnapshotCommand, "name");
    // What a bundler does to the class: its name changes, the class stays the same.
    Object.defineProperty(CreateDBSnapshotCommand, "name", { value: "CreateDBSnapshotCommand3", configurable: true });
    try {
      expect(operationName(create)).toBe("CreateDBSnapshot");
    } finally {
      if (renamed) Object.defineProperty(CreateDBSnapshotCommand, "name", renamed);
    }
    expect(operationName(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: "b" }))).toBe("DeleteDBSnapshot");
    expect(operationName(new Date())).toBeUndefined();
  });
});
