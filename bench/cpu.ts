/** CPU time of the bench's child processes. */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

/**
 * User + system CPU seconds of this process's waited-for children so far, from `/proc/self/stat` (Linux): take the
 * difference around a `spawnSync` for one child's CPU time.
 */
export function childrenCpuSeconds(): number {
  // Fields 16 and 17 (cutime, cstime) in clock ticks; the comm field may hold spaces, so split after its ")".
  const stat = readFileSync("/proc/self/stat", "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[13]) + Number(fields[14]);
  const hz = Number(spawnSync("getconf", ["CLK_TCK"]).stdout?.toString().trim()) || 100;
  return ticks / hz;
}
