/**
 * Where a profile of the bundled simulator spends its CPU, by source module: self time of every sample summed per
 * module of the bundle (esbuild marks each module with a `// path` comment line) and grouped into the parts
 * docs/performance.md discusses. Usage:
 *
 *   node --cpu-prof --cpu-prof-dir=prof dist/X.cjs --scenario scenarios/twenty-dbs.yaml --days 0.5 --json --no-progress
 *   npx tsx bench/profileByModule.ts prof/CPU.*.cpuprofile dist/X.cjs
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The part of the simulation a bundle module belongs to. */
export function partOf(module: string): string {
  if (module.startsWith("node_modules/aws-local-stepfunctions") || module.startsWith("node_modules/jsonpath"))
    return "executor (aws-local-stepfunctions, jsonpath)";
  if (module === "sim/fastJsonPath.ts") return "executor (aws-local-stepfunctions, jsonpath)";
  if (module.startsWith("node_modules/@smithy") || module.startsWith("node_modules/@aws-sdk"))
    return "AWS SDK (paginators, retry middleware, exceptions)";
  if (module.startsWith("node_modules/")) return "other libraries";
  if (module.startsWith("sim/aws/")) return "RDS model (sim/aws)";
  if (module.startsWith("functions/")) return "handlers and planners (functions)";
  if (module.startsWith("sim/")) return "simulator harness (sim)";
  return "other project code";
}

function main(profileFile: string, bundleFile: string): void {
  const lines = readFileSync(bundleFile, "utf8").split("\n");
  const starts: [number, string][] = [];
  lines.forEach((l, i) => {
    const m = /^\/\/ ((?:node_modules|sim|functions|config|components)\/\S+)$/.exec(l);
    if (m?.[1]) starts.push([i, m[1]]);
  });
  const moduleAt = (line: number): string => {
    let lo = 0;
    let hi = starts.length - 1;
    let found = "?";
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = starts[mid]!;
      if (s[0] <= line) {
        found = s[1];
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found;
  };
  const profile = JSON.parse(readFileSync(profileFile, "utf8")) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const bundleName = basename(bundleFile);
  const parts = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const n = byId.get(id)!;
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    const { url, functionName, lineNumber } = n.callFrame;
    let part: string;
    if (url.endsWith(bundleName)) part = partOf(moduleAt(lineNumber));
    else if (functionName === "(garbage collector)") part = "Node.js: garbage collector";
    else if (functionName.startsWith("(")) part = `Node.js: ${functionName}`;
    else if (url.includes("async_hooks")) part = "Node.js: async_hooks (AsyncLocalStorage)";
    else if (url.includes("event_target") || url.includes("abort_controller"))
      part = "Node.js: EventTarget, AbortController";
    else part = "Node.js: other internals";
    parts.set(part, (parts.get(part) ?? 0) + dt);
  });
  for (const [part, t] of [...parts].sort((a, b) => b[1] - a[1])) {
    console.log(`${((100 * t) / total).toFixed(1).padStart(5)} %  ${part}`);
  }
}

if (require.main === module) {
  const [profileFile, bundleFile] = process.argv.slice(2);
  if (!profileFile || !bundleFile) {
    console.error("usage: npx tsx bench/profileByModule.ts PROFILE.cpuprofile BUNDLE.cjs");
    process.exitCode = 2;
  } else main(profileFile, bundleFile);
}
