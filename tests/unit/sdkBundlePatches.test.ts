/**
 * The bundled simulator runs two SDK files patched (sim/bundle.ts):
 * - each command's middleware stack is made on first use (`withLazyCommandStack`): a bundled command must behave as the
 *   original one, its stack made once per command, assignable, resolved by a client, and listed among its own
 *   properties once made;
 * - a command's own fields are assigned in its constructor instead of defined as class fields
 *   (`withAssignedCommandFields`): the same own properties, in the same order, with the same values and attributes;
 * - a paginator sends each page without an extra async wrapper and reads a one-step token without splitting its
 *   path (`withDirectPaginator`): the same pages, commands, errors and stops as the original's;
 * - the retry middleware no longer builds an `Error` it never reads (`withoutUnreadRetryError`): a bundled client's
 *   retry middleware must succeed and fail as the original's, with the same `$metadata`.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  RDSClient as OriginalClient,
  DescribeDBSnapshotsCommand as OriginalCommand,
  paginateDescribeDBSnapshots as originalPaginate,
} from "@aws-sdk/client-rds";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ASSIGNED_SMITHY_COMMAND_CLASS,
  buildSimulatorBundle,
  DIRECT_PAGED_REQUEST,
  DIRECT_PAGINATOR_GET,
  LAZY_SMITHY_COMMAND_FIELDS,
  SMITHY_COMMAND_CLASS,
  SMITHY_RETRY_LAST_ERROR,
  withAssignedCommandFields,
  withDirectPaginator,
  withLazyCommandStack,
  withoutUnreadRetryError,
} from "../../sim/bundle";

const COMMAND_JS = resolve(
  __dirname,
  "../../node_modules/@smithy/core/dist-es/submodules/client/smithy-client/command.js",
);
const PAGINATOR_JS = resolve(
  __dirname,
  "../../node_modules/@smithy/core/dist-es/legacy-root-exports/pagination/createPaginator.js",
);
const RETRY_JS = resolve(
  __dirname,
  "../../node_modules/@smithy/core/dist-es/submodules/retry/middleware-retry/retryMiddleware.js",
);
const TIMEOUT_MS = 120_000;

interface RetryStack {
  clone(): RetryStack;
  identify(): string[];
  remove(name: string): boolean;
  resolve(handler: (args: unknown) => Promise<unknown>, context: object): (args: unknown) => Promise<unknown>;
}

/** The client's retry middleware alone around `next` (as sim/aws/rdsModel.ts `stub` runs it), called once. */
async function throughRetry(client: { middlewareStack: unknown }, next: () => Promise<unknown>): Promise<unknown> {
  const stack = (client.middlewareStack as RetryStack).clone();
  for (const mw of [...stack.identify().map((n) => n.split(" ")[0]!), "httpAuthSchemeMiddleware"]) {
    if (mw !== "retryMiddleware") stack.remove(mw);
  }
  try {
    return { ok: await stack.resolve(next, {})({ input: {} }) };
  } catch (err) {
    const e = err as Error & { $metadata?: unknown };
    return { error: e.name, message: e.message, metadata: e.$metadata, same: e };
  }
}

type Probe = typeof import("../sim/fixtures/commandProbe");

describe("SDK commands in the bundle (lazy middleware stack)", () => {
  let dir: string;
  let probe: Probe;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "rpl-command-probe-"));
    const out = join(dir, "probe.cjs");
    await buildSimulatorBundle(out, resolve(__dirname, "../sim/fixtures/commandProbe.ts"));
    expect(readFileSync(out, "utf8")).toContain("get middlewareStack()");
    expect(readFileSync(out, "utf8")).toContain("this.serialize = closure._serializer;");
    expect(readFileSync(out, "utf8")).toMatch(/if \(withCommand !== void 0\) command\d* = withCommand/);
    probe = createRequire(__filename)(out) as Probe;
  }, TIMEOUT_MS);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("makes one stack per command on first read, as the original has one per command", () => {
    const input = { DBInstanceIdentifier: "db-1" };
    const a = new probe.DescribeDBSnapshotsCommand(input);
    const b = new probe.DescribeDBSnapshotsCommand(input);
    const original = new OriginalCommand(input);
    expect(a.input).toBe(input);
    expect(Object.keys(a)).not.toContain("middlewareStack");
    const stack = a.middlewareStack;
    expect(a.middlewareStack).toBe(stack);
    expect(b.middlewareStack).not.toBe(stack);
    expect(Object.keys(a).sort()).toEqual(Object.keys(original).sort());
    expect(stack.identify()).toEqual(original.middlewareStack.identify());
    expect(Object.keys(stack).sort()).toEqual(Object.keys(original.middlewareStack).sort());
  });

  it("gives a command the original's own properties, in the same order, with the same values and attributes", () => {
    const input = { DBInstanceIdentifier: "db-1" };
    const bundled = new probe.DescribeDBSnapshotsCommand(input) as unknown as Record<string, unknown>;
    const original = new OriginalCommand(input) as unknown as Record<string, unknown>;
    expect(Object.keys(bundled)).toEqual(["schema", "input", "serialize", "deserialize"]);
    // The original's middleware stack is its first field; the bundled command makes it when read (the lazy stack).
    const lazy = (k: string) => k !== "middlewareStack";
    expect(Object.keys(bundled)).toEqual(Object.keys(original).filter(lazy));
    const attributes = (o: object) =>
      Object.entries(Object.getOwnPropertyDescriptors(o))
        .filter(([k]) => lazy(k))
        .map(([k, d]) => [k, d.writable, d.enumerable, d.configurable]);
    expect(attributes(bundled)).toEqual(attributes(original));
    expect(bundled.input).toBe(input);
    // The operation's schema (the bundle's copy of the same module): kind, namespace and operation name.
    const head = (schema: unknown) => (schema as unknown[]).slice(0, 3);
    expect(head(bundled.schema)).toEqual(head(original.schema));
    expect(head(bundled.schema)).toEqual([9, "com.amazonaws.rds", "DescribeDBSnapshots"]);
    expect(bundled.schema).toBeDefined();
    expect([bundled.serialize, bundled.deserialize]).toEqual([original.serialize, original.deserialize]);
    // No input: an empty one, as the original.
    expect(new probe.DescribeDBSnapshotsCommand().input).toEqual({});
    expect(new probe.DescribeDBSnapshotsCommand()).toBeInstanceOf(probe.DescribeDBSnapshotsCommand);
  });

  it("keeps a stack assigned to a command, read or not", () => {
    type Writable = { middlewareStack: unknown };
    const a = new probe.DescribeDBSnapshotsCommand({}) as unknown as Writable;
    const b = new probe.DescribeDBSnapshotsCommand({}) as unknown as Writable;
    const other = new probe.DescribeDBSnapshotsCommand({}).middlewareStack;
    a.middlewareStack = other;
    expect(a.middlewareStack).toBe(other);
    void b.middlewareStack;
    b.middlewareStack = other;
    expect(b.middlewareStack).toBe(other);
  });

  it("resolves a client's middleware with the command's own stack, as the original", () => {
    const config = { region: "eu-west-1", credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" } };
    const resolved = (Client: typeof OriginalClient, Command: typeof OriginalCommand) => {
      const client = new Client(config);
      const cmd = new Command({});
      const handler = cmd.resolveMiddleware(client.middlewareStack, client.config, {});
      client.destroy();
      return { handler: typeof handler, own: cmd.middlewareStack.identify() };
    };
    const bundled = resolved(
      probe.RDSClient as unknown as typeof OriginalClient,
      probe.DescribeDBSnapshotsCommand as unknown as typeof OriginalCommand,
    );
    expect(bundled.handler).toBe("function");
    expect(bundled).toEqual(resolved(OriginalClient, OriginalCommand));
  });

  it("retries, succeeds and fails through the bundled retry middleware as through the original", async () => {
    const config = {
      region: "eu-west-1",
      maxAttempts: 3,
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret" },
    };
    const outcomes = async (Client: typeof OriginalClient) => {
      const client = new Client(config);
      const ok = () => Promise.resolve({ output: { $metadata: {} }, response: { statusCode: 200 } });
      const thrown = Object.assign(new Error("no such snapshot"), { name: "DBSnapshotNotFoundFault" });
      const fails = () => Promise.reject(thrown);
      const out = [await throughRetry(client, ok), await throughRetry(client, fails)];
      client.destroy();
      // The error thrown is the one the model threw (not a fresh one), with the attempt count written into it.
      const failed = out[1] as { same: unknown };
      expect(failed.same).toBe(thrown);
      failed.same = "the model's error";
      return out;
    };
    const bundled = await outcomes(probe.RDSClient as unknown as typeof OriginalClient);
    expect(bundled[1]).toMatchObject({ error: "DBSnapshotNotFoundFault", metadata: { attempts: 1 } });
    expect(bundled).toEqual(await outcomes(OriginalClient));
  });

  it("fails the build when @smithy/core's retry middleware is not the expected text", () => {
    const source = readFileSync(RETRY_JS, "utf8");
    const patched = withoutUnreadRetryError(source);
    expect(patched).not.toContain(SMITHY_RETRY_LAST_ERROR);
    expect(patched.split("new Error(").length).toBe(source.split("new Error(").length - 1);
    expect(() => withoutUnreadRetryError(patched)).toThrow(/retryMiddleware is not as expected/);
    const readsEarly = source.replace(
      SMITHY_RETRY_LAST_ERROR,
      `${SMITHY_RETRY_LAST_ERROR}            void lastError;\n`,
    );
    expect(() => withoutUnreadRetryError(readsEarly)).toThrow(/retryMiddleware is not as expected/);
    const reordered = source.replace(
      "let attempts = 0;",
      "let attempts = 0;\n            const seen = lastError.message;",
    );
    expect(() => withoutUnreadRetryError(reordered)).toThrow(/retryMiddleware/);
  });

  it("fails the build when @smithy/core's Command is not the expected text", () => {
    const source = readFileSync(COMMAND_JS, "utf8");
    expect(withLazyCommandStack(source)).toContain(LAZY_SMITHY_COMMAND_FIELDS);
    expect(() => withLazyCommandStack(source.replace("schema;", "schema = 1;"))).toThrow(/Command is not as expected/);
    expect(() => withLazyCommandStack(withLazyCommandStack(source))).toThrow(/Command is not as expected/);
  });

  it("fails the build when @smithy/core's command class is not the expected text", () => {
    const source = withLazyCommandStack(readFileSync(COMMAND_JS, "utf8"));
    const patched = withAssignedCommandFields(source);
    expect(patched).toContain(ASSIGNED_SMITHY_COMMAND_CLASS);
    expect(patched).not.toContain(SMITHY_COMMAND_CLASS);
    expect(patched).not.toContain("\n            serialize = closure._serializer;");
    expect(() => withAssignedCommandFields(patched)).toThrow(/Command class is not as expected/);
    const moreFields = source.replace("            input;\n", "            input;\n            extra = 1;\n");
    expect(() => withAssignedCommandFields(moreFields)).toThrow(/Command class is not as expected/);
    const withConstructor = source.replace(
      "    static classBuilder() {",
      "    constructor() {}\n    static classBuilder() {",
    );
    expect(() => withAssignedCommandFields(withConstructor)).toThrow(/already has a constructor/);
  });

  it("pages through a bundled paginator as through the original: commands, pages, stops and errors", async () => {
    type Page = { DBSnapshots: { DBSnapshotIdentifier: string }[]; Marker?: string };
    const pages: Record<string, Page> = {
      "": { DBSnapshots: [{ DBSnapshotIdentifier: "a" }], Marker: "m1" },
      m1: { DBSnapshots: [{ DBSnapshotIdentifier: "b" }], Marker: "m2" },
      m2: { DBSnapshots: [{ DBSnapshotIdentifier: "c" }] },
      same: { DBSnapshots: [], Marker: "same" },
      zero: { DBSnapshots: [], Marker: 0 as unknown as string },
    };
    const run = async (
      Client: typeof OriginalClient,
      paginate: typeof originalPaginate,
      config: { startingToken?: string; pageSize?: number; stopOnSameToken?: boolean; withCommand?: boolean },
      failAt?: string,
    ) => {
      const client = new Client({ region: "eu-west-1", credentials: { accessKeyId: "A", secretAccessKey: "S" } });
      const sent: unknown[] = [];
      Object.defineProperty(client, "send", {
        value: async (command: { input: { Marker?: string; MaxRecords?: number }; constructor: { name: string } }) => {
          sent.push({ ...command.input, tagged: (command as { tagged?: boolean }).tagged ?? false });
          const marker = command.input.Marker ?? "";
          if (marker === failAt) throw Object.assign(new Error("boom"), { name: "Throttling" });
          return pages[marker];
        },
      });
      const seen: unknown[] = [];
      try {
        for await (const page of paginate(
          {
            client,
            ...(config.startingToken !== undefined ? { startingToken: config.startingToken } : {}),
            ...(config.pageSize !== undefined ? { pageSize: config.pageSize } : {}),
            ...(config.stopOnSameToken !== undefined ? { stopOnSameToken: config.stopOnSameToken } : {}),
            ...(config.withCommand
              ? { withCommand: (c: object) => (config.withCommand ? Object.assign(c, { tagged: true }) : c) }
              : {}),
          } as never,
          { DBInstanceIdentifier: "db-1" },
        )) {
          seen.push(page);
          if (seen.length > 5) break;
        }
      } catch (e) {
        seen.push(`error ${(e as Error).name}`);
      }
      client.destroy();
      return { seen, sent };
    };
    const cases: [Parameters<typeof run>[2], string?][] = [
      [{}],
      [{ pageSize: 1 }],
      [{ startingToken: "m1", withCommand: true }],
      [{ startingToken: "same", stopOnSameToken: true }],
      [{ startingToken: "same" }],
      [{ startingToken: "zero" }],
      [{}, "m1"],
    ];
    for (const [config, failAt] of cases) {
      const bundled = await run(
        probe.RDSClient as unknown as typeof OriginalClient,
        probe.paginateDescribeDBSnapshots as unknown as typeof originalPaginate,
        config,
        failAt,
      );
      expect(bundled).toEqual(await run(OriginalClient, originalPaginate, config, failAt));
    }
    expect((await run(OriginalClient, originalPaginate, {})).seen).toHaveLength(3);
  });

  it("fails the build when @smithy/core's paginator is not the expected text", () => {
    const source = readFileSync(PAGINATOR_JS, "utf8");
    const patched = withDirectPaginator(source);
    expect(patched).toContain(DIRECT_PAGED_REQUEST);
    expect(patched).toContain(DIRECT_PAGINATOR_GET);
    expect(() => withDirectPaginator(patched)).toThrow(/makePagedClientRequest is not as expected/);
    const twoCallers = source.replace(
      "export function createPaginator",
      "makePagedClientRequest();\nexport function createPaginator",
    );
    expect(() => withDirectPaginator(twoCallers)).toThrow(/other callers/);
  });
});
