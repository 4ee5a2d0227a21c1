import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { FAST_CLONE_JSON, LIBRARY_CLONE_JSON, withFastCloneJson } from "../../sim/bundle";

// The bundled simulator replaces aws-local-stepfunctions' cloneJSON with FAST_CLONE_JSON (sim/bundle.ts); the two
// must make the same copy of every JSON value: same keys in the same order, same own-property shape, no sharing.
type Clone = (v: unknown) => unknown;
const compile = (text: string): Clone => new Function(`${text}\nreturn cloneJSON;`)() as Clone;
const library = compile(LIBRARY_CLONE_JSON);
const fast = compile(FAST_CLONE_JSON);

const withProtoKey = JSON.parse('{"a":1,"__proto__":{"polluted":true},"b":[{"__proto__":[1]}]}') as unknown;
const values: unknown[] = [
  null,
  0,
  -1.5,
  "",
  "text",
  true,
  false,
  [],
  {},
  [1, [2, [3, []]], { a: null }],
  { z: 1, a: 2, 10: "ten", 2: "two", "-1": "minus", "": "empty", nested: { y: [true, false, null] } },
  { leftPending: 3, runs: [{ Payload: { leftPending: 0, done: true, items: ["x", "y"] } }], length: 5 },
  withProtoKey,
];

/** Own keys (in order) and prototype of every object in `v`, recursively: what `toEqual` alone does not compare. */
function shape(v: unknown): unknown {
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return { array: v.map(shape) };
  return {
    proto: Object.getPrototypeOf(v) === Object.prototype,
    keys: Reflect.ownKeys(v).map((k) => [String(k), shape((v as Record<string, unknown>)[k as string])]),
  };
}

describe("the bundle's cloneJSON", () => {
  it.each(values.map((v) => [JSON.stringify(v), v]))("copies %s as the library does", (_text, v) => {
    const a = library(v);
    const b = fast(v);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(shape(b)).toEqual(shape(a));
  });

  it("keeps a __proto__ key as data, as the library does, without changing the copy's prototype", () => {
    const copy = fast(withProtoKey) as Record<string, unknown>;
    expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
    expect(Object.hasOwn(copy, "__proto__")).toBe(true);
    expect((copy as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it("shares no object or array with its input", () => {
    const input = { a: { b: [1, { c: 2 }] } };
    const copy = fast(input) as typeof input;
    expect(copy).toEqual(input);
    expect(copy.a).not.toBe(input.a);
    expect(copy.a.b).not.toBe(input.a.b);
    expect(copy.a.b[1]).not.toBe(input.a.b[1]);
  });

  it("is applied to the installed library's text exactly once (the build fails when the library changed)", () => {
    const path = resolve(__dirname, "../../node_modules/aws-local-stepfunctions/build/main.node.cjs");
    const patched = withFastCloneJson(readFileSync(path, "utf8"));
    expect(patched).toContain(FAST_CLONE_JSON);
    expect(patched).not.toContain(LIBRARY_CLONE_JSON);
    expect(() => withFastCloneJson("function cloneJSON(value) { return value; }")).toThrow(/cloneJSON/);
  });
});
