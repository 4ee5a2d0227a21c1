/**
 * Where a component's children live: a component takes an optional `region` and sets the per-resource `region`
 * input (`@pulumi/aws` v7, {@link regionInput}) only when it differs from the stack's `aws:region`, so children in
 * the stack region keep exactly the inputs (and URNs) they had before the component took its own args.
 */
import * as aws from "@pulumi/aws";

/** Region of a component's children, and the per-resource `region` to set (undefined = the stack's own). */
export interface Placement {
  /** Region the children are created in. */
  readonly region: string;
  /** Per-resource `region` input, set only outside the stack region. */
  readonly at: string | undefined;
}

/**
 * Resolves `region` against the stack's `aws:region` (the default provider's region). Throws, naming the field,
 * when neither is known.
 */
export function placement(who: string, region: string | undefined): Placement {
  const stackRegion = aws.config.region;
  const r = region ?? stackRegion;
  if (r === undefined || r === "") {
    throw new Error(`${who}: region is unset and the stack has no aws:region; pass args.region`);
  }
  return { region: r, at: r === stackRegion ? undefined : r };
}
