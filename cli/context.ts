/** What every CLI command receives: the parsed stack, the settings, the I/O ports. */
import type { PilotLightConfig } from "../config";
import type { RecoverySettings } from "../functions/restore/stackConfig";
import type { CliAws } from "./aws";
import type { Colors } from "./format";

/** Ports of the CLI (the real process, or fakes in tests). */
export interface CliIo {
  /** Writes one line to stdout. */
  out(line: string): void;
  /** Writes one line to stderr. */
  err(line: string): void;
  /** stdout is a terminal (colours, progress). */
  readonly isTTY: boolean;
  /** stdin is a terminal (a confirmation can be asked). */
  readonly stdinIsTTY: boolean;
  /** Environment (`NO_COLOR`, `FORCE_COLOR`, `TERM`). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Directory stack names resolve in. */
  readonly cwd: string;
  /** Asks a yes/no question on the terminal (prompt on stderr); resolves true only for an explicit yes. */
  confirm(question: string): Promise<boolean>;
  /**
   * Outputs of a deployed stack (`pulumi stack output --json --stack <name>`, run in `cwd`). Rejects with a
   * one-line reason when pulumi is missing or the stack has no outputs.
   */
  stackOutputs(stackName: string): Promise<Record<string, unknown>>;
  readonly aws: CliAws;
  now(): Date;
  sleep(ms: number): Promise<void>;
}

/** Parsed global options plus the loaded stack. */
export interface CliContext {
  readonly io: CliIo;
  readonly stack: PilotLightConfig;
  readonly settings: RecoverySettings;
  readonly stackFile: string;
  /** The stack name when the user gave one (not a file): its outputs can be read. */
  readonly stackName?: string;
  /** The region status, failover and drill talk to: the stack's `drRegion`, else its region (issue 11). */
  readonly region: string;
  /** DR account profile (undefined = default credential chain). */
  readonly profile?: string;
  readonly json: boolean;
  readonly colors: Colors;
}
