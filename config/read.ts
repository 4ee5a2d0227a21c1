/**
 * The one stack-config reader. `index.ts` (at preview, from the values Pulumi hands the program), the operator CLI,
 * `npm run check` and the simulator (from `Pulumi.<stack>.yaml`) all call {@link readStackConfig}, so a stack the
 * CLI accepts is exactly one preview accepts, and both report the same problems in the same words.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { ConfigError } from "../functions/lib/errors";
import { closest } from "./coerce";
import { CONFIG_KEYS, NAMESPACE, type PilotLightConfig, parseStackConfig } from "./schema";

/** Namespaces other programs (providers, Pulumi itself) own: never reported as a misspelling of ours. */
const FOREIGN_NAMESPACES = new Set(["aws", "pulumi", "aws-native", "random", "tls", "command", "kubernetes"]);

/**
 * Validates every config value of one stack. `values` maps full keys (`rds-pilot-light:rpoMinutes`,
 * `aws:region`) to values either as a stack file holds them (strings, numbers, lists, objects, `{secure: ...}`) or
 * as Pulumi hands them to the program (every value a string, lists and objects as JSON). Throws one
 * {@link ConfigError} with one line per problem, naming the key and `source`; a misspelt namespace
 * (`rds-pilot-lite:rpoMinutes`) or a key without namespace is a problem too, with the key it probably meant.
 */
export function readStackConfig(values: Readonly<Record<string, unknown>>, source: string): PilotLightConfig {
  const raw: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [fullKey, value] of Object.entries(values)) {
    const colon = fullKey.indexOf(":");
    const ns = colon < 0 ? "" : fullKey.slice(0, colon);
    const key = colon < 0 ? fullKey : fullKey.slice(colon + 1);
    if (ns === NAMESPACE) {
      raw[key] = value;
      continue;
    }
    if (FOREIGN_NAMESPACES.has(ns)) continue;
    const guess = closest(key, CONFIG_KEYS) ?? key;
    if (ns === "") {
      problems.push(
        `${fullKey} has no namespace, so this program never reads it; did you mean ${NAMESPACE}:${guess}? Fix it in ${source}.`,
      );
    } else if (closest(ns, [NAMESPACE]) !== undefined) {
      problems.push(
        `${fullKey} is in namespace "${ns}", which this program never reads; did you mean ${NAMESPACE}:${guess}? Fix it in ${source}.`,
      );
    }
  }
  const region = values["aws:region"];
  let config: PilotLightConfig | undefined;
  try {
    config = parseStackConfig(raw, source, typeof region === "string" ? { region } : {});
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    throw new ConfigError([...problems, err.message].join("\n"), { cause: err });
  }
  if (problems.length > 0) throw new ConfigError(problems.join("\n"));
  return config;
}

/**
 * The stack file a CLI argument names: a path to an existing file, or a stack name (`prod` ->
 * `Pulumi.prod.yaml` in `cwd`, or an organisation-qualified `acme/prod` -> `Pulumi.prod.yaml`). Throws a
 * ConfigError naming what was looked for.
 */
export function resolveStackFile(stackOrFile: string, cwd = process.cwd()): string {
  const asPath = resolve(cwd, stackOrFile);
  if (existsSync(asPath) && statSync(asPath).isFile()) return asPath;
  if (/\.ya?ml$/i.test(stackOrFile) || isAbsolute(stackOrFile) || stackOrFile.startsWith(".")) {
    throw new ConfigError(`stack file ${asPath} not found`);
  }
  const name = stackOrFile.split("/").pop() ?? stackOrFile;
  const file = join(cwd, `Pulumi.${name}.yaml`);
  if (existsSync(file)) return file;
  throw new ConfigError(
    `stack "${stackOrFile}": no stack file ${file} (give a stack name such as prod, or a path to a Pulumi.<stack>.yaml file)`,
  );
}

/** Name of the stack a `Pulumi.<stack>.yaml` file belongs to (`undefined` for any other file name). */
export function stackNameOf(file: string): string | undefined {
  return /^Pulumi\.(.+)\.ya?ml$/.exec(basename(file))?.[1];
}

/**
 * Full-key values of a stack file, with the defaults `Pulumi.yaml` (next to it) declares for the project's own keys
 * applied first, as Pulumi does. Values stay as YAML parsed them (see {@link readStackConfig}).
 */
export function readStackValues(file: string): Record<string, unknown> {
  const doc = parseYaml(readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
  if (doc !== null && (typeof doc !== "object" || Array.isArray(doc))) {
    throw new ConfigError(`${basename(file)} must be a YAML map with a config: block`);
  }
  const values: Record<string, unknown> = {};
  const project = join(dirname(file), "Pulumi.yaml");
  if (existsSync(project)) {
    const p = parseYaml(readFileSync(project, "utf8")) as { name?: string; config?: Record<string, unknown> } | null;
    for (const [k, decl] of Object.entries(p?.config ?? {})) {
      const def = decl !== null && typeof decl === "object" ? (decl as { default?: unknown }).default : undefined;
      if (def !== undefined && !k.includes(":") && p?.name === NAMESPACE) values[`${NAMESPACE}:${k}`] = def;
    }
  }
  return { ...values, ...(doc?.config ?? {}) };
}

/**
 * Reads and validates a stack given by name or file (see {@link resolveStackFile}). Used by the CLI, `npm run
 * check` and the simulator.
 */
export function loadStackFile(stackOrFile: string, cwd = process.cwd()): PilotLightConfig {
  const file = resolveStackFile(stackOrFile, cwd);
  return readStackConfig(readStackValues(file), basename(file));
}
