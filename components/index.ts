/**
 * The reusable components, for other Pulumi TypeScript programs: `import { SnapshotTaker } from
 * "rds-pilot-light/components"` (package.json `exports`; docs/components.md). Each takes its own typed args, not
 * this project's stack configuration. Importing this module creates no resource; the project's own program is
 * index.ts (package.json `exports["."]`, which the Pulumi language host runs).
 */
export type { RetentionPolicy } from "../functions/lib/retention";
export { DEFAULT_RETENTION } from "../functions/lib/retention";
export { FreshnessMonitor, type FreshnessMonitorArgs } from "./freshnessMonitor";
export { PilotLightAlerts, type PilotLightAlertsArgs } from "./pilotLightAlerts";
export { type DrKeysArgs, PilotLightKeys, type PilotLightKeysArgs, type SourceKeyArgs } from "./pilotLightKeys";
export { SnapshotCopier, type SnapshotCopierArgs } from "./snapshotCopier";
export { SnapshotJanitor, type SnapshotJanitorArgs } from "./snapshotJanitor";
export { SnapshotRestorer, type SnapshotRestorerArgs } from "./snapshotRestorer";
export { SnapshotSharer, type SnapshotSharerArgs } from "./snapshotSharer";
export { SnapshotTaker, type SnapshotTakerArgs } from "./snapshotTaker";
