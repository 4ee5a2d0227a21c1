/**
 * A fast path for the plain JSONPath expressions the state-machine definitions use (`$.a.b`, `$.a[0]`), installed
 * in front of the jsonpath-plus instance aws-local-stepfunctions evaluates Choice rules, Parameters and intrinsic
 * function arguments with.
 *
 * Why: jsonpath-plus returns a scalar result from its constructor by throwing (and catching) an `Error` built with a
 * stack trace, so every `Variable` of every Choice rule costs a stack capture; in the simulator that was the largest
 * single cost of the executor (issue 10, item 4; docs/performance.md).
 *
 * What it returns is exactly what jsonpath-plus returns for these paths with `wrap: false` and the default
 * `resultType: "value"` (the only way the library calls it): `undefined` when `json` is falsy or a segment does not
 * name an own property of a truthy value, else the value reached (jsonpath-plus follows a name or a `[digits]` index
 * when `val && Object.hasOwn(val, name)`, the same test made here). Any other call (another path syntax, other
 * options, `new`) goes to jsonpath-plus unchanged. tests/unit/fastJsonPath.test.ts compares both on many paths and
 * values.
 */
// `import = require` binds the module object itself (the one aws-local-stepfunctions reads `JSONPath` from, also in
// an esbuild bundle), not a namespace copy whose exports cannot be replaced.
import jsonpathPlus = require("jsonpath-plus");

/** `$`, then any number of `.identifier` or `[digits]` segments. */
const PLAIN_PATH = /^\$(?:\.[A-Za-z_][A-Za-z0-9_]*|\[[0-9]+\])*$/;
const SEGMENT = /\.([A-Za-z_][A-Za-z0-9_]*)|\[([0-9]+)\]/g;

/** Segments of each plain path seen so far (a definition uses a few dozen distinct paths). */
const segmentsCache = new Map<string, readonly string[] | null>();

/** The segments of `path` when it is a plain path, else null. */
export function plainPathSegments(path: string): readonly string[] | null {
  let segments = segmentsCache.get(path);
  if (segments !== undefined) return segments;
  if (PLAIN_PATH.test(path)) {
    const out: string[] = [];
    for (const m of path.matchAll(SEGMENT)) out.push((m[1] ?? m[2]) as string);
    segments = out;
  } else {
    segments = null;
  }
  if (segmentsCache.size < 10_000) segmentsCache.set(path, segments);
  return segments;
}

/** What jsonpath-plus returns for a plain path with `wrap: false`, `resultType: "value"`. */
export function evaluatePlainPath(segments: readonly string[], json: unknown): unknown {
  if (!json) return undefined;
  let val: unknown = json;
  for (const seg of segments) {
    if (val && Object.hasOwn(val as object, seg)) val = (val as Record<string, unknown>)[seg];
    else return undefined;
  }
  return val;
}

type JsonPathFn = ((...args: unknown[]) => unknown) & Record<string, unknown>;

function isFastCall(opts: unknown): opts is { path: string; json: unknown; wrap: false } {
  if (!opts || typeof opts !== "object") return false;
  const o = opts as Record<string, unknown>;
  if (o.wrap !== false || typeof o.path !== "string" || !Object.hasOwn(o, "json")) return false;
  // Any other key (own or inherited, as `for...in` lists them) sends the call to jsonpath-plus.
  for (const k in o) if (k !== "path" && k !== "json" && k !== "wrap") return false;
  return true;
}

/** The property of the installed `JSONPath` holding the direct query (read by the bundle's patched library). */
export const QUERY = "rplQuery";

let installed = false;

/**
 * Puts the fast path in front of the `JSONPath` export of the jsonpath-plus module (the library has no copy of its
 * own: it requires the same hoisted package). The library reads that export at each call, so this takes effect for
 * every later evaluation. Idempotent.
 */
export function installFastJsonPath(): void {
  if (installed) return;
  installed = true;
  const mod = jsonpathPlus as unknown as { JSONPath: JsonPathFn };
  const original = mod.JSONPath;
  const fast = function (this: unknown, ...args: unknown[]): unknown {
    if (new.target === undefined && args.length === 1 && isFastCall(args[0])) {
      const segments = plainPathSegments(args[0].path);
      if (segments) return evaluatePlainPath(segments, args[0].json);
    }
    return new.target ? Reflect.construct(original, args, new.target) : original.apply(this, args);
  } as unknown as JsonPathFn;
  Object.assign(fast, original);
  fast.prototype = original.prototype;
  // What `fast({ path, json, wrap: false })` returns, without building the options object: the bundle's patched
  // `jsonPathQuery` calls it when present (sim/bundle.ts FAST_JSON_PATH_QUERY).
  fast[QUERY] = (path: string, json: unknown): unknown => {
    const segments = plainPathSegments(path);
    return segments ? evaluatePlainPath(segments, json) : original({ path, json, wrap: false });
  };
  mod.JSONPath = fast;
}
