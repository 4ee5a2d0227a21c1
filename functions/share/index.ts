/**
 * Lambda entry point of the share step. Parsing the environment here, at module load, makes a bad variable fail the
 * cold start with a ConfigError naming it; `handler.ts` stays importable by tests and the simulator. The list step
 * of a fanned-out sweep (`{ "sweep": "list" }`, functions/lib/sweep.ts) is answered by `sweep.ts`.
 */
import { lambdaHandler, liveDeps } from "../lib/lambda";
import { withSweepList } from "../lib/sweep";
import { parseShareConfig } from "./config";
import { makeHandler } from "./handler";
import { makeSweepLister } from "./sweep";

const deps = liveDeps(parseShareConfig(process.env));
export const handler = lambdaHandler(withSweepList(makeHandler(deps), makeSweepLister(deps), "share"), "share");
