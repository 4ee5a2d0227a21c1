/** Text helpers of the CLI: ages, tables, colours (picocolors, only when wanted). */
import pc from "picocolors";

/** Colour functions; identity functions when colour is off. */
export type Colors = ReturnType<typeof pc.createColors>;

/**
 * Whether to colour stdout: never with `--json`, `--no-color` or a non-empty `NO_COLOR` (https://no-color.org);
 * always with `FORCE_COLOR`; otherwise only on a terminal that is not `TERM=dumb`. (picocolors' own detection turns
 * colour on whenever `CI` is set, even when output goes to a file, so the CLI decides itself.)
 */
export function colorEnabled(
  o: { isTTY: boolean; env: Readonly<Record<string, string | undefined>> },
  flags: { json?: boolean; color?: boolean } = {},
): boolean {
  if (flags.json || flags.color === false) return false;
  if (o.env.NO_COLOR) return false;
  if (o.env.FORCE_COLOR && o.env.FORCE_COLOR !== "0") return true;
  return o.isTTY && o.env.TERM !== "dumb";
}

/** Colours, on or off. */
export function colorsFor(enabled: boolean): Colors {
  return pc.createColors(enabled);
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
