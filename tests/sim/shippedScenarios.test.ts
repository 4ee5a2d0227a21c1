/**
 * Issue 9's "Done when" checks on every shipped scenario (scenarios/*.yaml), each run shortened to half a virtual day:
 * - every copy of an Aurora cluster is full (rule AURORA-COPY-FULL), in every stage;
 * - a two-step DR-region copy is a copy of a copy, so it is never incremental (rule INC-SOURCE-NOT-COPY);
 * - a fan-out DR-region copy of an instance comes from the source's share, so after the first (full) one it is
 *   incremental (rule INC-PREVIOUS-COPY).
 * The copy mode of each DB is the one the report's feasibility section names (the DR stack's copyMode).
 */
import { readdirSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { loadScenario } from "../../sim/scenario";
import { simulate } from "../../sim/simulate";

const dir = resolve(__dirname, "../../scenarios");
// thousand-dbs.yaml (1,000 DBs) is too large to run here; tests/sim/thousandDbs.test.ts runs 50 of its DBs.
const shipped = readdirSync(dir)
  .filter((f) => f.endsWith(".yaml") && f !== "thousand-dbs.yaml")
  .sort();

describe("shipped scenarios, half a virtual day each", () => {
  it("ships the scenarios the docs describe", () => {
    expect(shipped).toEqual(
      expect.arrayContaining(["default.yaml", "api-budget.yaml", "large-aurora.yaml", "twenty-dbs.yaml"]),
    );
  });

  it.each(shipped)(
    "%s: full cluster copies, full two-step region copies, incremental fan-out region copies",
    async (file) => {
      const { report } = await simulate({ ...loadScenario(resolve(dir, file)), days: 0.5, warmupHours: 3 });
      const modeOf = new Map(report.feasibility?.map((f) => [f.db, f.mode]));
      let regionChecks = 0;
      for (const db of report.dbs) {
        const name = `${db.account}/${db.id}`;
        const mode = modeOf.get(name);
        expect(mode, `${name}: copy mode in the feasibility section`).toBeDefined();
        for (const [stage, s] of Object.entries(db.stages)) {
          if (db.kind === "cluster") expect(s?.copies.incremental, `${name} ${stage}: cluster copies`).toBe(0);
        }
        const region = db.stages["dr-region"];
        if (!region) continue;
        if (mode === "two-step") {
          expect(region.copies.incremental, `${name} dr-region (two-step)`).toBe(0);
          regionChecks++;
        }
        if (mode === "fan-out" && db.kind === "instance" && db.deletedAt === null) {
          expect(region.copies.full, `${name} dr-region (fan-out): only the first copy is full`).toBe(1);
          expect(region.copies.incremental, `${name} dr-region (fan-out): later copies`).toBeGreaterThan(0);
          regionChecks++;
        }
      }
      if (report.dbs.some((d) => d.stages["dr-region"] && d.kind === "instance"))
        expect(regionChecks).toBeGreaterThan(0);
    },
    600_000,
  );
});
