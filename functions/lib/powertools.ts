/**
 * The shared Powertools Logger and Metrics instances (structured JSON logs, CloudWatch EMF metrics), configured
 * once as in the Powertools example app. Service name and namespace come from POWERTOOLS_* variables set by the
 * components; metrics use the `RdsPilotLight` namespace with low-cardinality dimensions only.
 */
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";

export const METRICS_NAMESPACE = "RdsPilotLight";

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? "rds-pilot-light" });

export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? METRICS_NAMESPACE,
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? "rds-pilot-light",
});

export { MetricUnit };

/** What handlers need to observe: tests pass spies. */
export interface Observability {
  readonly logger: Pick<Logger, "info" | "warn" | "error" | "debug" | "appendKeys">;
  readonly metrics: Pick<Metrics, "addMetric" | "addMetadata" | "publishStoredMetrics" | "singleMetric">;
}

export const liveObservability: Observability = { logger, metrics };
