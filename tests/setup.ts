// Test setup: Node 20 lacks Promise.withResolvers, which aws-local-stepfunctions uses. Lambdas run on nodejs22.x
// where it exists natively; this polyfill only lets the same code run here.
import { polyfillPromiseWithResolvers } from "./helpers/polyfills";

polyfillPromiseWithResolvers();
process.env.POWERTOOLS_DEV ??= "false";
process.env.POWERTOOLS_LOG_LEVEL ??= "SILENT";
process.env.POWERTOOLS_METRICS_DISABLED ??= "true";
