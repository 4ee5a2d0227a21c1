/**
 * Scenario `dbGenerators` (sim/dbGenerator.ts): many DBs declared in a few lines, expanded when the scenario is
 * parsed, reproducible for a seed, validated field by field.
 */
import { describe, expect, it } from "vitest";
import { expandDbGenerator } from "../../sim/dbGenerator";
import { parseScenario } from "../../sim/scenario";

const SRC = "/tmp/scenarios/gen.yaml";
const ACCOUNT = "111111111111";
// biome-ignore lint/suspicious/noExplicitAny: the tests break scenario documents in arbitrary ways.
const withGenerator = (g: Record<string, any>, extra: Record<string, unknown> = {}) => ({
  name: "gen",
  stacks: [{ file: "../Pulumi.prod.yaml", account: ACCOUNT }],
  days: 1,
  dbGenerators: { [ACCOUNT]: [g] },
  ...extra,
});
const base = { count: 200, prefix: "app", clusterFraction: 0.25, sizeGb: { min: 5, max: 400 } };

describe("dbGenerators", () => {
  it("expands into scenario DBs with padded names, the exact cluster share, sizes in range and defaults applied", () => {
    const s = parseScenario(withGenerator({ ...base, tags: { dr: "pilot-light" } }), SRC);
    const dbs = s.dbs[ACCOUNT]!;
    expect(dbs).toHaveLength(200);
    expect(dbs[0]!.id).toBe("app-001");
    expect(dbs[199]!.id).toBe("app-200");
    expect(new Set(dbs.map((d) => d.id)).size).toBe(200);
    expect(dbs.filter((d) => d.kind === "cluster")).toHaveLength(50);
    for (const d of dbs) {
      expect(d.sizeGb).toBeGreaterThanOrEqual(5);
      expect(d.sizeGb).toBeLessThanOrEqual(400);
      expect(d.tags).toEqual({ dr: "pilot-light" });
      expect(d.changePercentPerHour).toBe(1); // the scenario DB default
      expect(d.engine).toMatch(d.kind === "cluster" ? /^aurora-/ : /^(postgres|mysql)$/);
    }
    // Log-uniform: more than half the DBs are below the arithmetic middle of the range.
    expect(dbs.filter((d) => d.sizeGb < 200).length).toBeGreaterThan(140);
  });

  it("is reproducible for a seed and differs for another", () => {
    const g = {
      ...base,
      changePercentPerHour: { min: 0.1, max: 2 },
      instanceEngines: ["postgres"],
      clusterEngines: ["aurora-mysql"],
      tags: {},
    };
    const a = expandDbGenerator(g, 7);
    expect(expandDbGenerator(g, 7)).toEqual(a);
    expect(expandDbGenerator(g, 8).map((d) => d.sizeGb)).not.toEqual(a.map((d) => d.sizeGb));
    expect(expandDbGenerator({ ...g, seed: 3 }, 7)).toEqual(expandDbGenerator(g, 3));
    for (const d of a) {
      expect(d.changePercentPerHour).toBeGreaterThanOrEqual(0.1);
      expect(d.changePercentPerHour).toBeLessThanOrEqual(2);
    }
  });

  it("adds generated DBs after the listed ones of the same account and rejects a name clash", () => {
    const listed = { dbs: { [ACCOUNT]: [{ id: "orders-db", sizeGb: 10 }] } };
    const s = parseScenario(withGenerator({ ...base, count: 3 }, listed), SRC);
    expect(s.dbs[ACCOUNT]!.map((d) => d.id)).toEqual(["orders-db", "app-1", "app-2", "app-3"]);
    const clash = { dbs: { [ACCOUNT]: [{ id: "app-2", sizeGb: 10 }] } };
    expect(() => parseScenario(withGenerator({ ...base, count: 3 }, clash), SRC)).toThrow(/"app-2" is listed twice/);
  });

  it("names the bad field", () => {
    const bad = (g: Record<string, unknown>) => () => parseScenario(withGenerator({ ...base, ...g }), SRC);
    expect(bad({ count: 0 })).toThrow(/dbGenerators\.111111111111\[0\]\.count: must be a whole number >= 1/);
    expect(bad({ sizeGb: { min: 50, max: 10 } })).toThrow(
      /dbGenerators\.111111111111\[0\]\.sizeGb: min must be <= max/,
    );
    expect(bad({ clusterFraction: 2 })).toThrow(/clusterFraction: must be a fraction from 0 to 1/);
    expect(bad({ prefix: "9db" })).toThrow(/prefix: must start with a letter/);
    expect(bad({ counts: 3 })).toThrow(/dbGenerators\.111111111111\[0\]/);
  });

  it("requires at least one DB, listed or generated", () => {
    const { dbGenerators: _, ...none } = withGenerator(base);
    expect(() => parseScenario(none, SRC)).toThrow(/dbs: must list at least one DB \(or use dbGenerators\)/);
  });
});
