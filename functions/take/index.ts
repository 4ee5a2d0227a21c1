/**
 * Lambda entry point of the take step. Parsing the environment here, at module load, makes a bad variable fail the
 * cold start with a ConfigError naming it; `handler.ts` stays importable by tests and the simulator.
 */
import { lambdaHandler, liveDeps } from "../lib/lambda";
import { parseTakeConfig } from "./config";
import { makeHandler } from "./handler";

export const handler = lambdaHandler(makeHandler(liveDeps(parseTakeConfig(process.env))), "take");
