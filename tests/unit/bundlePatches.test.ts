/**
 * The bundled simulator builds asl-validator's Ajv instance once per pair of option flags instead of once per call
 * (sim/bundle.ts `withAjvCompiledOnce`): the patched module must report exactly what the original reports, for valid
 * and invalid definitions, in any order of calls (a reused instance must not carry errors from one call to the next).
 */
import { readFileSync } from "node:fs";
import Module from "node:module";
import { dirname, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { buildStepDefinition } from "../../components/shared/stateMachines";
import { copyCheckLoop } from "../../config";
import { withAjvCompiledOnce } from "../../sim/bundle";

const FILE = resolve(
  __dirname,
  "../../node_modules/aws-local-stepfunctions/node_modules/asl-validator/dist/src/checks/json-schema-errors.js",
);

type Options = { checkPaths?: boolean; checkArn?: boolean };
type JsonSchemaErrors = (definition: unknown, options: Options) => unknown[];

/** Compiles `text` as the module at {@link FILE} (its requires resolve from there) and returns its export. */
function load(text: string): JsonSchemaErrors {
  const m = new Module(FILE) as Module & { _compile(code: string, file: string): void; paths: string[] };
  m.filename = FILE;
  m.paths = (Module as unknown as { _nodeModulePaths(dir: string): string[] })._nodeModulePaths(dirname(FILE));
  m._compile(text, FILE);
  return (m.exports as { jsonSchemaErrors: JsonSchemaErrors }).jsonSchemaErrors;
}

const ARN = "arn:aws:lambda:eu-west-1:111111111111:function:rpl-test-copy";
const copyMachine = buildStepDefinition({
  stepName: "Copy",
  functionArn: ARN,
  check: { functionArn: ARN, ...copyCheckLoop({ expectedCopyMinutes: 60, copyCheckMaxWaitMinutes: 15 }) },
});
const pass = (extra: Record<string, unknown>) => ({
  StartAt: "A",
  States: { A: { Type: "Pass", End: true, ...extra } },
});
const definitions: [string, unknown][] = [
  ["the copy machine", copyMachine],
  ["a Pass state", pass({})],
  ["a bad OutputPath", pass({ OutputPath: "$$$.x[" })],
  ["a Task with a bad ARN", { StartAt: "T", States: { T: { Type: "Task", Resource: "not-an-arn", End: true } } }],
  ["no StartAt", { States: { A: { Type: "Pass", End: true } } }],
  ["an unknown state type", { StartAt: "A", States: { A: { Type: "Nope", End: true } } }],
];
const optionSets: Options[] = [
  { checkPaths: true, checkArn: true },
  { checkPaths: false, checkArn: false },
  { checkPaths: true, checkArn: false },
];

describe("asl-validator's JSON-schema check in the bundle", () => {
  const source = readFileSync(FILE, "utf8");
  const original = load(source);
  const patched = load(withAjvCompiledOnce(source));

  it("reports what the original reports, for every definition and option set, over repeated calls", () => {
    let invalid = 0;
    for (let round = 0; round < 2; round++) {
      for (const options of optionSets) {
        for (const [name, definition] of definitions) {
          const expected = original(structuredClone(definition), options);
          const got = patched(structuredClone(definition), options);
          expect(got, `${name} ${JSON.stringify(options)}`).toEqual(expected);
          if (expected.length > 0) invalid++;
        }
      }
    }
    // The cases do exercise errors, not only valid definitions.
    expect(invalid).toBeGreaterThan(8);
  });

  it("fails loudly when asl-validator's text is not the expected one", () => {
    expect(() => withAjvCompiledOnce("var jsonSchemaErrors = function () {};")).toThrow(/asl-validator/);
  });
});
