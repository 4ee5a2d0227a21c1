/**
 * A wire-compatible fake AWS endpoint for one account: real HTTP, the RDS Query protocol (form-encoded requests, XML
 * answers, `ErrorResponse` errors) and the KMS / EventBridge JSON 1.1 protocols, answered by the in-memory model
 * (`sim/aws/rdsModel.ts`). A bundled handler pointed at it with `AWS_ENDPOINT_URL` runs the real AWS SDK end to end:
 * endpoint resolution, SigV4 signing, serialisation, HTTP, deserialisation, error parsing and the retry strategy.
 *
 * Protocol shapes follow the SDK's own (de)serialisers (`@aws-sdk/client-rds` `protocols/Aws_query`): request lists
 * arrive as `<Name>.<Member>.<n>` keys; response lists are `<Name><Member>…</Member></Name>`. Only the list members
 * the handlers' operations return are known ({@link LIST_MEMBERS}); an unknown list in an answer throws instead of
 * being encoded wrongly (which the SDK would silently read as empty).
 *
 * Test-only: lives in tests/, imported by nothing outside tests.
 */
import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import * as eventsSdk from "@aws-sdk/client-eventbridge";
import * as kmsSdk from "@aws-sdk/client-kms";
import * as rdsSdk from "@aws-sdk/client-rds";
import type { RdsWorld } from "../../sim/aws/rdsModel";

/** Element name of each list's members in RDS Query answers (the SDK deserialiser reads `Name.Member`). */
const LIST_MEMBERS: Readonly<Record<string, string>> = {
  DBSnapshots: "DBSnapshot",
  DBClusterSnapshots: "DBClusterSnapshot",
  DBInstances: "DBInstance",
  DBClusters: "DBCluster",
  TagList: "Tag",
  DBSnapshotAttributes: "DBSnapshotAttribute",
  DBClusterSnapshotAttributes: "DBClusterSnapshotAttribute",
  AttributeValues: "AttributeValue",
  AccountQuotas: "AccountQuota",
  AvailabilityZones: "AvailabilityZone",
  ProcessorFeatures: "ProcessorFeature",
};

/** Request fields the Query protocol sends as text that the model expects typed. */
const BOOLEAN_FIELDS = new Set(["IncludeShared", "IncludePublic", "CopyTags", "SkipFinalSnapshot"]);
const NUMBER_FIELDS = new Set(["MaxRecords", "AllocatedStorage"]);

/** One request the endpoint answered, as the test inspects it. */
export interface WireRequest {
  readonly service: "rds" | "kms" | "events";
  readonly operation: string;
  readonly status: number;
  /** True when the request carried a SigV4 `Authorization` header. */
  readonly signed: boolean;
}

/** A running fake endpoint. */
export interface FakeAwsEndpoint {
  /** `http://127.0.0.1:<port>`: the value for `AWS_ENDPOINT_URL`. */
  readonly url: string;
  /** Every request answered, in order. */
  readonly requests: WireRequest[];
  close(): Promise<void>;
}

/** Options of {@link startFakeAwsEndpoint}. */
export interface FakeEndpointOptions {
  /**
   * Milliseconds each answer is held back: a floor on the time a request takes, like the latency of a real AWS API
   * call, so a run's work takes at least `requests × latencyMs` whatever the speed of the machine. Default 0.
   */
  readonly latencyMs?: number;
}

/** Starts an endpoint answering for `account` from `world` (whose faults, e.g. throttling, apply per request). */
export async function startFakeAwsEndpoint(
  world: RdsWorld,
  account: string,
  opts: FakeEndpointOptions = {},
): Promise<FakeAwsEndpoint> {
  const requests: WireRequest[] = [];
  const latency = opts.latencyMs ?? 0;
  const server: Server = createServer((req, res) => {
    const delayed = latency > 0 ? new Promise((r) => setTimeout(r, latency)) : Promise.resolve();
    void delayed
      .then(() => answer(world, account, req, res, requests))
      .catch((e: unknown) => {
        // A bug in the façade itself: fail loudly as a 500 the test will see as an unexpected error.
        res.writeHead(500, { "content-type": "text/plain" });
        res.end(`fake endpoint failure: ${e instanceof Error ? e.stack : String(e)}`);
      });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((e) => (e ? reject(e) : resolve()));
      }),
  };
}

async function answer(
  world: RdsWorld,
  account: string,
  req: IncomingMessage,
  res: ServerResponse,
  log: WireRequest[],
): Promise<void> {
  const body = await readBody(req);
  const signed = /^AWS4-HMAC-SHA256 Credential=/.test(String(req.headers.authorization ?? ""));
  const region = regionOf(String(req.headers.authorization ?? ""));
  const target = req.headers["x-amz-target"];
  if (typeof target === "string") {
    const [prefix, operation = ""] = target.split(".");
    const service = prefix === "TrentService" ? "kms" : prefix === "AWSEvents" ? "events" : undefined;
    if (!service) throw new Error(`unknown X-Amz-Target ${target}`);
    const clients = world.clients(account);
    const client = service === "kms" ? clients.kms(region) : clients.events(region);
    const module: Record<string, unknown> = service === "kms" ? kmsSdk : eventsSdk;
    const Command = module[`${operation}Command`] as (new (input: unknown) => object) | undefined;
    if (!Command) throw new Error(`${service}: no SDK command for ${operation}`);
    const input = reviveJsonTimes(JSON.parse(body.length > 0 ? body : "{}"));
    let status = 200;
    let out: string;
    try {
      const result = await (client as { send(c: object): Promise<Record<string, unknown>> }).send(new Command(input));
      const { $metadata: _, ...rest } = result;
      out = JSON.stringify(rest, jsonTimes);
    } catch (e) {
      const err = e as { name?: string; message?: string; $fault?: string };
      status = err.$fault === "server" ? 500 : 400;
      out = JSON.stringify({ __type: err.name ?? "InternalFailure", message: err.message ?? "" });
    }
    log.push({ service, operation, status, signed });
    res.writeHead(status, { "content-type": "application/x-amz-json-1.1", "x-amzn-requestid": randomUUID() });
    res.end(out);
    return;
  }

  const params = new URLSearchParams(body);
  const operation = params.get("Action") ?? "";
  const Command = (rdsSdk as unknown as Record<string, unknown>)[`${operation}Command`] as
    | (new (
        input: unknown,
      ) => object)
    | undefined;
  if (!Command) throw new Error(`rds: no SDK command for Action=${operation}`);
  const input = queryInput(params);
  const requestId = randomUUID();
  let status = 200;
  let xml: string;
  try {
    const result = await (
      world.clients(account).rds(region) as unknown as { send(c: object): Promise<Record<string, unknown>> }
    ).send(new Command(input));
    const { $metadata: _, ...rest } = result;
    xml =
      `<${operation}Response xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><${operation}Result>` +
      encodeFields(rest) +
      `</${operation}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`;
  } catch (e) {
    const err = e as { name?: string; message?: string; $fault?: string };
    status = err.$fault === "server" ? 500 : 400;
    xml =
      `<ErrorResponse xmlns="http://rds.amazonaws.com/doc/2014-10-31/"><Error>` +
      `<Type>${status === 500 ? "Receiver" : "Sender"}</Type><Code>${escapeXml(err.name ?? "InternalFailure")}</Code>` +
      `<Message>${escapeXml(err.message ?? "")}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
  }
  log.push({ service: "rds", operation, status, signed });
  res.writeHead(status, { "content-type": "text/xml", "x-amzn-requestid": requestId });
  res.end(xml);
}

/** The region in a SigV4 credential scope (`Credential=AKID/20260601/eu-west-1/rds/aws4_request`). */
function regionOf(authorization: string): string {
  const m = /Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\//.exec(authorization);
  if (!m?.[1]) throw new Error(`request without a SigV4 credential scope: "${authorization}"`);
  return m[1];
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

/**
 * Query-protocol parameters to an SDK input object: `Filters.Filter.1.Values.Value.2=x` becomes
 * `{ Filters: [{ Values: [, "x"] }] }` (a segment followed by a number is the member name of a list).
 */
export function queryInput(params: URLSearchParams): Record<string, unknown> {
  const input: Record<string, unknown> = {};
  const child = <T>(holder: Record<string, unknown> | unknown[], key: string | number, make: () => T): T => {
    const h = holder as Record<string | number, unknown>;
    if (h[key] === undefined) h[key] = make();
    return h[key] as T;
  };
  for (const [key, raw] of params) {
    if (key === "Action" || key === "Version") continue;
    const segs = key.split(".");
    let node: Record<string, unknown> | unknown[] = input;
    for (let i = 0; i < segs.length; i++) {
      const name = segs[i] as string;
      const last = i === segs.length - 1;
      if (Array.isArray(node)) throw new Error(`unexpected query key shape ${key}`);
      const isList = i + 2 < segs.length && /^\d+$/.test(segs[i + 2] as string) && !/^\d+$/.test(segs[i + 1] as string);
      if (isList) {
        const list: unknown[] = child<unknown[]>(node, name, () => []);
        const index = Number(segs[i + 2]) - 1;
        if (i + 3 === segs.length) {
          list[index] = raw;
          break;
        }
        node = child<Record<string, unknown>>(list, index, () => ({}));
        i += 2;
        continue;
      }
      if (last) {
        node[name] = BOOLEAN_FIELDS.has(name) ? raw === "true" : NUMBER_FIELDS.has(name) ? Number(raw) : raw;
      } else {
        node = child<Record<string, unknown>>(node, name, () => ({}));
      }
    }
  }
  return input;
}

/** An SDK output object's fields as RDS Query XML elements. */
function encodeFields(obj: Record<string, unknown>): string {
  let out = "";
  for (const [name, value] of Object.entries(obj)) {
    if (value === undefined || value === null) continue;
    out += encodeElement(name, value);
  }
  return out;
}

function encodeElement(name: string, value: unknown): string {
  if (Array.isArray(value)) {
    const member = LIST_MEMBERS[name];
    if (!member) throw new Error(`fake endpoint: no member name known for list ${name}; add it to LIST_MEMBERS`);
    return `<${name}>${value.map((v) => encodeElement(member, v)).join("")}</${name}>`;
  }
  if (value instanceof Date) return `<${name}>${value.toISOString()}</${name}>`;
  if (typeof value === "object") return `<${name}>${encodeFields(value as Record<string, unknown>)}</${name}>`;
  return `<${name}>${escapeXml(String(value))}</${name}>`;
}

function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/**
 * JSON 1.1 timestamps are epoch seconds; the model's outputs hold `Date`s. (`JSON.stringify` applies `toJSON` before
 * the replacer, so the original `Date` is read from the holder.)
 */
function jsonTimes(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const original = this[key];
  return original instanceof Date ? original.getTime() / 1000 : value;
}

/** PutEvents entries carry `Time` as epoch seconds; the SDK input type holds a `Date`. */
function reviveJsonTimes(input: Record<string, unknown>): Record<string, unknown> {
  const entries = input.Entries;
  if (Array.isArray(entries)) {
    for (const e of entries as Record<string, unknown>[]) {
      if (typeof e.Time === "number") e.Time = new Date(e.Time * 1000);
    }
  }
  return input;
}
