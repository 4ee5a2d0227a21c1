/**
 * The Lambda harness copies each Task's payload and result with `jsonCopy` (sim/localStepFunctions.ts) instead of
 * writing and parsing their JSON text: the copy must be exactly Lambda's JSON round trip, `JSON.parse(JSON.stringify
 * (v))` (`null` for undefined), for every value (plain data copied directly, anything else through the text), with
 * the same errors, and its size bound never below the text's UTF-8 size.
 */
import { describe, expect, it } from "vitest";
import { jsonCopy } from "../../sim/localStepFunctions";
import { makeRandom } from "../../sim/random";

/** Lambda's JSON round trip, as the harness did it before `jsonCopy`. */
function roundTrip(v: unknown): unknown {
  return JSON.parse(v === undefined ? "null" : (JSON.stringify(v) as string));
}

/** Own keys (in order), prototype and -0 of every value in `v`, recursively: what `toEqual` alone does not compare. */
function shape(v: unknown): unknown {
  if (typeof v === "number") return Object.is(v, -0) ? "-0" : v;
  if (v === null || typeof v !== "object") return v;
  if (Array.isArray(v)) return { array: Object.getPrototypeOf(v) === Array.prototype, items: [...v].map(shape) };
  return {
    proto: Object.getPrototypeOf(v) === Object.prototype,
    keys: Reflect.ownKeys(v).map((k) => [String(k), shape((v as Record<string, unknown>)[k as string])]),
  };
}

const sparse: unknown[] = [1];
sparse[2] = 3;
const withProtoKey = JSON.parse('{"a":1,"__proto__":{"polluted":true},"b":[{"__proto__":[1]}]}') as unknown;
const values: [string, unknown][] = [
  ["null", null],
  ["undefined", undefined],
  ["zero", 0],
  ["minus zero", -0],
  ["NaN", Number.NaN],
  ["infinity in an object", { a: Number.POSITIVE_INFINITY, b: [Number.NEGATIVE_INFINITY, -0] }],
  ["numbers", [1e21, -1.2345678901234567e-308, 5e-324, Number.MAX_VALUE, -Number.MAX_SAFE_INTEGER]],
  ["strings", ["", "text", 'quote " and \\ and \n\u0001', "\ud800 lone surrogate", "é€😀"]],
  ["booleans", [true, false]],
  ["nested", [1, [2, [3, []]], { a: null }]],
  ["key order", { z: 1, a: 2, 10: "ten", 2: "two", "-1": "minus", "": "empty", nested: { y: [true, false, null] } }],
  ["__proto__ keys", withProtoKey],
  ["undefined fields and items", { a: undefined, b: [undefined, 1], c: { d: undefined } }],
  ["a sparse array", sparse],
  ["functions and symbols", { f: () => 1, s: Symbol("x"), list: [() => 1, Symbol("y")], [Symbol("k")]: 1 }],
  ["Dates", { at: new Date(Date.UTC(2026, 0, 5, 0, 30)), list: [new Date(0)] }],
  ["toJSON", { a: { toJSON: () => ({ replaced: true }) }, b: { toJSON: "not a function" } }],
  ["a class instance", { m: new Map([[1, 2]]), e: new Error("x"), u: new Uint8Array([1, 2]) }],
  ["a null-prototype object", { o: Object.assign(Object.create(null), { b: 1, a: [2] }) }],
  ["an array with a field", Object.assign([1, 2], { extra: true })],
  ["boxed primitives", [new String("s"), new Number(2), new Boolean(false)]],
  [
    "a getter",
    {
      get g() {
        return { computed: 1 };
      },
    },
  ],
  ["a summary", { pending: 1, inProgress: ["rpl-a-20260105-0030"], waiting: 0, nextCheckSeconds: 1700 }],
];

describe("jsonCopy", () => {
  for (const [name, v] of values) {
    it(`copies ${name} as the JSON round trip does`, () => {
      const { value, maxBytes } = jsonCopy(v);
      expect(shape(value)).toEqual(shape(roundTrip(v)));
      expect(maxBytes).toBeGreaterThanOrEqual(Buffer.byteLength(JSON.stringify(v) ?? "null"));
      if (v !== null && typeof v === "object") expect(value).not.toBe(v);
    });
  }

  it("shares nothing with the value it copies", () => {
    const v = { a: { b: [1, { c: 2 }] } };
    const { value } = jsonCopy(v) as { value: typeof v };
    value.a.b.push(3);
    (value.a.b[1] as { c: number }).c = 9;
    expect(v).toEqual({ a: { b: [1, { c: 2 }] } });
  });

  it("throws what the round trip throws", () => {
    const cycle: Record<string, unknown> = { a: 1 };
    cycle.self = cycle;
    const deep: unknown[] = [];
    let at = deep;
    for (let i = 0; i < 150; i++) {
      const next: unknown[] = [];
      at.push(next);
      at = next;
    }
    for (const bad of [cycle, { n: 10n }, 10n, () => 1]) {
      let expected: unknown;
      try {
        roundTrip(bad);
      } catch (err) {
        expected = err;
      }
      expect(expected).toBeInstanceOf(Error);
      expect(() => jsonCopy(bad)).toThrow((expected as Error).message);
    }
    // Deep but not cyclic: copied (through the text past the direct copy's depth).
    expect(shape(jsonCopy(deep).value)).toEqual(shape(roundTrip(deep)));
  });

  it("copies generated plain data as the round trip does, with a size bound at or above the text's", () => {
    const random = makeRandom(7).next;
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const strings = ["", "a", "rpl-db-20260105-0030", "é", "😀", '"\\', "\u0000\u001f", "\udc00"];
    const gen = (depth: number): unknown => {
      const r = random();
      if (depth > 4 || r < 0.35) {
        return pick<unknown>([null, true, false, 0, -0, 1.5, -7, 1e300, 123456789.125, pick(strings), Number.NaN]);
      }
      if (r < 0.65) return Array.from({ length: Math.floor(random() * 5) }, () => gen(depth + 1));
      const o: Record<string, unknown> = {};
      for (let i = Math.floor(random() * 6); i > 0; i--)
        o[pick([...strings, "10", "2", "__proto__x"])] = gen(depth + 1);
      return o;
    };
    for (let i = 0; i < 500; i++) {
      const v = gen(0);
      const { value, maxBytes } = jsonCopy(v);
      expect(shape(value)).toEqual(shape(roundTrip(v)));
      expect(maxBytes).toBeGreaterThanOrEqual(Buffer.byteLength(JSON.stringify(v)));
    }
  });
});
