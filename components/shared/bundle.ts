/**
 * Bundles a step handler with esbuild's API while the program runs, so `pulumi up` can never ship a stale build
 * (STYLE.md). The AWS SDK v3 is left out: the `nodejs22.x` runtime provides it.
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as esbuild from "esbuild";

/** Repository root (this file lives in components/shared). */
export const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** Node.js target matching the Lambda runtime. */
export const LAMBDA_RUNTIME = "nodejs22.x";

const cache = new Map<string, Promise<string>>();

/**
 * Entry point of a step's Lambda: `functions/<step>/index.ts` (which parses the environment at module load and
 * exports `handler`) when the step has one, else `functions/<step>/handler.ts`.
 */
export function handlerEntry(step: string): string {
  const index = path.join(REPO_ROOT, "functions", step, "index.ts");
  return existsSync(index) ? index : path.join(REPO_ROOT, "functions", step, "handler.ts");
}

/**
 * Minified CommonJS bundle of the step's entry point (memoised per step: the `both` role deploys two Janitors
 * from one bundle). Rejects with esbuild's message when the handler does not build.
 */
export function bundleHandler(step: string): Promise<string> {
  let p = cache.get(step);
  if (!p) {
    p = esbuild
      .build({
        entryPoints: [handlerEntry(step)],
        bundle: true,
        platform: "node",
        target: "node22",
        format: "cjs",
        minify: true,
        sourcemap: false,
        external: ["@aws-sdk/*"],
        write: false,
        logLevel: "silent",
        legalComments: "none",
      })
      .then((r) => {
        const out = r.outputFiles[0];
        if (!out) throw new Error(`esbuild produced no output for ${handlerEntry(step)}`);
        return out.text;
      });
    cache.set(step, p);
  }
  return p;
}

/** Lambda code archive: `index.js` holding the bundle, so the handler is `index.handler`. */
export function handlerArchive(step: string): pulumi.asset.AssetArchive {
  return new pulumi.asset.AssetArchive({ "index.js": new pulumi.asset.StringAsset(bundleHandler(step)) });
}
