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
  /** Rewrites the current stdout line (progress on a TTY). */
  progress?(line: string): void;
  readonly isTTY: boolean;
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
  /** DR account profile (undefined = default credential chain). */
  readonly profile?: string;
  readonly json: boolean;
  readonly colors: Colors;
}
