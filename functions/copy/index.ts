/**
 * Lambda entry point of the copy step. Parsing the environment here, at module load, makes a bad variable fail the
 * cold start with a ConfigError naming it; `handler.ts` stays importable by tests and the simulator. The list step
 * of a fanned-out sweep (`{ "sweep": "list" }`, functions/lib/sweep.ts) is answered by `sweep.ts`.
 */
import { lambdaHandler, liveDeps } from "../lib/lambda";
import { withSweepList } from "../lib/sweep";
import { parseCopyConfig } from "./config";
import { makeHandler } from "./handler";
import { makeSweepLister } from "./sweep";

const deps = liveDeps(parseCopyConfig(process.env));
export const handler = lambdaHandler(withSweepList(makeHandler(deps), makeSweepLister(deps), "copy"), "copy");
