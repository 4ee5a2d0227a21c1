import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { threadCpuLine, threadCpuOf, threadCpuPreload } from "../../bench/simSplit";

const ROOT = resolve(__dirname, "../..");

describe("bench per-thread CPU (bench/threadCpu.cjs, bench/simSplit.ts)", () => {
  it("splits the preload's line into the main thread and the sum of the others", () => {
    const stderr = `warning: something\nrpl-thread-cpu ${JSON.stringify({ main: "42", threads: { 42: 9.5, 43: 1.25, 44: 0.75 } })}\n`;
    expect(threadCpuOf(stderr)).toEqual({ main: 9.5, background: 2 });
    expect(threadCpuLine(threadCpuOf(stderr))).toBe(
      "main thread 9.5 s, V8 background threads 2.0 s (17 % of 11.5 s: TurboFan compiles and GC)",
    );
  });

  it("says so when a child printed no line", () => {
    expect(threadCpuOf("no such line")).toBeUndefined();
    expect(threadCpuLine(undefined)).toMatch(/not available/);
  });

  it.runIf(process.platform === "linux")(
    "the preload prints the main thread's own CPU at exit, also on process.exit",
    () => {
      // A child that burns CPU on its main thread, then exits through process.exit(3).
      const r = spawnSync(
        process.execPath,
        [
          "--require",
          threadCpuPreload(ROOT),
          "-e",
          "let x = 0; const end = Date.now() + 300; while (Date.now() < end) x++; process.exit(3);",
        ],
        { encoding: "utf8" },
      );
      expect(r.status).toBe(3);
      const t = threadCpuOf(r.stderr);
      expect(t).toBeDefined();
      expect(t!.main).toBeGreaterThan(0.1);
      expect(t!.background).toBeGreaterThanOrEqual(0);
    },
  );
});
