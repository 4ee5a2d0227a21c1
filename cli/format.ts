/** Text helpers of the CLI: ages, tables, colours (picocolors, only on a TTY). */
import pc from "picocolors";

/** Colour functions; identity functions when output is not a terminal. */
export type Colors = ReturnType<typeof pc.createColors>;

/** Colours for a stream. */
export function colorsFor(isTTY: boolean): Colors {
  return pc.createColors(isTTY);
}

/** `35` -> `35m`, `185` -> `3h 05m`, `3000` -> `2d 2h`. */
export function formatAge(minutes: number | null): string {
  if (minutes === null) return "none";
  if (minutes < 60) return `${minutes}m`;
  if (minutes < 48 * 60) return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, "0")}m`;
  return `${Math.floor(minutes / 1440)}d ${Math.floor((minutes % 1440) / 60)}h`;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping ANSI colour codes to measure widths
const ANSI = /\u001b\[[0-9;]*m/g;

/** Left-aligned table; cells may contain colour codes (widths ignore them). */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const width = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").replace(ANSI, "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + " ".repeat(width[i]! - c.replace(ANSI, "").length)))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)];
}
