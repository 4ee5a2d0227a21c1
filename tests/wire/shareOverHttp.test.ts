/**
 * Issue 13 "Done when", wire level: the Sharer Lambda exactly as `pulumi up` bundles it (components/shared/bundle.ts:
 * esbuild, AWS SDK external, `functions/share/index.ts` parsing its environment at cold start) runs in a child
 * process — one cold start per invocation, like a fresh Lambda container — with the real AWS SDK v3 talking HTTP
 * (SigV4, Query/XML and JSON protocols, the clients' own retry strategy) to a fake RDS/KMS/EventBridge endpoint
 * backed by the in-memory model, which throttles 10 % of all requests.
 *
 * A backlog of 250 snapshots for each of three DBs (what changing `drAccounts` produces) must be shared newest first,
 * every DB in turn, within the first run, which stops before its deadline with `leftPending`; the next run resumes
 * without redoing finished snapshots. (Convergence of the whole backlog over many runs is shown on the model
 * without HTTP in tests/handlers/shareBacklog.test.ts.)
 */
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleHandler, REPO_ROOT } from "../../components/shared/bundle";
import { TAG } from "../../functions/lib/tags";
import { SHARED_EVENT_DETAIL_TYPE } from "../../functions/share/plan";
import { RdsWorld } from "../../sim/aws/rdsModel";
import { makeRandom } from "../../sim/random";
import { addShareBacklog } from "../helpers/shareBacklog";
import { type FakeAwsEndpoint, startFakeAwsEndpoint } from "./fakeAwsEndpoint";

const SOURCE = "111122223333";
const DR = ["444455556666", "777788889999"];
const REGION = "eu-west-1";
const BUS = `arn:aws:events:${REGION}:${DR[0]}:event-bus/rpl-dr`;
const PER_DB = 250;
const DBS = ["orders", "billing", "ledger"] as const;
const HALF_HOUR = 1_800_000;
/** Fraction of requests (every service, every attempt) the endpoint answers with a throttling error. */
const THROTTLE_RATE = 0.1;
/**
 * Lambda timeout each invocation starts with. The handler keeps max(20 s, 20 %) of it free
 * (functions/lib/deadline.ts), so a 30 s Lambda takes new work for about 10 s.
 */
const LAMBDA_TIMEOUT_MS = 30_000;
/**
 * Latency of every answer (ms). Sharing the backlog takes more than 3 requests per snapshot (listing, attributes,
 * share, tags, events), so at least 750 × 3 × 20 ms = 45 s: more than one run's 10 s on any machine, so the first
 * run always stops with work left.
 */
const LATENCY_MS = 20;

interface ShareResult {
  shared: number;
  leftPending: number;
  snapshotIds: string[];
}

let world: RdsWorld;
let endpoint: FakeAwsEndpoint;
let bundlePath: string;

beforeAll(async () => {
  const t0 = Date.now() - PER_DB * HALF_HOUR;
  world = new RdsWorld({
    clock: () => new Date(),
    quotas: { manualSnapshots: 10_000, manualClusterSnapshots: 10_000 },
    faults: { throttleRate: THROTTLE_RATE, random: makeRandom(13, "wire-throttle").next },
  });
  addShareBacklog(world, { source: SOURCE, drAccounts: DR, region: REGION, dbs: DBS, perDb: PER_DB, t0: t0 });
  endpoint = await startFakeAwsEndpoint(world, SOURCE, { latencyMs: LATENCY_MS });
  // Inside the repository so that `require("@aws-sdk/…")` from the bundle resolves to node_modules, as the
  // nodejs22.x runtime provides the SDK.
  const dir = path.join(REPO_ROOT, "node_modules", ".cache", "rpl-wire", "share");
  mkdirSync(dir, { recursive: true });
  bundlePath = path.join(dir, "index.js");
  writeFileSync(bundlePath, await bundleHandler("share"));
}, 60_000);

afterAll(async () => {
  await endpoint?.close();
});

/** One cold-start invocation of the bundled Sharer in a child process. */
function invoke(): Promise<ShareResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, "invoke.cjs"), bundlePath, String(LAMBDA_TIMEOUT_MS)], {
      env: {
        PATH: process.env.PATH,
        AWS_REGION: REGION,
        AWS_ENDPOINT_URL: endpoint.url,
        AWS_ACCESS_KEY_ID: "AKIAWIRETEST",
        AWS_SECRET_ACCESS_KEY: "wire-test-secret",
        AWS_LAMBDA_FUNCTION_NAME: "rpl-share",
        POWERTOOLS_SERVICE_NAME: "rpl-share",
        POWERTOOLS_METRICS_NAMESPACE: "RdsPilotLight",
        POWERTOOLS_LOG_LEVEL: "ERROR",
        RPL_DR_ACCOUNTS: DR.join(","),
        RPL_DR_EVENT_BUS_ARNS: BUS,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => {
      out += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      err += c.toString();
    });
    child.on("error", reject);
    child.on("close", () => {
      const line = out.split("\n").find((l) => l.startsWith("RESULT ") || l.startsWith("ERROR "));
      if (line?.startsWith("RESULT ")) resolve(JSON.parse(line.slice(7)) as ShareResult);
      else reject(new Error(`share invocation failed: ${line ?? ""}\n${err.slice(0, 4000)}\n${out.slice(-4000)}`));
    });
  });
}

/** Snapshots of `dbId`, newest first. */
function newestFirst(dbId: string) {
  return world
    .snapshotsOf(SOURCE, REGION, dbId)
    .sort((a, b) => (b.createdAt?.getTime() ?? 0) - (a.createdAt?.getTime() ?? 0));
}

function announcedIds(): string[] {
  return world.putEvents
    .filter((e) => e.entry.DetailType === SHARED_EVENT_DETAIL_TYPE)
    .map((e) => (JSON.parse(e.entry.Detail ?? "{}") as { snapshotArn: string }).snapshotArn.split(":").pop() ?? "");
}

describe("bundled Sharer over HTTP with the real AWS SDK, 10 % of requests throttled", () => {
  it("shares a 250-per-DB backlog newest first within the first run, and the next run resumes without redoing work", async () => {
    const first = await invoke();

    // Every request went over the wire signed, and throttled attempts were retried by the SDK, not failed.
    expect(endpoint.requests.length).toBeGreaterThan(0);
    expect(endpoint.requests.every((r) => r.signed)).toBe(true);
    const throttledFirst = endpoint.requests.filter((r) => r.status === 400).length;
    expect(throttledFirst).toBeGreaterThan(0);

    // The first run stopped before its deadline with work left, having shared the newest snapshots of every DB.
    expect(first.leftPending).toBeGreaterThan(0);
    expect(first.shared).toBeGreaterThanOrEqual(DBS.length);
    expect(first.shared + first.leftPending).toBe(DBS.length * PER_DB);
    const perDb = DBS.map((dbId) => {
      const list = newestFirst(dbId);
      const done = list.map((s) => s.tags[TAG.sharedSet] !== undefined);
      const n = done.filter(Boolean).length;
      // Shared, tagged and announced: exactly a newest-first prefix of this DB's snapshots.
      expect(done).toEqual(list.map((_, i) => i < n));
      for (const s of list.slice(0, n)) expect([...s.sharedWith].sort()).toEqual(DR);
      for (const s of list.slice(n)) expect(s.sharedWith).toEqual([]);
      return n;
    });
    expect(Math.min(...perDb)).toBeGreaterThan(0);
    expect(Math.max(...perDb) - Math.min(...perDb)).toBeLessThanOrEqual(1);
    expect(announcedIds().sort()).toEqual([...first.snapshotIds].sort());

    // The next cold start resumes where the first stopped: it shares more, and shares and announces nothing twice.
    const second = await invoke();
    expect(second.shared).toBeGreaterThan(0);
    expect(second.shared + second.leftPending).toBe(first.leftPending);
    expect(second.snapshotIds.filter((id) => first.snapshotIds.includes(id))).toEqual([]);
    for (const dbId of DBS) {
      const done = newestFirst(dbId).map((s) => s.tags[TAG.sharedSet] !== undefined);
      const n = done.filter(Boolean).length;
      expect(done).toEqual(done.map((_, i) => i < n));
    }
    const announced = announcedIds();
    expect(new Set(announced).size).toBe(announced.length);
    expect(announced.sort()).toEqual([...first.snapshotIds, ...second.snapshotIds].sort());
    // One successful share call per shared snapshot: the second run did not re-share the first run's snapshots.
    const shareCalls = endpoint.requests.filter(
      (r) => r.status === 200 && /^Modify(DB|DBCluster)SnapshotAttribute$/.test(r.operation),
    );
    expect(shareCalls.length).toBe(first.shared + second.shared);
  }, 300_000);
});
