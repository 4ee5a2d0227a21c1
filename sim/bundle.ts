/**
 * The simulator as one esbuild bundle (`sim/cli.ts` and everything it imports, CommonJS), for running without tsx's
 * per-process compile and its `__name` wrappers around every closure (docs/performance.md measures the difference).
 *
 * aws-local-stepfunctions is aliased to its CommonJS build: the JSONPath fast path (sim/fastJsonPath.ts) replaces an
 * export of jsonpath-plus's CommonJS module object, which only the CommonJS build reads at each call. A bundle must
 * print the same report as `npm run simulate` for the same scenario and seed; tests/sim/bundledSimulator.test.ts
 * checks that (a bundler renames classes, so nothing may depend on `constructor.name`: see `operationName` in
 * sim/aws/rdsModel.ts).
 *
 * Two library functions are bundled patched, each to the same results for less CPU, each checked against the original
 * by a test, and each failing the build when the library's text is not the one expected ({@link PATCHES}):
 * aws-local-stepfunctions' per-state `cloneJSON`, and asl-validator's per-call Ajv set-up.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { build, type Plugin } from "esbuild";

const ROOT = resolve(__dirname, "..");
const LOCAL_STEP_FUNCTIONS = resolve(ROOT, "node_modules", "aws-local-stepfunctions", "build", "main.node.cjs");

/**
 * aws-local-stepfunctions' deep copy of state data, as its build 3.0.0 defines it: every state of every execution
 * copies its input with it (`rawInput`), ~16 nodes a copy and ~116,000 copies per virtual day of
 * scenarios/twenty-dbs.yaml (docs/performance.md). Each object level allocates an entries array, a pair array per
 * key and a mapped array before the result.
 */
export const LIBRARY_CLONE_JSON = `function cloneJSON(value) {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(cloneJSON);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, cloneJSON(v)]));
}`;

/**
 * The same copy without the intermediate arrays: same result for every JSON value (own enumerable string keys in the
 * same order, as data properties, including a "__proto__" key, which plain assignment would treat as the
 * prototype; arrays element by element, as JSON has no holes), about a third of the time and garbage.
 * tests/unit/fastCloneJson.test.ts compares both.
 */
export const FAST_CLONE_JSON = `function cloneJSON(value) {
  if (value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) {
    const n = value.length;
    const out = new Array(n);
    for (let i = 0; i < n; i++) out[i] = cloneJSON(value[i]);
    return out;
  }
  const out = {};
  const keys = Object.keys(value);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    if (k === "__proto__") Object.defineProperty(out, k, { value: cloneJSON(value[k]), writable: true, enumerable: true, configurable: true });
    else out[k] = cloneJSON(value[k]);
  }
  return out;
}`;

/** Replaces {@link LIBRARY_CLONE_JSON} in the library's text; fails the build when the library no longer has it. */
export function withFastCloneJson(source: string): string {
  const at = source.indexOf(LIBRARY_CLONE_JSON);
  if (at < 0 || source.indexOf(LIBRARY_CLONE_JSON, at + 1) >= 0) {
    throw new Error(
      "sim/bundle.ts: aws-local-stepfunctions no longer defines cloneJSON as expected (check its version)",
    );
  }
  return source.slice(0, at) + FAST_CLONE_JSON + source.slice(at + LIBRARY_CLONE_JSON.length);
}

/** Start and end (inclusive) of the part of asl-validator's `jsonSchemaErrors` that builds its Ajv instance. */
const AJV_BUILD_START = `var jsonSchemaErrors = function (definition, options) {
    var ajv = new ajv_1.default({`;
const AJV_BUILD_END = `    ajv.validate("http://asl-validator.cloud/state-machine.json#", definition);`;

/**
 * asl-validator (3.x, the version aws-local-stepfunctions depends on) builds a new Ajv instance with every schema and
 * format on each `jsonSchemaErrors(definition, options)` call, and Ajv compiles the state-machine schema again for it:
 * ~0.4 s of CPU per definition validated, ~2 s of a fresh 1-day run of scenarios/twenty-dbs.yaml (its definitions are
 * validated once each; sim/aslVerdicts.ts skips the ones found valid by an earlier process, so a warm checkout pays
 * none). The instance depends on nothing but `options.checkPaths` and `options.checkArn` (the formats it registers),
 * and `validate` resets `ajv.errors` on every call, so one instance per pair of flags, kept for the process, gives
 * the same errors; the schema is then compiled once per process. Fails the build when the text is not the expected
 * one; tests/unit/bundlePatches.test.ts compares both on valid and invalid definitions.
 */
export function withAjvCompiledOnce(source: string): string {
  const start = source.indexOf(AJV_BUILD_START);
  const end = source.indexOf(AJV_BUILD_END);
  if (start < 0 || end < start || source.indexOf(AJV_BUILD_START, start + 1) >= 0) {
    throw new Error("sim/bundle.ts: asl-validator's jsonSchemaErrors is not as expected (check its version)");
  }
  const build = source.slice(start + AJV_BUILD_START.indexOf("\n") + 1, end);
  if (/options\.(?!checkPaths\b|checkArn\b)|definition/.test(build)) {
    throw new Error("sim/bundle.ts: asl-validator's Ajv set-up reads more than options.checkPaths/checkArn");
  }
  const replacement = `var rplBuildAjv = function (options) {
${build}    return ajv;
};
var rplAjvByFlags = new Map();
var jsonSchemaErrors = function (definition, options) {
    var rplFlags = (options.checkPaths ? "p" : "-") + (options.checkArn ? "a" : "-");
    var ajv = rplAjvByFlags.get(rplFlags);
    if (ajv === undefined) {
        ajv = rplBuildAjv(options);
        rplAjvByFlags.set(rplFlags, ajv);
    }
${AJV_BUILD_END}`;
  return source.slice(0, start) + replacement + source.slice(end + AJV_BUILD_END.length);
}

/** The library files the bundle patches, and how. */
const PATCHES: readonly { readonly file: RegExp; readonly patch: (source: string) => string }[] = [
  { file: /aws-local-stepfunctions[\\/]build[\\/]main\.node\.cjs$/, patch: withFastCloneJson },
  { file: /asl-validator[\\/]dist[\\/]src[\\/]checks[\\/]json-schema-errors\.js$/, patch: withAjvCompiledOnce },
];

/** Bundles the files of {@link PATCHES} patched (same results, less CPU). */
const libraryPatchesPlugin: Plugin = {
  name: "rpl-library-patches",
  setup(b) {
    for (const { file, patch } of PATCHES) {
      b.onLoad({ filter: file }, (args) => ({ contents: patch(readFileSync(args.path, "utf8")), loader: "js" }));
    }
  },
};

/**
 * Builds the simulator CLI (or another `entry` that runs the simulator, e.g. bench/thousandChild.ts) into `outfile`
 * (CommonJS, Node.js). Relative paths inside the bundle (the embedded default
 * scenario) resolve against the bundle's own directory, so put it one level below the repository (e.g. `dist/`) or
 * pass `--scenario` with an absolute path.
 */
export async function buildSimulatorBundle(outfile: string, entry = resolve(ROOT, "sim", "cli.ts")): Promise<void> {
  await build({
    entryPoints: [entry],
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    outfile,
    logLevel: "silent",
    alias: {
      "aws-local-stepfunctions": LOCAL_STEP_FUNCTIONS,
    },
    plugins: [libraryPatchesPlugin],
  });
}
