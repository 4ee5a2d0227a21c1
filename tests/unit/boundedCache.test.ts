import { describe, expect, it } from "vitest";
import { BoundedCache } from "../../functions/lib/boundedCache";

describe("BoundedCache", () => {
  it("computes once per key and hands the remembered value back", () => {
    const cache = new BoundedCache<string, number>(10);
    let calls = 0;
    const length = (k: string) => {
      calls++;
      return k.length;
    };
    expect(cache.get("abc", length)).toBe(3);
    expect(cache.get("abc", length)).toBe(3);
    expect(calls).toBe(1);
  });

  it("passes the extra argument to compute", () => {
    const cache = new BoundedCache<string, string>(10);
    expect(cache.get("b", (k, a: string) => `${a}-${k}`, "a")).toBe("a-b");
  });

  it("empties itself when full instead of growing past its bound", () => {
    const cache = new BoundedCache<number, number>(3);
    for (let i = 0; i < 3; i++) cache.get(i, (k) => k * 2);
    expect(cache.size).toBe(3);
    cache.get(3, (k) => k * 2);
    expect(cache.size).toBe(1);
    let calls = 0;
    const twice = (k: number) => {
      calls++;
      return k * 2;
    };
    expect(cache.get(0, twice)).toBe(0);
    expect(calls).toBe(1);
  });

  it("remembers nothing when compute throws, and null as a value", () => {
    const cache = new BoundedCache<string, string | null>(3);
    expect(() =>
      cache.get("x", () => {
        throw new RangeError("Invalid time value");
      }),
    ).toThrow(RangeError);
    expect(cache.size).toBe(0);
    let calls = 0;
    const none = () => {
      calls++;
      return null;
    };
    cache.get("y", none);
    expect(cache.get("y", none)).toBeNull();
    expect(calls).toBe(1);
  });
});
