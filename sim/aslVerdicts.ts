/**
 * Definitions asl-validator has already found valid, so that a process need not validate them again.
 *
 * Why: aws-local-stepfunctions validates a definition with asl-validator when it builds a machine, and asl-validator
 * builds and compiles a new Ajv schema on every call (about half a second of CPU). The simulator builds each distinct
 * definition once per process, but a run has five to ten of them: several seconds per run, the largest fixed cost of
 * a short simulation (issue 10, docs/performance.md).
 *
 * A verdict is kept only for a definition found valid, in this process and, as an empty file named by the SHA-256 of
 * the asl-validator version and the definition's exact JSON text, under `node_modules/.cache/rds-pilot-light/asl-valid`
 * (the usual place for tool caches; nothing is written elsewhere, and a read-only or missing directory only means
 * validating again). An invalid definition is never remembered, so it is reported on every run.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import aslValidatorPackage from "asl-validator/package.json";

/** The repository root (this file is in sim/, or in a bundle one level below the root). */
const ROOT = resolve(__dirname, "..");
const DIR = join(ROOT, "node_modules", ".cache", "rds-pilot-light", "asl-valid");
const VERSION = (aslValidatorPackage as { version?: string }).version ?? "unknown";

const inProcess = new Set<string>();

function keyOf(definitionJson: string): string {
  return createHash("sha256").update(`asl-validator@${VERSION}\n${definitionJson}`).digest("hex");
}

/** True when this exact definition text was found valid before (in this process or an earlier one). */
export function isKnownValid(definitionJson: string): boolean {
  const key = keyOf(definitionJson);
  if (inProcess.has(key)) return true;
  if (process.env.RPL_SIM_VALIDATE_ALWAYS !== "1" && existsSync(join(DIR, key))) {
    inProcess.add(key);
    return true;
  }
  return false;
}

/** Records that this exact definition text was found valid (call only after validation passed). */
export function rememberValid(definitionJson: string): void {
  const key = keyOf(definitionJson);
  inProcess.add(key);
  try {
    mkdirSync(DIR, { recursive: true });
    writeFileSync(join(DIR, key), "");
  } catch {
    // No writable cache: the next process validates again.
  }
}
