/**
 * Preloaded into a bench child (`node --require bench/threadCpu.cjs BUNDLE ...`): when the child exits, writes one
 * line to stderr with the CPU seconds (user + system) of each of its threads, from Linux's /proc/self/task/<tid>/stat
 * (fields 14 and 15, in clock ticks). The first thread listed is the main thread (its tid is the process id); the
 * others are V8's platform workers (concurrent TurboFan compiles, parallel and concurrent GC) and libuv's. The bench
 * reads it with `threadCpuOf` (bench/simSplit.ts). Plain CommonJS because `node --require` loads it before any
 * TypeScript loader. Reading a few small files once at exit: nothing measurable is added to the run.
 */
const { readdirSync, readFileSync } = require("node:fs");

const TICKS_PER_SECOND = 100; // USER_HZ: 100 on Linux x86-64 and arm64.
let written = false;

function writeThreadCpu() {
  if (written) return;
  written = true;
  const threads = {};
  try {
    for (const tid of readdirSync("/proc/self/task")) {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      threads[tid] = (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
    }
  } catch {
    return; // not Linux: no line, and the bench says so
  }
  process.stderr.write(`rpl-thread-cpu ${JSON.stringify({ main: String(process.pid), threads })}\n`);
}

const exit = process.exit;
process.exit = (code) => {
  writeThreadCpu();
  return exit.call(process, code);
};
process.on("beforeExit", writeThreadCpu);
