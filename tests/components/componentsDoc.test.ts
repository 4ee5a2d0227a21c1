/**
 * docs/components.md documents every field of every component's args (one table row each, under the component's
 * heading), and the barrel exports every component: a field added to an args interface without its row fails here.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as ts from "typescript";
import { describe, expect, it } from "vitest";
import * as barrel from "../../components";
import { ROOT } from "./harness";

const COMPONENTS = {
  SnapshotTaker: ["snapshotTaker", ["SnapshotTakerArgs"]],
  SnapshotSharer: ["snapshotSharer", ["SnapshotSharerArgs"]],
  SnapshotCopier: ["snapshotCopier", ["SnapshotCopierArgs"]],
  SnapshotJanitor: ["snapshotJanitor", ["SnapshotJanitorArgs"]],
  FreshnessMonitor: ["freshnessMonitor", ["FreshnessMonitorArgs"]],
  SnapshotRestorer: ["snapshotRestorer", ["SnapshotRestorerArgs"]],
  PilotLightKeys: ["pilotLightKeys", ["SourceKeyArgs", "DrKeysArgs", "PilotLightKeysArgs"]],
  PilotLightAlerts: ["pilotLightAlerts", ["PilotLightAlertsArgs"]],
} as const;

/** Field names and whether each has TSDoc, per args interface of a component file. */
function argsFields(file: string): Map<string, { name: string; documented: boolean }[]> {
  const text = readFileSync(path.join(ROOT, "components", `${file}.ts`), "utf8");
  const sf = ts.createSourceFile(`${file}.ts`, text, ts.ScriptTarget.ES2022, true);
  const out = new Map<string, { name: string; documented: boolean }[]>();
  sf.forEachChild((n) => {
    if (!ts.isInterfaceDeclaration(n) || !n.name.text.endsWith("Args")) return;
    out.set(
      n.name.text,
      n.members.filter(ts.isPropertySignature).map((m) => ({
        name: (m.name as ts.Identifier).text,
        documented: /\/\*\*[\s\S]+\*\//.test(text.slice(m.getFullStart(), m.getStart(sf))),
      })),
    );
  });
  return out;
}

const doc = readFileSync(path.join(ROOT, "docs", "components.md"), "utf8");

/** The part of docs/components.md under `## <component>`. */
function section(component: string): string {
  const start = doc.indexOf(`\n## ${component}\n`);
  expect(start, `docs/components.md has no "## ${component}" section`).toBeGreaterThan(-1);
  const end = doc.indexOf("\n## ", start + 1);
  return doc.slice(start, end === -1 ? undefined : end);
}

describe("components barrel and docs/components.md", () => {
  it.each(Object.entries(COMPONENTS))(
    "%s: exported from the barrel, every args field documented",
    (component, spec) => {
      const [file, interfaces] = spec;
      expect(typeof (barrel as Record<string, unknown>)[component]).toBe("function");
      const fields = argsFields(file);
      const text = section(component);
      for (const iface of interfaces) {
        const list = fields.get(iface);
        expect(list, `${iface} in components/${file}.ts`).toBeDefined();
        for (const f of list!) {
          expect(f.documented, `${iface}.${f.name} has TSDoc`).toBe(true);
          expect(text, `docs/components.md ## ${component} has a row for ${iface}.${f.name}`).toContain(
            `| \`${f.name}\` |`,
          );
        }
      }
    },
  );

  it("shows the usage snippet exactly as examples/taker-only/index.ts has it", () => {
    const example = readFileSync(path.join(ROOT, "examples", "taker-only", "index.ts"), "utf8").trim();
    expect(doc).toContain(example);
  });
});
