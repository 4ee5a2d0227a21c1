/**
 * The Checker reads the Copier's environment: it must plan exactly as the Copier does, so it reuses its parser.
 */
import { type CopyConfig, parseCopyConfig } from "../copy/config";

/** Same shape as the Copier's config. */
export type CheckConfig = CopyConfig;

/** Parses the Checker environment (the Copier's variables). */
export function parseCheckConfig(env: Readonly<Record<string, string | undefined>>): CheckConfig {
  // Errors name the Checker's Lambda, not the Copier's (issue 13: "the Checker's config error calls itself copy").
  return parseCopyConfig(env, "check");
}
