/**
 * A deterministic discrete-event engine in virtual time.
 *
 * Events are callbacks in a priority queue ordered by (virtual time, insertion order). Long-running activities
 * (a Step Functions execution with Wait states, a handler whose SDK client backs off after throttling) are
 * *processes*: async functions started with {@link Engine.spawn}. Inside a process, `setTimeout` is virtual: it
 * schedules an engine event instead of a real timer (the process runs in an async context of the engine, so code
 * outside the simulation keeps real timers). aws-local-stepfunctions sleeps through `setTimeout`, so its Wait
 * states, given the wait as their override in milliseconds, wait in virtual time.
 *
 * After each event the engine yields to the event loop until a whole turn passes without any process scheduling,
 * spawning, finishing or waking (one turn drains every microtask), and only then advances the clock. Nothing waits
 * on real time, so a week of virtual time takes seconds, and the same inputs give the same order of events.
 */
import { promiseHooks } from "node:v8";

interface QueuedEvent {
  readonly at: number;
  readonly seq: number;
  readonly fn: () => void;
  /** A virtual timer's callback (counts as activity, runs in the engine's context), not an `at` event. */
  readonly timer: boolean;
  cancelled: boolean;
}

/** Thrown when processes keep the event loop busy without ever parking on virtual time. */
export class StuckProcessError extends Error {
  constructor(names: readonly string[]) {
    super(`simulation processes made no progress in virtual time: ${names.join(", ") || "(unknown)"}`);
    this.name = "StuckProcessError";
  }
}

/** Real milliseconds the engine lets processes run at one virtual instant before calling them stuck. */
const STUCK_AFTER_REAL_MS = 30_000;

/**
 * What code running in an engine process sees through its async context: the engine (its `setTimeout` is virtual),
 * and the simulated Lambda invocation it is part of, if any (sim/lambdaRuntime.ts).
 */
interface ProcessContext {
  readonly engine?: Engine;
  readonly invocation?: unknown;
}

/**
 * The async context, kept by V8's promise hooks (`node:v8` `promiseHooks`,
 * https://nodejs.org/docs/latest-v20.x/api/v8.html#promise-hooks) instead of an `AsyncLocalStorage`.
 *
 * Same propagation as the `AsyncLocalStorage` it replaces for everything a process does: a promise carries the
 * context current when it is created, and its reactions run in that context; the engine's virtual timers run their
 * callbacks in the engine's context ({@link Engine.timer}). On Node.js 20 an `AsyncLocalStorage` enables async_hooks
 * for the whole process: every promise gets an async id, a trigger id and a store copy, and its init, before and after
 * hooks run through async_hooks' bookkeeping (~3 % of a simulation's CPU, and garbage). Here each hook is one
 * assignment. What it does not carry (and an engine process must not use: they would leave virtual time or need
 * real I/O): `process.nextTick`, `queueMicrotask`, `setImmediate`, real timers and I/O callbacks run without the
 * context (as code outside the simulation: real timers).
 */
let currentContext: ProcessContext | undefined;
const CONTEXT = Symbol("rpl-sim-process-context");
type WithContext = { [CONTEXT]?: ProcessContext };
/** Contexts saved by `before` hooks, restored by the matching `after` hooks (V8 calls them strictly nested). */
const savedContexts: (ProcessContext | undefined)[] = [];
let contextHooksInstalled = false;

function installContextHooks(): void {
  if (contextHooksInstalled) return;
  contextHooksInstalled = true;
  promiseHooks.createHook({
    init(promise) {
      if (currentContext !== undefined) (promise as WithContext)[CONTEXT] = currentContext;
    },
    before(promise) {
      savedContexts.push(currentContext);
      currentContext = (promise as WithContext)[CONTEXT];
    },
    after() {
      currentContext = savedContexts.pop();
    },
  });
}

/** Runs `fn` synchronously in async context `ctx` (and every promise it creates), then restores the caller's. */
function runInContext<T>(ctx: ProcessContext, fn: () => T): T {
  const saved = currentContext;
  currentContext = ctx;
  try {
    return fn();
  } finally {
    currentContext = saved;
  }
}

/**
 * Runs `fn` in the current async context plus `invocation` (the engine, if any, stays): what
 * {@link currentInvocationOf} returns inside it, and inside every callback and promise continuation it starts.
 */
export function runInInvocationContext<T>(invocation: unknown, fn: () => T): T {
  installContextHooks();
  const engine = currentContext?.engine;
  return runInContext(engine ? { engine, invocation } : { invocation }, fn);
}

/** The invocation {@link runInInvocationContext} set for the calling code, if any. */
export function currentInvocationOf(): unknown {
  return currentContext?.invocation;
}
const realSetTimeout = globalThis.setTimeout;
const realClearTimeout = globalThis.clearTimeout;

/** Handle of a virtual timer (what the patched `setTimeout` returns inside a process). */
class VirtualTimer {
  constructor(readonly event: QueuedEvent) {}
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
  hasRef(): boolean {
    return false;
  }
  refresh(): this {
    return this;
  }
  [Symbol.toPrimitive](): number {
    return this.event.seq;
  }
}

let timersInstalled = false;

/** Routes `setTimeout`/`clearTimeout` called inside engine processes to virtual time. Idempotent. */
function installVirtualTimers(): void {
  if (timersInstalled) return;
  timersInstalled = true;
  // No wrapper closure for the usual call without extra arguments.
  const patchedSet = (fn: (...a: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const engine = currentContext?.engine;
    if (!engine) return realSetTimeout(fn, ms, ...args);
    return new VirtualTimer(engine.timer(args.length === 0 ? (fn as () => void) : () => fn(...args), ms ?? 0));
  };
  const patchedClear = (handle: unknown) => {
    if (handle instanceof VirtualTimer) {
      handle.event.cancelled = true;
      return;
    }
    realClearTimeout(handle as Parameters<typeof clearTimeout>[0]);
  };
  globalThis.setTimeout = patchedSet as unknown as typeof setTimeout;
  globalThis.clearTimeout = patchedClear as typeof clearTimeout;
}

/** The engine. Time is epoch milliseconds. */
export class Engine {
  #now: number;
  readonly #heap: QueuedEvent[] = [];
  #seq = 0;
  /** Bumped whenever a process does something the engine can see; a turn without change means all are parked. */
  #activity = 0;
  /** Live processes by id, for the stuck report and for {@link Engine.liveProcesses}. */
  readonly #live = new Map<number, string>();
  #pid = 0;
  readonly #failures: unknown[] = [];
  #events = 0;
  /** The async context of this engine's processes and timer callbacks (no invocation). */
  readonly #context: ProcessContext = { engine: this };

  constructor(startMs: number) {
    this.#now = startMs;
    installContextHooks();
    installVirtualTimers();
  }

  /** Virtual now, epoch milliseconds. */
  get now(): number {
    return this.#now;
  }

  /** Number of events processed so far. */
  get eventCount(): number {
    return this.#events;
  }

  /** The virtual clock as a {@link Date} factory (the handlers' `Clock`). */
  readonly clock = (): Date => new Date(this.#now);

  /** Runs `fn` at virtual time `atMs` (clamped to now). `fn` must not block; spawn a process for that. */
  at(atMs: number, fn: () => void): void {
    this.#push({ at: Math.max(atMs, this.#now), seq: this.#seq++, fn, timer: false, cancelled: false });
  }

  /** Runs `fn` after `ms` virtual milliseconds. */
  after(ms: number, fn: () => void): void {
    this.at(this.#now + ms, fn);
  }

  /** Names of processes still running (parked on virtual time). */
  get liveProcesses(): string[] {
    return [...this.#live.values()];
  }

  /**
   * Starts a process now. A process may await anything that settles without real I/O; its `setTimeout` calls and
   * {@link Engine.sleep} pass in virtual time. Its rejection fails {@link Engine.runUntil}.
   */
  spawn(name: string, fn: () => Promise<void>): void {
    const pid = this.#pid++;
    this.#live.set(pid, name);
    this.#activity++;
    const done = () => {
      this.#live.delete(pid);
      this.#activity++;
    };
    runInContext(this.#context, () => {
      Promise.resolve()
        .then(fn)
        .then(done, (err: unknown) => {
          done();
          this.#failures.push(err);
        });
    });
  }

  /** Parks the calling process for `ms` virtual milliseconds. */
  sleep(ms: number): Promise<void> {
    return new Promise<void>((resolve) => {
      this.timer(resolve, ms);
    });
  }

  /** @internal Schedules a virtual timer (what `setTimeout` inside a process does). */
  timer(fn: () => void, ms: number): QueuedEvent {
    this.#activity++;
    const ev: QueuedEvent = {
      at: this.#now + Math.max(0, Number.isFinite(ms) ? ms : 0),
      seq: this.#seq++,
      fn,
      timer: true,
      cancelled: false,
    };
    this.#push(ev);
    return ev;
  }

  /** Processes events in order until the queue is empty or the next event is after `endMs`. */
  async runUntil(endMs: number, onProgress?: (nowMs: number) => void): Promise<void> {
    await this.#settle();
    while (this.#heap.length > 0 && this.#heap[0]!.at <= endMs) {
      const ev = this.#pop()!;
      if (ev.cancelled) continue;
      this.#now = ev.at;
      this.#events++;
      if (ev.timer) {
        this.#activity++;
        runInContext(this.#context, ev.fn);
      } else ev.fn();
      await this.#settle();
      if (onProgress && (this.#events & 0x3ff) === 0) onProgress(this.#now);
    }
    this.#now = Math.max(this.#now, endMs);
    onProgress?.(this.#now);
  }

  /** Lets processes continue until a whole event-loop turn passes in which none of them did anything visible. */
  async #settle(): Promise<void> {
    const started = performance.now();
    let turns = 0;
    for (;;) {
      const before = this.#activity;
      // A macrotask turn drains every microtask queued so far.
      await new Promise<void>((r) => setImmediate(r));
      if (this.#failures.length > 0) throw this.#failures[0];
      if (this.#activity === before) return;
      if (++turns % 1000 === 0 && performance.now() - started > STUCK_AFTER_REAL_MS) {
        throw new StuckProcessError([...this.#live.values()]);
      }
    }
  }

  // A binary heap on (at, seq), both unique together: the order events leave it does not depend on how it is kept.
  // Sifting moves a hole instead of swapping pairs.
  #push(ev: QueuedEvent): void {
    const h = this.#heap;
    let i = h.length;
    h.push(ev);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = h[parent]!;
      if (!before(ev, p)) break;
      h[i] = p;
      i = parent;
    }
    h[i] = ev;
  }

  #pop(): QueuedEvent | undefined {
    const h = this.#heap;
    const top = h[0];
    const last = h.pop();
    const n = h.length;
    if (n > 0 && last) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        let m = l;
        let c = h[l]!;
        if (r < n && before(h[r]!, c)) {
          m = r;
          c = h[r]!;
        }
        if (!before(c, last)) break;
        h[i] = c;
        i = m;
      }
      h[i] = last;
    }
    return top;
  }
}

function before(a: QueuedEvent, b: QueuedEvent): boolean {
  return a.at < b.at || (a.at === b.at && a.seq < b.seq);
}
