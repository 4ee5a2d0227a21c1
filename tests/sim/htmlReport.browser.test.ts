/**
 * Opens the simulator's HTML report in a real headless Chromium (Debian's `chromium`, driven by playwright-core)
 * and checks that the charts render: one panel per DB with lines, windows, RPO and event marks (or the heatmap
 * beyond 12 DBs), the CDF, no console error and no network request. The reports come from a short real
 * simulation (through the CLI's --out) and from synthetic inputs for the panel and heatmap layouts.
 *
 * Browser: CHROMIUM_PATH or /usr/bin/chromium. A missing browser fails these tests with how to install it; only
 * RPL_SKIP_BROWSER_TESTS=1 outside CI skips them (docs/development.md).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../sim/cli";
import { MAX_PANELS, renderHtmlReport } from "../../sim/htmlReport";
import { syntheticInput } from "../helpers/syntheticReport";

const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const inCi = process.env.CI === "true" || process.env.CI === "1";
const optedOut = process.env.RPL_SKIP_BROWSER_TESTS === "1" && !inCi;

interface Rendered {
  state: string | null;
  kind: string | null;
  svgs: number;
  panels: number;
  lines: number;
  cells: number;
  windows: number;
  events: number;
  rpoRules: number;
  cdfLines: number;
  errors: string[];
  requests: string[];
}

describe.skipIf(optedOut)("HTML report in headless Chromium", () => {
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `no Chromium at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium) or set CHROMIUM_PATH; ` +
          "outside CI, RPL_SKIP_BROWSER_TESTS=1 skips this test (docs/development.md)",
      );
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless", "--no-sandbox", "--disable-gpu"],
    });
    dir = mkdtempSync(join(tmpdir(), "rpl-report-"));
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function render(file: string): Promise<Rendered> {
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    const errors: string[] = [];
    const requests: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") errors.push(`${m.type()}: ${m.text()}`);
    });
    page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
    page.on("request", (r) => {
      if (!r.url().startsWith("file:")) requests.push(r.url());
    });
    try {
      await page.goto(pathToFileURL(file).href);
      await page.waitForSelector("body[data-rendered]", { timeout: 30_000 });
      const n = (sel: string) => page.locator(sel).count();
      const counts = {
        state: await page.getAttribute("body", "data-rendered"),
        kind: await page.getAttribute("#ages", "data-kind"),
        svgs: await n("#ages svg"),
        panels: await n('#ages g.mark-group.role-scope[class*="concat_"][class$="_group"]'),
        lines: await n("#ages g.mark-line.role-mark path"),
        // Heatmap cells are the first rect layer; the shaded windows are the rect marks drawn with an opacity.
        cells: await n("#ages g.mark-rect.role-mark.layer_0_marks path"),
        windows: await n("#ages g.mark-rect.role-mark path[opacity]"),
        events: await n('#ages g.mark-rule.role-mark[class*="layer_1_marks"] line'),
        rpoRules: await n('#ages g.mark-rule.role-mark[class*="layer_3_marks"] line'),
        cdfLines: await n("#cdf g.mark-line.role-mark path"),
      };
      return { ...counts, errors, requests };
    } finally {
      await page.close();
    }
  }

  it("renders a real simulation's report written by --out", async () => {
    const file = join(dir, "sim.html");
    const stdout = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
    let code: number;
    try {
      code = await main(["--days", "0.25", "--no-progress", "--out", file]);
      expect(stdout).toHaveBeenCalledWith(`Wrote ${file}\n`);
    } finally {
      stdout.mockRestore();
    }
    expect(code).toBe(0);
    const r = await render(file);
    expect(r.errors).toEqual([]);
    expect(r.requests).toEqual([]);
    expect(r).toMatchObject({ state: "true", kind: "panels", svgs: 1, panels: 3, lines: 6, rpoRules: 3, cdfLines: 2 });
    // The warm-up is shaded in each of the three panels.
    expect(r.windows).toBe(3);
  }, 180_000);

  it("renders one panel per DB with windows, events and the RPO", async () => {
    const file = join(dir, "panels.html");
    writeFileSync(file, renderHtmlReport(syntheticInput(4)));
    const r = await render(file);
    expect(r.errors).toEqual([]);
    expect(r.requests).toEqual([]);
    // 4 DBs x 2 stages; 3 windows per panel; alarm + drill per panel and the deleted DB in its own panel.
    expect(r).toMatchObject({
      state: "true",
      kind: "panels",
      panels: 4,
      lines: 8,
      windows: 12,
      events: 9,
      rpoRules: 4,
    });
    expect(r.cdfLines).toBe(2);
  });

  it(`renders a heatmap beyond ${MAX_PANELS} DBs`, async () => {
    const file = join(dir, "heatmap.html");
    writeFileSync(file, renderHtmlReport(syntheticInput(MAX_PANELS + 2)));
    expect(readFileSync(file, "utf8")).toContain('data-kind="heatmap"');
    const r = await render(file);
    expect(r.errors).toEqual([]);
    expect(r.requests).toEqual([]);
    // (MAX_PANELS + 2) DBs x 2 stages x 24 hourly cells.
    expect(r).toMatchObject({ state: "true", kind: "heatmap", svgs: 1, lines: 0, cells: (MAX_PANELS + 2) * 2 * 24 });
    expect(r.windows).toBe(3);
    expect(r.cdfLines).toBe(2);
  });
});
