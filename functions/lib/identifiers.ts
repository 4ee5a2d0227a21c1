/**
 * Deterministic snapshot identifiers.
 *
 * RDS rules (CreateDBSnapshot / CreateDBClusterSnapshot API reference): 1-255 characters for DB snapshots,
 * 1-63 for cluster snapshots (stored lowercase); letters, digits and hyphens; first character a letter; no two
 * consecutive hyphens; no trailing hyphen. We use lowercase and at most 63 characters for both kinds, so one
 * scheme fits every DB identifier (which are themselves up to 63 characters).
 */
import { BoundedCache } from "./boundedCache";
import type { DbKind } from "./model";

/** Prefix of every identifier this tool creates. */
export const ID_PREFIX = "rpl";
/** Maximum identifier length we emit (the cluster snapshot limit, also fine for instances). */
export const MAX_ID_LENGTH = 63;
/** Maximum length of DB instance snapshot identifiers (for validation of foreign ids). */
export const MAX_INSTANCE_SNAPSHOT_ID_LENGTH = 255;

const VALID_ID = /^[a-zA-Z](?:[a-zA-Z0-9]|-(?!-))*$/;

/** True when `id` is a valid RDS snapshot identifier for `kind`. */
export function isValidSnapshotId(id: string, kind: DbKind): boolean {
  const max = kind === "cluster" ? MAX_ID_LENGTH : MAX_INSTANCE_SNAPSHOT_ID_LENGTH;
  return id.length >= 1 && id.length <= max && VALID_ID.test(id) && !id.endsWith("-");
}

/**
 * `2026-11-25T06:30:00Z` -> `20261125-0630` (UTC, minute resolution). Remembered per minute: planners name every
 * snapshot they read by it, and the same few minutes recur across runs (a warm Lambda keeps the cache; the
 * simulator's check loop made ~1.5 % of its CPU formatting ISO strings; docs/performance.md). An invalid date is
 * never cached, and still throws as `toISOString` does.
 */
export function timeSlug(at: Date): string {
  return slugByMinute.get(Math.floor(at.getTime() / MINUTE_MS), slugOf, at);
}
function slugOf(_minute: number, at: Date): string {
  const iso = at.toISOString(); // always UTC
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}`;
}
const MINUTE_MS = 60_000;
const slugByMinute = new BoundedCache<number, string>(100_000);

/** Short stable hash (FNV-1a, base36) used when a name has to be shortened, so shortened names stay unique. */
export function shortHash(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h.toString(36).padStart(7, "0").slice(0, 7);
}

/** Makes any string a run of valid identifier characters: lowercase, [a-z0-9-], no double/edge hyphens. */
export function sanitize(part: string): string {
  return part
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^-+|-+$/g, "");
}

/**
 * Joins `rpl`, the middle parts and the time slug into a valid identifier of at most {@link MAX_ID_LENGTH}
 * characters. When too long, the middle is cut and a hash of the full middle appended, so two long DB names
 * that share a prefix still get different identifiers.
 */
export function buildIdentifier(middle: readonly string[], at: Date): string {
  return `${ID_PREFIX}-${identifierBody(middle)}-${timeSlug(at)}`;
}

/**
 * The middle of an identifier: sanitized parts, cut and hashed when too long (the slug is always 13 characters).
 * Remembered per parts for the one- and two-part names ({@link sourceSnapshotId}, {@link drCopyId}): sanitizing is
 * three regular-expression replaces, and every run names the same few DBs again (the Checker names a copy on every
 * poll). The body depends on the parts alone, so the cache is valid across invocations of a warm Lambda; it is
 * emptied when it grows past {@link BODIES_MAX}.
 */
function identifierBody(middle: readonly string[]): string {
  if (middle.length === 1) return bodyOfOne.get(middle[0]!, bodyOfPart);
  if (middle.length === 2) return bodyOfBoth(middle[0]!, middle[1]!);
  return computeBody(middle);
}
const BODIES_MAX = 10_000;
const bodyOfPart = (part: string): string => computeBody([part]);
const bodyOfBoth = (first: string, second: string): string =>
  bodyOfTwo.get(first, newBodies).get(second, bodyOfPair, first);
const bodyOfPair = (second: string, first: string): string => computeBody([first, second]);
const newBodies = (): BoundedCache<string, string> => new BoundedCache(BODIES_MAX);
const bodyOfOne = new BoundedCache<string, string>(BODIES_MAX);
const bodyOfTwo = new BoundedCache<string, BoundedCache<string, string>>(BODIES_MAX);

function computeBody(middle: readonly string[]): string {
  const mid = middle
    .map(sanitize)
    .filter((p) => p.length > 0)
    .join("-");
  const room = MAX_ID_LENGTH - ID_PREFIX.length - SLUG_LENGTH - 2; // two joining hyphens
  let body = mid;
  if (body.length > room) {
    const hash = shortHash(mid);
    body = `${sanitize(mid.slice(0, room - hash.length - 1))}-${hash}`;
  }
  return body;
}

/** Length of {@link timeSlug}'s result (`yyyymmdd-hhmm`). */
const SLUG_LENGTH = 13;

/**
 * The parts of {@link drCopyId} for a planner that names many copies in one run: `drCopyId(a, db, at)` is
 * `` `${ID_PREFIX}-${drCopyIdBody(a, db)}-${timeSlug(at)}` ``, so the body is worked out once per account and DB and
 * the slug once per minute.
 */
export function drCopyIdBody(sourceAccount: string, dbId: string): string {
  return bodyOfBoth(sourceAccount, dbId);
}

/** Identifier of the manual snapshot the Taker creates of `dbId` for the schedule slot starting at `slot`. */
export function sourceSnapshotId(dbId: string, slot: Date): string {
  return buildIdentifier([dbId], slot);
}

/**
 * Identifier of a DR copy. It includes the source account so that many source accounts can copy DBs with the
 * same name into one DR account without colliding; the time is the recovery point of the original.
 */
export function drCopyId(sourceAccount: string, dbId: string, recoveryPoint: Date): string {
  return buildIdentifier([sourceAccount, dbId], recoveryPoint);
}

/** Start of the schedule slot containing `now` for an interval in minutes (UTC epoch-aligned). */
export function slotStart(now: Date, intervalMinutes: number): Date {
  const ms = intervalMinutes * 60_000;
  return new Date(Math.floor(now.getTime() / ms) * ms);
}
