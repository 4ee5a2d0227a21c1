/**
 * Child process of the bench's `floor` section (bench/floor.ts): prints the floor table.
 *   node dist/floor-child.cjs <path of scenarios/twenty-dbs.yaml>
 */

import { polyfillPromiseWithResolvers } from "../sim/polyfills";
import { printFloors } from "./floor";

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
polyfillPromiseWithResolvers();
const scenario = process.argv[2];
if (!scenario) throw new Error("usage: floor-child.cjs <scenario file>");
printFloors(scenario).catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
