/**
 * Schema-directed reading of config values in every shape `pulumi config set` writes them, so the stack file read
 * offline (CLI, `npm run check`, simulator) and the strings Pulumi hands the program at preview are accepted alike.
 *
 * What Pulumi writes (https://www.pulumi.com/docs/iac/cli/commands/pulumi_config_set/):
 * - `pulumi config set k 90`: top-level entries are always strings (`k: "90"`), unless `--type int|bool|float`.
 * - `pulumi config set --path 'k[0]' 222222222222`: inside a path, `true`/`false` become booleans and integers not
 *   starting with 0 become numbers (pulumi/pulumi#18285); everything else is a string.
 * - `--secret` writes `{secure: <ciphertext>}` in place of the value (also at a leaf inside a `--path` object).
 * - The program receives every key as a string; lists and objects as JSON with secret leaves decrypted
 *   (pulumi/pulumi#3342).
 *
 * So: where the schema expects a number, a numeric string is a number; where it expects true/false, "true"/"false"
 * are booleans; where it expects a string, a number (or boolean) is its text (an account id written by `--path`);
 * where it expects a list or object, a string is parsed as JSON. The zod schema then checks the result.
 */
import type { $ZodType } from "zod/v4/core";

/** A `{secure: ...}` value of a stack file: encrypted, unreadable offline. */
export function isSecure(v: unknown): v is { secure: string } {
  return (
    v !== null &&
    typeof v === "object" &&
    !Array.isArray(v) &&
    Object.keys(v).length === 1 &&
    typeof (v as { secure?: unknown }).secure === "string"
  );
}

/** Path of a value inside one key: property names and list indexes. */
export type ValuePath = readonly (string | number)[];

/** What {@link coerceToSchema} changed or left out, for messages. */
export interface CoerceReport {
  /** Paths (as written in the file) whose value was a YAML number where the schema wants a string. */
  readonly numbersAsText: ValuePath[];
  /** Paths (as written in the file) of `{secure: ...}` values, left out because they cannot be decrypted offline. */
  readonly secrets: ValuePath[];
  /**
   * For each list that lost secret elements: original index of each kept element, keyed by the list's path in
   * the coerced value, so a problem at `list[1]` can be reported at the index the file uses.
   */
  readonly indexMaps: Map<string, number[]>;
}

/** Creates an empty report. */
export function emptyCoerceReport(): CoerceReport {
  return { numbersAsText: [], secrets: [], indexMaps: new Map() };
}

interface Def {
  readonly type: string;
  readonly innerType?: $ZodType;
  readonly element?: $ZodType;
  readonly shape?: Record<string, $ZodType>;
  readonly valueType?: $ZodType;
  readonly in?: $ZodType;
}

const defOf = (s: $ZodType) => s._zod.def as unknown as Def;

/** The schema under optional/default/nullable/pipe wrappers. */
export function unwrapSchema(s: $ZodType): $ZodType {
  let cur = s;
  for (;;) {
    const d = defOf(cur);
    if (d.innerType && ["optional", "default", "prefault", "nullable", "readonly", "nonoptional"].includes(d.type)) {
      cur = d.innerType;
    } else if (d.type === "pipe" && d.in) cur = d.in;
    else return cur;
  }
}

/** Property names of an object schema (after unwrapping), or `[]`. */
export function objectKeys(s: $ZodType): string[] {
  const d = defOf(unwrapSchema(s));
  return d.type === "object" && d.shape ? Object.keys(d.shape) : [];
}

/** Property schema of an object schema, if it has that property. */
export function propertySchema(s: $ZodType, key: string): $ZodType | undefined {
  const d = defOf(unwrapSchema(s));
  return d.type === "object" && d.shape && Object.hasOwn(d.shape, key) ? d.shape[key] : undefined;
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Returns `value` converted towards `schema` as described in the module comment. `offline` = the value comes from a
 * stack file, where `{secure: ...}` values cannot be read: they are left out and listed in `report.secrets` (at
 * preview the program sees the decrypted value instead). Never throws: whatever cannot be converted is returned
 * as it is, for the schema to reject with its own message.
 */
export function coerceToSchema(
  schema: $ZodType,
  value: unknown,
  report: CoerceReport,
  path: ValuePath = [],
  filePath: ValuePath = path,
): unknown {
  const s = unwrapSchema(schema);
  const d = defOf(s);
  switch (d.type) {
    case "number":
      return typeof value === "string" && NUMBER.test(value.trim()) ? Number(value) : value;
    case "boolean":
      return value === "true" ? true : value === "false" ? false : value;
    case "string":
    case "enum":
    case "literal":
      if (typeof value === "number" || typeof value === "boolean") {
        if (typeof value === "number") report.numbersAsText.push(filePath);
        return String(value);
      }
      return value;
    case "array": {
      const list = typeof value === "string" ? parseJson(value, Array.isArray) : value;
      if (!Array.isArray(list) || !d.element) return list;
      const kept: unknown[] = [];
      const original: number[] = [];
      list.forEach((item, i) => {
        if (isSecure(item)) {
          report.secrets.push([...filePath, i]);
          return;
        }
        kept.push(coerceToSchema(d.element!, item, report, [...path, kept.length], [...filePath, i]));
        original.push(i);
      });
      if (kept.length !== list.length) report.indexMaps.set(JSON.stringify(path), original);
      return kept;
    }
    case "object":
    case "record": {
      const obj = typeof value === "string" ? parseJson(value, isPlainObject) : value;
      if (!isPlainObject(obj)) return obj;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(obj)) {
        if (isSecure(v)) {
          report.secrets.push([...filePath, k]);
          continue;
        }
        const inner = d.type === "object" ? d.shape?.[k] : d.valueType;
        out[k] = inner ? coerceToSchema(inner, v, report, [...path, k], [...filePath, k]) : v;
      }
      return out;
    }
    default:
      return value;
  }
}

/** Maps a path in the coerced value back to the indexes the file uses (see {@link CoerceReport.indexMaps}). */
export function toFilePath(path: readonly PropertyKey[], report: CoerceReport): PropertyKey[] {
  const out: PropertyKey[] = [];
  path.forEach((seg, i) => {
    const map = typeof seg === "number" ? report.indexMaps.get(JSON.stringify(path.slice(0, i))) : undefined;
    out.push(map && typeof seg === "number" ? (map[seg] ?? seg) : seg);
  });
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function parseJson(text: string, accept: (v: unknown) => boolean): unknown {
  try {
    const v: unknown = JSON.parse(text);
    return accept(v) ? v : text;
  } catch {
    return text;
  }
}

/** Levenshtein distance (insertions, deletions, substitutions), for "did you mean". */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * The candidate closest to `word` (case-insensitive), if it is close enough to be a typo: at most a third of the
 * longer word's letters differ (at least 1, at most 4), or `candidate` contains `word` (4+ letters).
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const c of candidates) {
    const dist = editDistance(word.toLowerCase(), c.toLowerCase());
    const limit = Math.min(4, Math.max(1, Math.floor(Math.max(word.length, c.length) / 3)));
    const contains = word.length >= 4 && c.toLowerCase().includes(word.toLowerCase());
    if ((dist <= limit || contains) && dist < bestDistance) {
      best = c;
      bestDistance = dist;
    }
  }
  return best;
}
