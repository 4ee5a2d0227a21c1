/**
 * The HTML report's data and specs (no browser: tests/sim/htmlReport.browser.test.ts renders them), and the
 * simulator's --out handling.
 */
import { describe, expect, it } from "vitest";
import { apiUsageOf } from "../../sim/apiUsage";
import { outputFiles } from "../../sim/cli";
import {
  ageSpec,
  cdf,
  cdfSpec,
  downsample,
  inlineScript,
  MAX_PANELS,
  renderHtmlReport,
  splitKey,
  timeline,
} from "../../sim/htmlReport";
import { SYN_START, syntheticInput } from "../helpers/syntheticReport";

const H = 3_600_000;

describe("timeline", () => {
  it("shades the warm-up and every fault window, and marks alarms, drills and deleted DBs", () => {
    const { windows, events } = timeline(syntheticInput(2));
    expect(windows).toEqual([
      { kind: "warm-up", label: "warm-up (2 h, not scored)", start: SYN_START, end: SYN_START + 2 * H },
      { kind: "fault", label: "account 111111111111 down", start: SYN_START + 12 * H, end: SYN_START + 15 * H },
      {
        kind: "fault",
        label: "snapshot quota of 111111111111 left to the tool: 3",
        start: SYN_START + 16 * H,
        end: SYN_START + 24 * H,
      },
    ]);
    expect(events).toEqual([
      { kind: "fault", label: "DB 111111111111/db-00 deleted", at: SYN_START + 20 * H, db: "111111111111/db-00" },
      {
        kind: "alarm",
        label:
          "222222222222/eu-west-1 freshness alarm (dr) (freshness) fired 2026-01-05T12:30:00.000Z, OK 2026-01-05T15:30:00.000Z",
        at: Date.parse("2026-01-05T12:30:00.000Z"),
      },
      {
        kind: "drill ok",
        label: "drill 222222222222/eu-central-1/restore: SUCCEEDED, 40 min to restore",
        at: Date.parse("2026-01-05T08:00:00.000Z"),
      },
    ]);
  });

  it("shades only the warm-up without a scenario", () => {
    const { scenario: _, ...input } = syntheticInput(1);
    expect(timeline(input).windows.map((w) => w.kind)).toEqual(["warm-up"]);
  });
});

describe("downsample", () => {
  it("keeps each bucket's minimum and maximum in time order", () => {
    const points: [number, number][] = Array.from({ length: 100 }, (_, i) => [i, i % 10 === 7 ? 50 : i % 10]);
    expect(downsample(points, 0, 100, 10).slice(0, 4)).toEqual([
      [0, 0],
      [7, 50],
      [10, 0],
      [17, 50],
    ]);
    expect(downsample(points, 0, 100, 10)).toHaveLength(20);
  });

  it("returns short series unchanged", () => {
    expect(
      downsample(
        [
          [1, 2],
          [3, 4],
        ],
        0,
        10,
        10,
      ),
    ).toEqual([
      [1, 2],
      [3, 4],
    ]);
  });
});

describe("cdf", () => {
  it("is non-decreasing and ends at the maximum with fraction 1", () => {
    expect(cdf([5, 1, 3, 2, 4], 10)).toEqual([
      [1, 0.2],
      [2, 0.4],
      [3, 0.6],
      [4, 0.8],
      [5, 1],
    ]);
    expect(cdf([5, 1, 3, 2, 4], 2)).toEqual([
      [3, 0.6],
      [5, 1],
    ]);
    expect(cdf([], 10)).toEqual([]);
  });
});

describe("ageSpec", () => {
  it("draws one panel per DB up to MAX_PANELS", () => {
    const spec = ageSpec(syntheticInput(MAX_PANELS)) as { concat: { title: { text: string } }[]; columns: number };
    expect(spec.concat).toHaveLength(MAX_PANELS);
    expect(spec.concat[0]?.title.text).toBe("111111111111/db-00 (RPO 60 min)");
    expect(spec.columns).toBe(3);
  });

  it("draws a heatmap with one row per DB and stage beyond MAX_PANELS", () => {
    const spec = ageSpec(syntheticInput(MAX_PANELS + 1)) as {
      concat?: unknown;
      layer: { mark: { type: string } }[];
      datasets: { cells: { row: string; ratio: number }[] };
    };
    expect(spec.concat).toBeUndefined();
    expect(spec.layer.map((l) => l.mark.type)).toEqual(["rect", "rect", "rule"]);
    expect(new Set(spec.datasets.cells.map((c) => c.row)).size).toBe((MAX_PANELS + 1) * 2);
    // 24 h in hourly cells per row; the first hour's worst age is 55 min of a 60-minute RPO.
    expect(spec.datasets.cells.filter((c) => c.row === "111111111111/db-00 dr")).toHaveLength(24);
    expect(spec.datasets.cells[0]).toMatchObject({ row: "111111111111/db-00 dr", ratio: 91.7, age: 55 });
  });
});

describe("cdfSpec", () => {
  it("uses minutes when every DB has the same RPO and only samples after the warm-up", () => {
    const spec = cdfSpec(syntheticInput(1)) as {
      datasets: { cdf: { stage: string; value: number }[]; rpo: unknown[] };
    };
    expect(spec.datasets.rpo).toEqual([{ value: 60, kind: "RPO" }]);
    const dr = spec.datasets.cdf.filter((p) => p.stage === "dr").map((p) => p.value);
    expect(Math.min(...dr)).toBe(20);
    expect(Math.max(...dr)).toBe(45);
  });
});

describe("renderHtmlReport", () => {
  it("embeds the specs as JSON and references nothing outside the file", () => {
    const html = renderHtmlReport(syntheticInput(2), "");
    expect(html).not.toMatch(/<script[^>]+src=/);
    expect(html).not.toMatch(/<link[^>]+href=/);
    const json = /<script id="specs" type="application\/json">(.*?)<\/script>/s.exec(html)?.[1];
    const specs = JSON.parse(json ?? "null") as { ages: { concat: unknown[] }; cdf: unknown };
    expect(specs.ages.concat).toHaveLength(2);
    expect(html).toContain('data-panels="2"');
  });

  it("escapes text that could close the script or inject markup", () => {
    const input = syntheticInput(1);
    const html = renderHtmlReport(
      {
        ...input,
        report: { ...input.report, faults: ["<b>x</b>"], scenario: { ...input.report.scenario, name: "</script><i>" } },
      },
      "",
    );
    expect(html).toContain("&lt;b&gt;x&lt;/b&gt;");
    expect(html).not.toContain("</script><i>");
    expect(inlineScript('a="</script>"')).toBe('a="<\\/script>"');
  });

  it("shows the RDS API requests per account and region against the budget when the report has them", () => {
    const input = syntheticInput(1);
    expect(renderHtmlReport(input, "")).not.toContain("RDS API requests");
    const span = { startMs: SYN_START, endMs: SYN_START + 2 * H };
    const calls = [0, 1, 2].map((i) => ({
      account: "111111111111",
      region: "eu-west-1",
      command: "DescribeDBSnapshots",
      at: new Date(SYN_START + i * 1000),
      service: "rds" as const,
    }));
    const apiUsage = apiUsageOf(calls, [], [{ name: "111111111111/eu-west-1/take", failedThrottling: 1 }], span, {
      burst: 300,
      refillPerSecond: 12,
    });
    const html = renderHtmlReport({ ...input, report: { ...input.report, apiUsage } }, "");
    expect(html).toContain("<h2>RDS API requests per account and region vs the budget (burst 300, 12/s");
    expect(html).toContain("<td>111111111111/eu-west-1</td><td>3</td><td>1.5</td><td>3</td>");
    expect(html).toContain("Executions failed for throttling: 1 (111111111111/eu-west-1/take x1)");
  });

  it("inlines Vega, Vega-Lite and vega-embed", () => {
    const html = renderHtmlReport(syntheticInput(1));
    expect(html.match(/<script>/g)?.length).toBe(4);
    expect(html).toContain("vegaEmbed");
  });
});

describe("splitKey", () => {
  it.each([
    ["111111111111/orders-db dr", { db: "111111111111/orders-db", stage: "dr" }],
    ["111111111111/orders-db dr-region", { db: "111111111111/orders-db", stage: "dr-region" }],
  ])("splits %s", (key, expected) => {
    expect(splitKey(key)).toEqual(expected);
  });
});

describe("outputFiles (--out)", () => {
  it.each([
    ["report.html", { html: "report.html" }],
    ["out/r.json", { json: "out/r.json" }],
    ["out", { html: "out/report.html", json: "out/report.json" }],
  ])("%s", (out, expected) => {
    expect(outputFiles(out)).toEqual(expected);
  });

  it("refuses .svg and names the replacement", () => {
    expect(() => outputFiles("report.svg")).toThrow(
      "--out report.svg: the SVG chart was replaced by the HTML report; use --out report.html",
    );
  });

  it("refuses other extensions", () => {
    expect(() => outputFiles("report.png")).toThrow(
      '--out must be a .html file, a .json file or a directory (got "report.png")',
    );
  });
});
