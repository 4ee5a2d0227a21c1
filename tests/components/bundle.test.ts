/**
 * The Lambda bundles the components ship: each step's entry point (functions/<step>/index.ts) builds with esbuild, needs nothing at run time beyond
 * Node built-ins and the AWS SDK the nodejs22.x runtime provides, and its cold start accepts exactly the environment
 * the components give it (config/derive.ts handlerEnvironment) — and rejects a missing one, naming the variable.
 */
import { spawnSync } from "node:child_process";
import { builtinModules } from "node:module";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { bundleHandler } from "../../components/shared/bundle";
import { handlerEnvironment, parseStackConfig, type Step } from "../../config";

const ROOT = path.resolve(__dirname, "..", "..");
const STEPS: Step[] = ["take", "share", "copy", "check", "expire"];

const source = parseStackConfig({ role: "source", drAccounts: ["222222222222"] }, "Pulumi.test.yaml", {
  region: "eu-west-1",
});
const dr = parseStackConfig(
  { role: "dr", sourceAccounts: ["111111111111"], drRegion: "eu-central-1" },
  "Pulumi.test.yaml",
  { region: "eu-west-1" },
);
const ENV: Record<Step, Record<string, string>> = {
  take: handlerEnvironment(source, "take"),
  share: handlerEnvironment(source, "share"),
  copy: handlerEnvironment(dr, "copy", {
    drKmsKeyArn: "arn:aws:kms:eu-west-1:222222222222:key/11111111-2222-3333-4444-555555555555",
    drRegionKmsKeyArn: "arn:aws:kms:eu-central-1:222222222222:key/11111111-2222-3333-4444-666666666666",
  }),
  check: handlerEnvironment(dr, "check", {
    drKmsKeyArn: "arn:aws:kms:eu-west-1:222222222222:key/11111111-2222-3333-4444-555555555555",
    drRegionKmsKeyArn: "arn:aws:kms:eu-central-1:222222222222:key/11111111-2222-3333-4444-666666666666",
  }),
  expire: handlerEnvironment(dr, "expire", { stage: "dr" }),
};

/** An environment each step must refuse at cold start, and the variable its error names. */
const BAD_ENV: Record<Step, { env: Record<string, string>; names: string }> = {
  take: { env: { RPL_INTERVAL_MINUTES: "soon" }, names: "RPL_INTERVAL_MINUTES" },
  share: { env: {}, names: "RPL_DR_ACCOUNTS" },
  copy: { env: {}, names: "RPL_SOURCE_ACCOUNTS" },
  check: { env: {}, names: "RPL_SOURCE_ACCOUNTS" },
  expire: { env: {}, names: "RPL_STAGE" },
};

/** Loads a bundle in a fresh Node process (module paths of the repo, so @aws-sdk resolves) with `env`. */
function coldStart(code: string, step: string, env: Record<string, string>) {
  const loader = `
    const Module = require("node:module");
    const file = ${JSON.stringify(path.join(ROOT, `.bundle-${step}.js`))};
    const m = new Module(file);
    m.filename = file;
    m.paths = Module._nodeModulePaths(${JSON.stringify(ROOT)});
    let code = "";
    process.stdin.on("data", (d) => (code += d));
    process.stdin.on("end", () => {
      m._compile(code, file);
      process.stdout.write(JSON.stringify({ handler: typeof m.exports.handler }));
    });`;
  return spawnSync(process.execPath, ["-e", loader], {
    input: code,
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", AWS_REGION: "eu-west-1", POWERTOOLS_LOG_LEVEL: "SILENT", ...env },
    timeout: 30_000,
  });
}

describe.each(STEPS)("functions/%s Lambda bundle", (step) => {
  let code: string;
  beforeAll(async () => {
    code = await bundleHandler(step);
  });

  it("requires only Node built-ins and the AWS SDK", () => {
    const required = [...code.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]!);
    const builtins = new Set([...builtinModules, ...builtinModules.map((b) => `node:${b}`)]);
    const extra = required.filter((r) => !builtins.has(r) && !r.startsWith("@aws-sdk/"));
    expect(extra).toEqual([]);
    expect(code.length).toBeGreaterThan(1000);
  });

  it("cold-starts with the environment the component sets", () => {
    const r = coldStart(code, step, ENV[step]);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ handler: "function" });
  });

  it("fails its cold start on a missing or bad variable, naming it", () => {
    const r = coldStart(code, step, BAD_ENV[step].env);
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain(BAD_ENV[step].names);
  });
});
