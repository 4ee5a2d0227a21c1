import * as jsonpathPlus from "jsonpath-plus";
import { describe, expect, it } from "vitest";
import { evaluatePlainPath, installFastJsonPath, plainPathSegments, QUERY } from "../../sim/fastJsonPath";

const { JSONPath } = jsonpathPlus;

// The fast path must return exactly what jsonpath-plus returns for the calls aws-local-stepfunctions makes
// ({ path, json, wrap: false }), for every plain path and any JSON value, including misses and falsy values.
const values: unknown[] = [
  null,
  0,
  1,
  "",
  "abc",
  true,
  false,
  [],
  [1, [2, 3], { a: 4 }],
  {},
  { a: 1 },
  { a: { b: { c: "x" } }, n: null, z: 0, e: "", f: false, arr: [{ id: "i0" }, { id: "i1", v: [7, 8] }] },
  { leftPending: 3, runs: [{ Payload: { leftPending: 0, done: true } }], length: 5 },
  { Execution: { Input: { dbs: ["a", "b"] }, Name: "x" } },
];
const paths = [
  "$",
  "$.a",
  "$.a.b",
  "$.a.b.c",
  "$.a.b.c.d",
  "$.n",
  "$.n.x",
  "$.z",
  "$.e",
  "$.f",
  "$.arr",
  "$.arr[0]",
  "$.arr[1].v[1]",
  "$.arr[2]",
  "$.arr[01]",
  "$.arr.length",
  "$.length",
  "$[0]",
  "$[1][0]",
  "$[2].a",
  "$.leftPending",
  "$.runs[0].Payload.leftPending",
  "$.runs[0].Payload.done",
  "$.Execution.Input",
  "$.Execution.Input.dbs[1]",
  "$.toString",
  "$.constructor",
  "$.__proto__",
  "$.missing",
];

describe("fast JSONPath", () => {
  it("recognises only plain paths", () => {
    expect(plainPathSegments("$.a[0].b")).toEqual(["a", "0", "b"]);
    expect(plainPathSegments("$")).toEqual([]);
    for (const p of ["$..a", "$.a[*]", "$.a['b']", "$.a[?(@.x)]", "$.a-b", "a.b", "$.a[-1]", "$.a[0:2]", "$.a,b"]) {
      expect(plainPathSegments(p)).toBeNull();
    }
  });

  it("returns what jsonpath-plus returns", () => {
    let compared = 0;
    for (const path of paths) {
      const segments = plainPathSegments(path);
      expect(segments, path).not.toBeNull();
      for (const json of values) {
        const expected = JSONPath({ path, json: json as never, wrap: false });
        expect(evaluatePlainPath(segments ?? [], json), `${path} on ${JSON.stringify(json)}`).toStrictEqual(expected);
        compared++;
      }
    }
    expect(compared).toBe(paths.length * values.length);
  });

  it("answers the direct query of the installed JSONPath as jsonpath-plus, plain paths or not", () => {
    installFastJsonPath();
    const mod = require("jsonpath-plus") as { JSONPath: Record<string, unknown> };
    const query = mod.JSONPath[QUERY] as (path: string, json: unknown) => unknown;
    expect(typeof query).toBe("function");
    let compared = 0;
    for (const path of [...paths, "$..id", "$.arr[*].id", "$.a['b']"]) {
      for (const json of values) {
        const expected = JSONPath({ path, json: json as never, wrap: false });
        expect(query(path, json), `${path} on ${JSON.stringify(json)}`).toStrictEqual(expected);
        compared++;
      }
    }
    expect(compared).toBe((paths.length + 3) * values.length);
  });
});
