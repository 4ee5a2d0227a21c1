import { describe, expect, it } from "vitest";
import { buildStepDefinition } from "../../components/shared/stateMachines";
import { currentInvocationOf, Engine, runInInvocationContext } from "../../sim/engine";
import { runStateMachine } from "../../sim/localStepFunctions";
import { makeRandom } from "../../sim/random";

describe("Engine", () => {
  it("runs events in time order, same-time events in insertion order, and processes in virtual time", async () => {
    const e = new Engine(0);
    const log: string[] = [];
    e.at(200, () => log.push(`b@${e.now}`));
    e.at(100, () => log.push(`a@${e.now}`));
    e.at(200, () => log.push(`c@${e.now}`));
    e.spawn("p", async () => {
      await new Promise((r) => setTimeout(r, 150)); // virtual inside a process
      log.push(`p@${e.now}`);
      await e.sleep(100);
      log.push(`p2@${e.now}`);
    });
    const real = performance.now();
    await e.runUntil(1000);
    expect(log).toEqual(["a@100", "p@150", "b@200", "c@200", "p2@250"]);
    expect(e.now).toBe(1000);
    expect(performance.now() - real).toBeLessThan(5000);
  });

  it("keeps (time, insertion) order over many events pushed and popped in any order", async () => {
    const e = new Engine(0);
    const r = makeRandom(7, "heap");
    const expected: [number, number][] = [];
    const seen: [number, number][] = [];
    let n = 0;
    // Events that schedule more events (at the same and later times) while the heap is being drained.
    const add = (at: number) => {
      const id = n++;
      expected.push([at, id]);
      e.at(at, () => {
        seen.push([e.now, id]);
        if (id < 3000 && r.chance(0.5)) add(e.now + Math.floor(r.next() * 3) * 10);
      });
    };
    for (let i = 0; i < 1000; i++) add(Math.floor(r.next() * 50) * 10);
    await e.runUntil(1_000_000);
    expect(seen.length).toBe(expected.length);
    expected.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    expect(seen).toEqual(expected);
  });

  it("cancels virtual timers with clearTimeout", async () => {
    const e = new Engine(0);
    let fired = false;
    e.spawn("p", async () => {
      const h = setTimeout(() => {
        fired = true;
      }, 50);
      clearTimeout(h);
    });
    await e.runUntil(100);
    expect(fired).toBe(false);
  });

  it("passes a virtual timer's extra arguments, orders same-time timers by creation, and runs them in the process's context", async () => {
    const e = new Engine(0);
    const log: string[] = [];
    e.spawn("p", async () =>
      runInInvocationContext("inv", () => {
        setTimeout((a: number, b: string) => log.push(`args ${a} ${b} @${e.now}`), 100, 1, "two");
        setTimeout(() => log.push(`none @${e.now} in ${currentInvocationOf()}`), 100);
        setTimeout((u: unknown) => log.push(`undefined arg ${u === undefined} @${e.now}`), 50, undefined);
        const h = setTimeout((x: number) => log.push(`cancelled ${x}`), 60, 3);
        clearTimeout(h);
        // A timer's callback runs in the context of the engine, as every virtual timer's.
        setTimeout(() => setTimeout(() => log.push(`nested @${e.now}`), 10), 200);
      }),
    );
    await e.runUntil(1000);
    expect(log).toEqual(["undefined arg true @50", "args 1 two @100", "none @100 in undefined", "nested @210"]);
  });

  it("keeps each invocation's context through awaits, virtual timers and promise chains of interleaved processes", async () => {
    const e = new Engine(0);
    const seen: string[] = [];
    const body = (name: string, wait: number) => async () => {
      await e.sleep(wait);
      seen.push(`${name}:${currentInvocationOf()}@${e.now}`);
      await new Promise((r) => setTimeout(r, wait));
      await Promise.resolve().then(() => seen.push(`${name}:${currentInvocationOf()}@${e.now}`));
    };
    for (const [name, wait] of [
      ["a", 30],
      ["b", 20],
    ] as const) {
      e.spawn(name, () => runInInvocationContext(name, body(name, wait)));
    }
    e.spawn("none", async () => {
      await e.sleep(25);
      seen.push(`none:${currentInvocationOf()}@${e.now}`);
    });
    await e.runUntil(100);
    expect(seen).toEqual(["b:b@20", "none:undefined@25", "a:a@30", "b:b@40", "a:a@60"]);
    // Outside every process: no invocation, and setTimeout is the real one.
    expect(currentInvocationOf()).toBeUndefined();
    const real = await new Promise<string>((r) => {
      const h = setTimeout(() => r("real"), 1);
      expect(typeof h).toBe("object");
      expect(h.constructor.name).toBe("Timeout");
    });
    expect(real).toBe("real");
  });

  it("fails the run when a process throws", async () => {
    const e = new Engine(0);
    e.spawn("bad", async () => {
      await e.sleep(10);
      throw new Error("boom");
    });
    await expect(e.runUntil(100)).rejects.toThrow("boom");
  });

  it("runs a state machine's Wait states in virtual time", async () => {
    const arn = (n: string) => `arn:aws:lambda:eu-west-1:111111111111:function:${n}`;
    const def = buildStepDefinition({
      stepName: "Copy",
      functionArn: arn("copy"),
      check: { functionArn: arn("check"), waitSeconds: 300, maxChecks: 10 },
    });
    const e = new Engine(0);
    let status = "";
    e.spawn("sfn", async () => {
      const r = await runStateMachine(def, {
        handlers: {
          [arn("copy")]: async () => ({ pending: 1 }),
          [arn("check")]: async () => ({ pending: e.now < 900_000 ? 1 : 0 }),
        },
        onWait: (s) => s * 1000,
      });
      status = `${r.status} after ${r.waits.length} waits at ${e.now}`;
    });
    await e.runUntil(10_000_000);
    expect(status).toBe("SUCCEEDED after 3 waits at 900000");
  });
});

describe("makeRandom", () => {
  it("is deterministic per seed and label", () => {
    const a = makeRandom(7, "x");
    const b = makeRandom(7, "x");
    const seqA = [a.next(), a.next(), a.next()];
    expect([b.next(), b.next(), b.next()]).toEqual(seqA);
    expect(makeRandom(7, "y").next()).not.toBe(seqA[0]);
    expect(seqA.every((v) => v >= 0 && v < 1)).toBe(true);
  });
});
