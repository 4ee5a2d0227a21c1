/**
 * References to source DBs as operators write them: `dbId` (any source account) or `account/dbId`. A copy in the
 * DR account identifies its source DB by the tags `rpl-source-account` and `rpl-source-db`, so the same DB name in
 * two production accounts stays two DBs here.
 */
import { type Snapshot, stageOf } from "../lib/model";
import { TAG } from "../lib/tags";

/** A source DB reference; `account` undefined matches the DB name in any source account. */
export interface DbRef {
  readonly account?: string;
  readonly dbId: string;
}

const REF = /^(?:(\d{12})\/)?([A-Za-z][A-Za-z0-9-]{0,62})$/;

/** Parses one `dbId` or `account/dbId`; returns an error text instead of throwing, so callers name their field. */
export function parseDbRef(text: string): DbRef | string {
  const m = REF.exec(text.trim());
  if (!m) return `"${text}" is not a DB identifier or <12-digit account>/<DB identifier>`;
  return m[1] ? { account: m[1], dbId: m[2]! } : { dbId: m[2]! };
}

/** Parses a comma list of references (empty entries ignored); errors list every bad entry. */
export function parseDbRefList(text: string | undefined): { refs: DbRef[]; errors: string[] } {
  const refs: DbRef[] = [];
  const errors: string[] = [];
  for (const part of (text ?? "").split(",")) {
    if (part.trim() === "") continue;
    const r = parseDbRef(part);
    if (typeof r === "string") errors.push(r);
    else refs.push(r);
  }
  return { refs, errors };
}

/** Canonical key of a source DB: `account/dbId` (or `dbId` when the account is unknown). */
export function dbKey(account: string | undefined, dbId: string): string {
  return account ? `${account}/${dbId}` : dbId;
}

/** True when `ref` names the DB `dbId` of source account `account`. */
export function refMatches(ref: DbRef, account: string | undefined, dbId: string): boolean {
  return ref.dbId === dbId && (ref.account === undefined || ref.account === account);
}

/** Source account of a snapshot: our tag, else (for originals in the source account) the owner in its ARN. */
export function sourceAccountOf(s: Snapshot): string | undefined {
  const tagged = s.tags[TAG.sourceAccount];
  if (tagged) return tagged;
  return stageOf(s) === "source" && s.account ? s.account : undefined;
}
