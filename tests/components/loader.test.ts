/**
 * Loads index.ts exactly as `pulumi preview` would with Pulumi.yaml's runtime options (`node --import tsx`, plain
 * `require` of the program, config from PULUMI_CONFIG), so a loader or tsconfig mismatch fails here and not at
 * `pulumi up`.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { stackConfig } from "./harness";

const ROOT = path.resolve(__dirname, "..", "..");
const nodeargs = (
  parseYaml(readFileSync(path.join(ROOT, "Pulumi.yaml"), "utf8")) as { runtime: { options: { nodeargs: string } } }
).runtime.options.nodeargs;

function load(stack: string, config: Record<string, string>) {
  return spawnSync(process.execPath, [...nodeargs.split(" "), path.join(__dirname, "loadIndex.cjs")], {
    cwd: ROOT,
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", PULUMI_CONFIG: JSON.stringify(config), STACK: stack },
    timeout: 120_000,
  });
}

describe("index.ts under the language host's loader", () => {
  it("builds the prod stack", () => {
    const r = load("prod", stackConfig("Pulumi.prod.yaml"));
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    const types = JSON.parse(r.stdout) as string[];
    expect(types).toContain("rds-pilot-light:snapshots:SnapshotTaker");
    expect(types.filter((t) => t === "aws:lambda/function:Function")).toHaveLength(3);
  });

  it("fails with a RunError (no stack trace at preview), one line per problem, when the stack file is wrong", () => {
    const r = load("prod", {
      ...stackConfig("Pulumi.prod.yaml"),
      "rds-pilot-light:drAccounts": '["2222"]',
      "rds-pilot-lite:maxDbs": "3",
    });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toBe(
      'RunError: rds-pilot-lite:maxDbs is in namespace "rds-pilot-lite", which this program never reads; did you mean rds-pilot-light:maxDbs? Fix it in Pulumi.prod.yaml.\n' +
        'rds-pilot-light:drAccounts[0] must be a 12-digit AWS account id (got "2222"); fix it in Pulumi.prod.yaml.\n',
    );
  });
});
