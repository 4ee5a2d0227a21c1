/**
 * Which party manages a KMS key (`KeyManager`: `AWS` or `CUSTOMER`), remembered for the life of the Lambda container
 * (issue 10 item 1: "cache DescribeKey per key for the container's life").
 *
 * `KeyManager` is a property of the key's type, fixed when it is created: AWS creates and controls AWS managed keys,
 * customers create customer managed keys (AWS KMS cryptographic details, "Basic concepts",
 * https://docs.aws.amazon.com/kms/latest/cryptographic-details/basic-concepts), and no API changes one into the
 * other ("You cannot edit any properties of AWS managed keys",
 * https://docs.aws.amazon.com/kms/latest/developerguide/editing-keys.html), so a cached answer never goes stale. A failed lookup is not remembered: the next snapshot (or run) asks again, so a key policy fixed meanwhile
 * takes effect at once.
 *
 * The cache belongs to one handler instance. The deployed handler is built once at module load
 * (functions/share/index.ts), so in Lambda it lives as long as the container; the simulator and tests build one
 * handler per stack or test, so no answer leaks between simulated worlds whose key ARNs may repeat.
 */
import { DescribeKeyCommand } from "@aws-sdk/client-kms";
import type { AwsClients } from "./clients";

/** Keys remembered at most; a Sharer sees one key per source DB at worst, so this bounds memory, not hits. */
export const KEY_MANAGER_CACHE_SIZE = 1_000;

/** `KeyManager` per key ARN (or id), looked up with one `DescribeKey` per key per container. */
export interface KeyManagerCache {
  /** The key's `KeyManager` (`AWS`, `CUSTOMER`, or undefined when KMS returns none). */
  get(region: string, keyId: string): Promise<string | undefined>;
  /** Keys currently remembered (tests). */
  readonly size: number;
}

/**
 * Builds a cache over `clients`. Concurrent lookups of one key share one request (the promise is cached); the
 * oldest entry is dropped once {@link KEY_MANAGER_CACHE_SIZE} keys are held.
 */
export function keyManagerCache(clients: AwsClients, maxSize = KEY_MANAGER_CACHE_SIZE): KeyManagerCache {
  const cache = new Map<string, Promise<string | undefined>>();
  return {
    get(region, keyId) {
      const cacheKey = `${region}|${keyId}`;
      const hit = cache.get(cacheKey);
      if (hit) return hit;
      const kms = clients.kms(region);
      const lookup = (async () => (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata?.KeyManager)();
      // Forget a failure, so the next lookup asks KMS again (e.g. after the key policy was fixed).
      lookup.catch(() => {
        if (cache.get(cacheKey) === lookup) cache.delete(cacheKey);
      });
      cache.set(cacheKey, lookup);
      if (cache.size > maxSize) {
        const oldest = cache.keys().next().value;
        if (oldest !== undefined) cache.delete(oldest);
      }
      return lookup;
    },
    get size() {
      return cache.size;
    },
  };
}
