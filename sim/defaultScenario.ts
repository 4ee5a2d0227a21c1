/**
 * The default scenario, embedded so `npm run simulate` works from any directory. Identical to
 * scenarios/default.yaml (a test keeps the two equal); relative paths resolve against that file's directory.
 */
import { resolve } from "node:path";

/** Virtual path of the embedded scenario: stack paths in it are relative to scenarios/. */
export const DEFAULT_SCENARIO_PATH = resolve(__dirname, "..", "scenarios", "default.yaml");

/** The YAML text of scenarios/default.yaml. */
export const DEFAULT_SCENARIO_YAML = `# The default scenario of \`npm run simulate\`: the example stacks (Pulumi.prod.yaml -> Pulumi.drprod.yaml) for a week,
# with a few production DBs and no faults. Every DB is expected to meet the stacks' 60-minute RPO. Aurora copies are
# always full and a cluster's region copy is a copy of its home copy, so the cluster here is small (10 GB): at the
# default throughputs (600 GB/h in a region, 150 GB/h across) a 500 GB cluster's best age is about 8 h
# (scenarios/large-aurora.yaml shows such a cluster reported INFEASIBLE).
name: default
description: Example stacks, 7 days, three production DBs (two instances, one Aurora cluster), no faults.
stacks:
  - file: ../Pulumi.prod.yaml
    account: "111111111111"
  - file: ../Pulumi.drprod.yaml
    account: "222222222222"
days: 7
seed: 1
start: "2026-01-05T00:00:00Z"
sampleMinutes: 5
dbs:
  "111111111111":
    - id: orders-db
      kind: instance
      engine: postgres
      sizeGb: 200
      changePercentPerHour: 0.5
      tags: { dr: pilot-light }
    - id: billing-aurora
      kind: cluster
      engine: aurora-postgresql
      sizeGb: 10
      changePercentPerHour: 0.2
      tags: { dr: pilot-light }
    - id: customers-db
      kind: instance
      engine: mysql
      sizeGb: 50
      changePercentPerHour: 2
      tags: { dr: pilot-light }
durations:
  snapshot: { fixedMinutes: 3, minutesPerGb: 0.05, minutesPerChangedGb: 0.5, jitter: 0.2 }
  copy: { fixedMinutes: 5, sameRegionGbPerHour: 600, crossRegionGbPerHour: 150, jitter: 0.2 }
`;
