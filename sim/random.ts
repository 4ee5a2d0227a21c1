/**
 * Seeded randomness for the simulator. Every random choice (durations, jitter, injected faults) draws from one of
 * these streams, so the same seed gives the same run, byte for byte. Separate named streams keep, for example,
 * the fault stream independent of how many durations were drawn before it.
 */
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";

/** A deterministic stream of uniform numbers in [0, 1). */
export interface Random {
  /** Next uniform number in [0, 1). */
  next(): number;
  /** `value` scaled by a uniform factor in [1 - fraction, 1 + fraction]. */
  jitter(value: number, fraction: number): number;
  /** True with probability `p`. */
  chance(p: number): boolean;
}

/** Creates the stream for `seed` and `label` (the label derives an independent sub-seed). */
export function makeRandom(seed: number, label = ""): Random {
  const rng = xoroshiro128plus(hash32(`${seed}/${label}`));
  const next = () => uniformFloat64(rng);
  // xoroshiro's first outputs from small seeds are poorly mixed; discard a few.
  for (let i = 0; i < 8; i++) rng.next();
  return {
    next,
    jitter: (value, fraction) => value * (1 + fraction * (2 * next() - 1)),
    chance: (p) => p > 0 && next() < p,
  };
}

/**
 * Replaces `Math.random` with a PRNG seeded from `seed` until the returned function restores it. The model's SDK
 * clients retry with the SDK's own strategy (sim/aws/rdsModel.ts), whose backoff jitter calls `Math.random`; a run
 * is single-threaded on the engine, so seeding it keeps the same seed giving the same report.
 */
export function seedMathRandom(seed: number): () => void {
  const saved = Math.random;
  const r = makeRandom(seed, "sdk-backoff");
  Math.random = r.next;
  return () => {
    Math.random = saved;
  };
}

function hash32(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}
