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

/** `source` with the one occurrence of `expected` replaced; fails the build when there is not exactly one. */
function replaceOnce(
  source: string,
  expected: string,
  replacement: string,
  what: string,
  library = "aws-local-stepfunctions'",
): string {
  const at = source.indexOf(expected);
  if (at < 0 || source.indexOf(expected, at + 1) >= 0) {
    throw new Error(`sim/bundle.ts: ${library} ${what} is not as expected (check its version)`);
  }
  return source.slice(0, at) + replacement + source.slice(at + expected.length);
}

/**
 * aws-local-stepfunctions 3.0.0's `jsonPathQuery` (every `Variable` of every Choice rule, every `.$` field of
 * `Parameters`/`ResultSelector`, `InputPath`/`OutputPath`): two arrays and one constraint object per call.
 */
export const LIBRARY_JSON_PATH_QUERY = `function jsonPathQuery(pathExpression, json, context, options) {
  const defaultConstraints = [];
  if (!options?.ignoreDefinedValueConstraint) {
    defaultConstraints.push(DefinedValueConstraint);
  }
  const constraints = [...defaultConstraints, ...options?.constraints ?? []];
  let evaluation;
  if (pathExpression.startsWith("$$")) {
    evaluation = (0, import_jsonpath_plus.JSONPath)({ path: pathExpression.slice(1), json: context ?? null, wrap: false });
  } else {
    evaluation = (0, import_jsonpath_plus.JSONPath)({ path: pathExpression, json, wrap: false });
  }
  for (const Constraint of constraints) {
    const constraintObject = new Constraint(pathExpression);
    constraintObject.test(evaluation);
  }
  return evaluation;
}`;

/**
 * The same query and the same constraint tests in the same order (the defined-value test first, then the caller's),
 * without the arrays; the defined-value constraint, which only throws for `undefined`, is built only then. With the
 * JSONPath fast path installed (sim/fastJsonPath.ts), the query goes straight to it (`JSONPath.rplQuery`, what the
 * installed `JSONPath` returns for the same `{ path, json, wrap: false }`), without the options object.
 */
export const FAST_JSON_PATH_QUERY = `function jsonPathQuery(pathExpression, json, context, options) {
  let evaluation;
  const rplQuery = import_jsonpath_plus.JSONPath.rplQuery;
  if (pathExpression.startsWith("$$")) {
    evaluation = rplQuery !== void 0 ? rplQuery(pathExpression.slice(1), context ?? null) : (0, import_jsonpath_plus.JSONPath)({ path: pathExpression.slice(1), json: context ?? null, wrap: false });
  } else {
    evaluation = rplQuery !== void 0 ? rplQuery(pathExpression, json) : (0, import_jsonpath_plus.JSONPath)({ path: pathExpression, json, wrap: false });
  }
  if (evaluation === void 0 && !options?.ignoreDefinedValueConstraint) {
    new DefinedValueConstraint(pathExpression).test(evaluation);
  }
  const extra = options?.constraints;
  if (extra !== void 0) {
    for (const Constraint of extra) {
      const constraintObject = new Constraint(pathExpression);
      constraintObject.test(evaluation);
    }
  }
  return evaluation;
}`;

/** aws-local-stepfunctions 3.0.0's payload template (`Parameters`, `ResultSelector`, Map `ItemSelector`). */
export const LIBRARY_PAYLOAD_TEMPLATE = `  const resolvedProperties = Object.entries(payloadTemplate).map(([key, value]) => {
    let sanitizedKey = key;
    let resolvedValue = value;
    if (Array.isArray(value)) {
      resolvedValue = value.map((innerValue) => processPayloadTemplate(innerValue, json, context));
    }
    if (isPlainObj(value)) {
      resolvedValue = processPayloadTemplate(value, json, context);
    }
    if (key.endsWith(".$") && typeof value === "string") {
      sanitizedKey = key.replace(".$", "");
      if (value.startsWith("$")) {
        resolvedValue = jsonPathQuery(value, json, context);
      } else {
        resolvedValue = evaluateIntrinsicFunction(value, json, context);
      }
    }
    return [sanitizedKey, resolvedValue];
  });
  return Object.fromEntries(resolvedProperties);`;

/**
 * The same fields resolved in the same order, each written as it is resolved instead of through an entries array, a
 * pair per key and `Object.fromEntries`: a data property per key (a repeated key keeps its first position and its
 * last value, as `fromEntries` does; a "__proto__" key is defined, not assigned, as `fromEntries` does). Which output
 * key and which resolution each field takes (`key.endsWith(".$")`, `key.replace(".$", "")`, the value's type) is
 * read from a plan made once per template object ({@link PAYLOAD_TEMPLATE_PLAN}), the same tests in the same order.
 */
export const FAST_PAYLOAD_TEMPLATE = `  let rplPlan = rplTemplatePlans.get(payloadTemplate);
  if (rplPlan === void 0) {
    rplPlan = rplTemplatePlan(payloadTemplate);
    rplTemplatePlans.set(payloadTemplate, rplPlan);
  }
  const rplOut = {};
  for (let rplI = 0; rplI < rplPlan.length; rplI++) {
    const rplStep = rplPlan[rplI];
    const value = payloadTemplate[rplStep.key];
    let resolvedValue = value;
    switch (rplStep.kind) {
      case RPL_ARRAY:
        resolvedValue = value.map((innerValue) => processPayloadTemplate(innerValue, json, context));
        break;
      case RPL_OBJECT:
        resolvedValue = processPayloadTemplate(value, json, context);
        break;
      case RPL_PATH:
        resolvedValue = jsonPathQuery(value, json, context);
        break;
      case RPL_INTRINSIC:
        resolvedValue = evaluateIntrinsicFunction(value, json, context);
        break;
    }
    if (rplStep.outKey === "__proto__") Object.defineProperty(rplOut, rplStep.outKey, { value: resolvedValue, writable: true, enumerable: true, configurable: true });
    else rplOut[rplStep.outKey] = resolvedValue;
  }
  return rplOut;`;

/**
 * What the library's loop decides for each field of a template object from the template alone (its key and the type
 * of its value): the output key and how the value resolves. Computed once per template object (a definition's
 * templates are not changed once it runs); defined before `processPayloadTemplate`.
 */
const PAYLOAD_TEMPLATE_PLAN = `var RPL_CONSTANT = 0, RPL_ARRAY = 1, RPL_OBJECT = 2, RPL_PATH = 3, RPL_INTRINSIC = 4;
var rplTemplatePlans = new WeakMap();
function rplTemplatePlan(payloadTemplate) {
  return Object.keys(payloadTemplate).map((key) => {
    const value = payloadTemplate[key];
    let outKey = key;
    let kind = RPL_CONSTANT;
    if (Array.isArray(value)) kind = RPL_ARRAY;
    if (isPlainObj(value)) kind = RPL_OBJECT;
    if (key.endsWith(".$") && typeof value === "string") {
      outKey = key.replace(".$", "");
      kind = value.startsWith("$") ? RPL_PATH : RPL_INTRINSIC;
    }
    return { key, outKey, kind };
  });
}
`;

const CHOICE_RULE_START = `  testChoiceRule(choiceRule, input, context) {
`;
const CHOICE_RULE_END = `    return false;
  }
  async execute(input, context, options) {
    const state = this.stateDefinition;
    for (const choice of state.Choices) {`;

/**
 * aws-local-stepfunctions 3.0.0's `testChoiceRule` tests `"And" in choiceRule`, `"Or" in choiceRule`, ... one
 * operator after the other (42 of them) and runs the branch of the first present: an `IsPresent` rule costs ~37 key
 * look-ups before its own. The patch finds that first operator once per rule object (the same search, in the same
 * order, cached in a WeakMap: a definition's rules are not changed once it runs) and each branch tests it by name.
 * The branches themselves are the library's text, unchanged.
 */
export function withChoiceOperatorCache(source: string): string {
  const start = source.indexOf(CHOICE_RULE_START);
  const end = source.indexOf(CHOICE_RULE_END);
  if (start < 0 || end < start || source.indexOf(CHOICE_RULE_START, start + 1) >= 0) {
    throw new Error("sim/bundle.ts: aws-local-stepfunctions' testChoiceRule is not as expected (check its version)");
  }
  const body = source.slice(start + CHOICE_RULE_START.length, end);
  const test = /if \("(\w+)" in choiceRule\) \{/g;
  const operators = [...body.matchAll(test)].map((m) => m[1] as string);
  // Version 3.0.0 tests 42 operators, each once, and uses `in choiceRule` for nothing else.
  if (
    operators.length !== 42 ||
    new Set(operators).size !== 42 ||
    body.split(" in choiceRule").length - 1 !== operators.length
  ) {
    throw new Error("sim/bundle.ts: aws-local-stepfunctions' testChoiceRule tests its operators differently");
  }
  const dispatch = body.replace(test, (_m, op: string) => `if (rplOp === ${JSON.stringify(op)}) {`);
  const lookup = `    let rplOp = rplChoiceOperators.get(choiceRule);
    if (rplOp === void 0) {
      rplOp = null;
      for (const rplKey of RPL_CHOICE_OPERATORS) {
        if (rplKey in choiceRule) {
          rplOp = rplKey;
          break;
        }
      }
      rplChoiceOperators.set(choiceRule, rplOp);
    }
`;
  const classAt = source.lastIndexOf("var ChoiceStateAction = class", start);
  if (classAt < 0) throw new Error("sim/bundle.ts: aws-local-stepfunctions has no ChoiceStateAction class");
  const table = `var RPL_CHOICE_OPERATORS = ${JSON.stringify(operators)};
var rplChoiceOperators = new WeakMap();
`;
  return (
    source.slice(0, classAt) +
    table +
    source.slice(classAt, start + CHOICE_RULE_START.length) +
    lookup +
    dispatch +
    source.slice(end)
  );
}

/** The table of state handlers aws-local-stepfunctions 3.0.0's `StateExecutor` builds for each state it runs. */
export const LIBRARY_STATE_HANDLERS = `    this.stateHandlers = {
      Task: this.executeTaskState,`;

/**
 * One table for every executor (the handlers are the class's own methods, called on the table, and read nothing from
 * it): an 8-entry object less per state entered.
 */
export const SHARED_STATE_HANDLERS = `    this.stateHandlers = rplStateHandlers ??= {
      Task: this.executeTaskState,`;

/** aws-local-stepfunctions 3.0.0's `StateExecutor.execute`: a deep copy of each state's input, used or not. */
export const LIBRARY_RAW_INPUT = "    const rawInput = cloneJSON(input);\n    try {";

/**
 * The copy (`rawInput`) is read only by `ResultPath` (`processResult`, tested as `"ResultPath" in` the state),
 * by `Catch` (`catchError` finds no catcher without it) and by the Map and Parallel handlers; the Task, Pass, Wait,
 * Choice, Succeed and Fail handlers receive it and ignore it. A state without `ResultPath` and `Catch` of one of
 * those types gets the input itself there, uncopied (no one reads it); every other state still gets its copy.
 */
export const LAZY_RAW_INPUT =
  "    const rawInput = rplReadsRawInput(this.stateDefinition) ? cloneJSON(input) : input;\n    try {";

/** Which states read their `rawInput` (see {@link LAZY_RAW_INPUT}); defined before `StateExecutor`. */
const READS_RAW_INPUT = `var RPL_IGNORES_RAW_INPUT = new Set(["Task", "Pass", "Wait", "Choice", "Succeed", "Fail"]);
function rplReadsRawInput(stateDefinition) {
  return "ResultPath" in stateDefinition || "Catch" in stateDefinition || !RPL_IGNORES_RAW_INPUT.has(stateDefinition.Type);
}
`;

/**
 * aws-local-stepfunctions' per-state and per-query work, patched to the same results for less CPU (each piece is
 * described at its constant above; tests/unit/libraryPatches.test.ts runs every shipped definition on the original and
 * the patched library and compares outputs and event logs):
 * - `cloneJSON` ({@link withFastCloneJson});
 * - `jsonPathQuery`, `processPayloadTemplate`'s object case, `testChoiceRule`'s operator search;
 * - `StateExecutor`'s handler table, shared; its copy of a state's input, made only for the states that read it;
 * - the `EventTarget` of each execution's event log, built when the log is first used (the simulator records events
 *   itself, sim/localStepFunctions.ts `EventRecorder`, and never uses a root execution's log).
 */
export function withLibraryPatches(source: string): string {
  let s = withFastCloneJson(source);
  s = replaceOnce(s, LIBRARY_JSON_PATH_QUERY, FAST_JSON_PATH_QUERY, "jsonPathQuery");
  s = replaceOnce(s, LIBRARY_PAYLOAD_TEMPLATE, FAST_PAYLOAD_TEMPLATE, "processPayloadTemplate");
  s = replaceOnce(
    s,
    "function processPayloadTemplate(payloadTemplate, json, context) {",
    `${PAYLOAD_TEMPLATE_PLAN}function processPayloadTemplate(payloadTemplate, json, context) {`,
    "processPayloadTemplate",
  );
  s = withChoiceOperatorCache(s);
  s = replaceOnce(s, LIBRARY_STATE_HANDLERS, SHARED_STATE_HANDLERS, "StateExecutor handler table");
  s = replaceOnce(s, LIBRARY_RAW_INPUT, LAZY_RAW_INPUT, "StateExecutor.execute");
  s = replaceOnce(
    s,
    "var StateExecutor = class {",
    `var rplStateHandlers;\n${READS_RAW_INPUT}var StateExecutor = class {`,
    "StateExecutor",
  );
  s = replaceOnce(s, "    this.eventTarget = new EventTarget();", "    this.eventTarget = void 0;", "EventLogger");
  const uses = s.split("this.eventTarget.").length - 1;
  if (uses !== 3) throw new Error(`sim/bundle.ts: aws-local-stepfunctions' EventLogger uses its target ${uses} times`);
  return s.replaceAll("this.eventTarget.", "(this.eventTarget ??= new EventTarget()).");
}

/**
 * The Smithy `Command` base class (what every SDK command extends), as @smithy/core defines it: each command builds its
 * own middleware stack (a `Set`, two arrays and ~20 closures) when constructed. The simulator's model clients answer
 * `send` without resolving a command's middleware (sim/aws/rdsModel.ts `stub`), so the ~130,000 commands the handlers
 * build per simulated week never use theirs.
 */
export const SMITHY_COMMAND_FIELDS = `export class Command {
    middlewareStack = constructStack();
    schema;`;

/**
 * {@link SMITHY_COMMAND_FIELDS} with the middleware stack made on first read (or set on first write), then an own
 * property as before: the same stack for every read of one command, a fresh one per command.
 */
export const LAZY_SMITHY_COMMAND_FIELDS = `export class Command {
    get middlewareStack() {
        const stack = constructStack();
        Object.defineProperty(this, "middlewareStack", { value: stack, writable: true, enumerable: true, configurable: true });
        return stack;
    }
    set middlewareStack(stack) {
        Object.defineProperty(this, "middlewareStack", { value: stack, writable: true, enumerable: true, configurable: true });
    }
    schema;`;

/** Smithy's command.js with {@link LAZY_SMITHY_COMMAND_FIELDS}; fails the build when its text is not as expected. */
export function withLazyCommandStack(source: string): string {
  const at = source.indexOf(SMITHY_COMMAND_FIELDS);
  if (at < 0 || source.indexOf(SMITHY_COMMAND_FIELDS, at + 1) >= 0 || source.split("constructStack()").length !== 2) {
    throw new Error("sim/bundle.ts: @smithy/core's Command is not as expected (check its version)");
  }
  return source.slice(0, at) + LAZY_SMITHY_COMMAND_FIELDS + source.slice(at + SMITHY_COMMAND_FIELDS.length);
}

/**
 * The SDK's retry middleware (@smithy/core) starts every call, retried or not, with `let lastError = new Error();`: an
 * `Error` (and its stack capture) that nothing reads, since the only code that reads `lastError` assigns it first
 * (`lastError = asSdkError(e)` at the top of its `catch`). Half of the middleware's own CPU in a simulation.
 */
export const SMITHY_RETRY_LAST_ERROR = "            let lastError = new Error();\n";

/** Smithy's retryMiddleware.js without the unread `Error`; fails the build when its text is not as expected. */
export function withoutUnreadRetryError(source: string): string {
  const at = source.indexOf(SMITHY_RETRY_LAST_ERROR);
  const assigned = "                    lastError = asSdkError(e);\n";
  const reads = source.split("lastError").length - 1;
  if (at < 0 || source.indexOf(SMITHY_RETRY_LAST_ERROR, at + 1) >= 0 || reads !== 8) {
    throw new Error("sim/bundle.ts: @smithy/core's retryMiddleware is not as expected (check its version)");
  }
  // Between the declaration and the first assignment, nothing mentions lastError.
  const next = source.indexOf("lastError", at + SMITHY_RETRY_LAST_ERROR.length);
  if (source.slice(source.lastIndexOf("\n", next) + 1, source.indexOf("\n", next) + 1) !== assigned) {
    throw new Error("sim/bundle.ts: @smithy/core's retryMiddleware reads lastError before assigning it");
  }
  return `${source.slice(0, at)}            let lastError;\n${source.slice(at + SMITHY_RETRY_LAST_ERROR.length)}`;
}

/**
 * The class every SDK command is (@smithy/core's `ClassBuilder.build`, one class per operation), as @smithy/core
 * defines it: its instance fields (`input`, `serialize`, `deserialize`, and the base class's `schema`) are class
 * fields, each defined on the new command by the one field initializer all ~50 command classes share. That initializer
 * sees a different object shape per class, and a class field definition at such a site goes through V8's runtime: a
 * few microseconds per command (the `<instance_members_initializer>` of command.js in a simulation's profile).
 */
export const SMITHY_COMMAND_CLASS = `        return (CommandRef = class extends Command {
            input;
            static getEndpointParameterInstructions() {
                return closure._ep;
            }
            constructor(...[input]) {
                super();
                this.input = input ?? {};
                closure._init(this);
                this.schema = closure._operationSchema;
            }`;

/**
 * {@link SMITHY_COMMAND_CLASS} with the same own properties made by assignments in the constructor, in the same order
 * (`schema`, `input`, `serialize`, `deserialize`) and with the same values at every point anything can observe (the
 * fields' initial values are read by nothing before the constructor replaces them, and no class in the chain has an
 * accessor for these names, so an assignment defines the property as the field did). The two field declarations
 * after the class's methods are dropped ({@link SMITHY_COMMAND_SERDE_FIELDS}).
 */
export const ASSIGNED_SMITHY_COMMAND_CLASS = `        return (CommandRef = class extends Command {
            static getEndpointParameterInstructions() {
                return closure._ep;
            }
            constructor(...[input]) {
                super();
                this.input = input ?? {};
                this.serialize = closure._serializer;
                this.deserialize = closure._deserializer;
                closure._init(this);
                this.schema = closure._operationSchema;
            }`;

/** The command class's last two fields (initialised from the builder), declared after its methods. */
export const SMITHY_COMMAND_SERDE_FIELDS = `            serialize = closure._serializer;
            deserialize = closure._deserializer;
        });`;

/** The base class's `schema` field, made by an assignment in a constructor (it has no other constructor). */
const SMITHY_SCHEMA_FIELD = "    schema;\n    static classBuilder() {";
const ASSIGNED_SCHEMA_FIELD =
  "    constructor() {\n        this.schema = undefined;\n    }\n    static classBuilder() {";

/**
 * Smithy's command.js with {@link ASSIGNED_SMITHY_COMMAND_CLASS} and the base class's `schema` assigned; fails the
 * build when its text is not as expected (applied after {@link withLazyCommandStack}).
 */
export function withAssignedCommandFields(source: string): string {
  let s = replaceOnce(source, SMITHY_COMMAND_CLASS, ASSIGNED_SMITHY_COMMAND_CLASS, "Command class", "@smithy/core's");
  s = replaceOnce(s, SMITHY_COMMAND_SERDE_FIELDS, "        });", "Command serde fields", "@smithy/core's");
  if (s.split("constructor(").length !== 2) {
    throw new Error("sim/bundle.ts: @smithy/core's Command base class already has a constructor (check its version)");
  }
  return replaceOnce(s, SMITHY_SCHEMA_FIELD, ASSIGNED_SCHEMA_FIELD, "Command schema field", "@smithy/core's");
}

/**
 * The SDK's paginators (@smithy/core `createPaginator`) send each page through an `async` helper that awaits the
 * client's promise only to return it (one more promise and two more turns per page), and read the next token with
 * `path.split(".")` per page although every RDS token is one property name.
 */
export const SMITHY_PAGED_REQUEST = `const makePagedClientRequest = async (CommandCtor, client, input, withCommand = (_) => _, ...args) => {
    let command = new CommandCtor(input);
    command = withCommand(command) ?? command;
    return await client.send(command, ...args);
};`;

/**
 * {@link SMITHY_PAGED_REQUEST} returning the client's promise itself: its only caller awaits it at once (inside the
 * paginator's async generator, where a synchronous throw rejects the page as the helper's rejected promise did). The
 * default `withCommand` returned its argument, so leaving an absent one uncalled gives the same command.
 */
export const DIRECT_PAGED_REQUEST = `const makePagedClientRequest = (CommandCtor, client, input, withCommand, ...args) => {
    let command = new CommandCtor(input);
    if (withCommand !== undefined) command = withCommand(command) ?? command;
    return client.send(command, ...args);
};`;

/** The start of createPaginator.js's token reader. */
export const SMITHY_PAGINATOR_GET = `const get = (fromObject, path) => {
    let cursor = fromObject;`;

/** {@link SMITHY_PAGINATOR_GET} answering a one-step path (no dot) as its loop does, without splitting it. */
export const DIRECT_PAGINATOR_GET = `const get = (fromObject, path) => {
    if (!path.includes(".")) {
        return !fromObject || typeof fromObject !== "object" ? undefined : fromObject[path];
    }
    let cursor = fromObject;`;

/** Smithy's createPaginator.js with both replacements; fails the build when its text is not as expected. */
export function withDirectPaginator(source: string): string {
  const s = replaceOnce(source, SMITHY_PAGED_REQUEST, DIRECT_PAGED_REQUEST, "makePagedClientRequest", "@smithy/core's");
  if (s.split("makePagedClientRequest(").length !== 2) {
    throw new Error("sim/bundle.ts: @smithy/core's makePagedClientRequest has other callers (check its version)");
  }
  return replaceOnce(s, SMITHY_PAGINATOR_GET, DIRECT_PAGINATOR_GET, "paginator token reader", "@smithy/core's");
}

/** The library files the bundle patches, and how. */
const PATCHES: readonly { readonly file: RegExp; readonly patch: (source: string) => string }[] = [
  { file: /aws-local-stepfunctions[\\/]build[\\/]main\.node\.cjs$/, patch: withLibraryPatches },
  { file: /asl-validator[\\/]dist[\\/]src[\\/]checks[\\/]json-schema-errors\.js$/, patch: withAjvCompiledOnce },
  {
    file: /@smithy[\\/]core[\\/]dist-es[\\/]submodules[\\/]client[\\/]smithy-client[\\/]command\.js$/,
    patch: (source) => withAssignedCommandFields(withLazyCommandStack(source)),
  },
  {
    file: /@smithy[\\/]core[\\/]dist-es[\\/]legacy-root-exports[\\/]pagination[\\/]createPaginator\.js$/,
    patch: withDirectPaginator,
  },
  {
    file: /@smithy[\\/]core[\\/]dist-es[\\/]submodules[\\/]retry[\\/]middleware-retry[\\/]retryMiddleware\.js$/,
    patch: withoutUnreadRetryError,
  },
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
