/**
 * Validation verdicts kept across runs (sim/aslVerdicts.ts): a valid definition is remembered, an invalid one is
 * rejected every time it is run.
 */
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { isKnownValid, rememberValid } from "../../sim/aslVerdicts";
import { runStateMachine } from "../../sim/localStepFunctions";

describe("asl-validator verdicts", () => {
  it("remembers a definition found valid, by its exact text", () => {
    const text = JSON.stringify({ StartAt: "A", States: { A: { Type: "Succeed", Comment: randomUUID() } } });
    expect(isKnownValid(text)).toBe(false);
    rememberValid(text);
    expect(isKnownValid(text)).toBe(true);
    expect(isKnownValid(`${text} `)).toBe(false);
  });

  it("rejects an invalid definition on every run (invalid verdicts are never kept)", async () => {
    const invalid = { StartAt: "Missing", States: { A: { Type: "Succeed" } }, Comment: randomUUID() };
    for (let i = 0; i < 2; i++) {
      await expect(runStateMachine(invalid, { handlers: {} })).rejects.toThrow(/invalid/i);
      await expect(runStateMachine(structuredClone(invalid), { handlers: {} })).rejects.toThrow(/invalid/i);
    }
  });

  it("runs a remembered definition without validating it again, with the same result", async () => {
    const def = { StartAt: "P", States: { P: { Type: "Pass", Result: { ok: 1 }, End: true } }, Comment: randomUUID() };
    const first = await runStateMachine(def, { handlers: {} });
    expect(isKnownValid(JSON.stringify(def))).toBe(true);
    const again = await runStateMachine(structuredClone(def), { handlers: {} });
    expect(again).toEqual(first);
    expect(first.output).toEqual({ ok: 1 });
  });
});
