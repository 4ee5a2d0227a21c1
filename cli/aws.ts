/**
 * AWS access for the operator CLI: one client per (profile, region, service), credentials from the named profile
 * (`profile` client option: SSO, role chaining, static keys, as the AWS CLI reads them) or the default chain.
 * Tests replace {@link CliAws} with clients bound to aws-sdk-client-mock.
 */
import { RDSClient } from "@aws-sdk/client-rds";
import { SFNClient } from "@aws-sdk/client-sfn";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { errorMessage, errorName } from "../functions/lib/errors";
import { CliError } from "./errors";

/** Client factory of the CLI. `profile` undefined = the SDK's default credential chain. */
export interface CliAws {
  rds(profile: string | undefined, region: string): RDSClient;
  sfn(profile: string | undefined, region: string): SFNClient;
  sts(profile: string | undefined, region: string): STSClient;
}

/** Live clients, cached. */
export function liveAws(): CliAws {
  const cache = new Map<string, unknown>();
  const get = <T>(kind: string, profile: string | undefined, region: string, make: () => T): T => {
    const key = `${kind}|${profile ?? ""}|${region}`;
    if (!cache.has(key)) cache.set(key, make());
    return cache.get(key) as T;
  };
  const opts = (profile: string | undefined, region: string) => ({
    region,
    maxAttempts: 6,
    retryMode: "adaptive" as const,
    ...(profile ? { profile } : {}),
  });
  return {
    rds: (p, r) => get("rds", p, r, () => new RDSClient(opts(p, r))),
    sfn: (p, r) => get("sfn", p, r, () => new SFNClient(opts(p, r))),
    sts: (p, r) => get("sts", p, r, () => new STSClient(opts(p, r))),
  };
}

const CREDENTIAL_ERRORS = new Set([
  "CredentialsProviderError",
  "TokenProviderError",
  "ExpiredToken",
  "ExpiredTokenException",
  "InvalidClientTokenId",
  "UnrecognizedClientException",
  "SignatureDoesNotMatch",
]);

/** Turns credential failures into one clear line naming the profile. Other errors pass through. */
export function credentialError(err: unknown, profile: string | undefined): CliError | undefined {
  if (!CREDENTIAL_ERRORS.has(errorName(err))) return undefined;
  const who = profile ? `profile "${profile}"` : "the default credential chain (no --profile)";
  const fix = profile
    ? `run \`aws sso login --profile ${profile}\` or check ~/.aws/config`
    : "pass --profile, set AWS_PROFILE, or run `aws configure`";
  return new CliError(`no usable AWS credentials from ${who}: ${errorMessage(err).split("\n")[0]}; ${fix}`, {
    cause: err,
  });
}

/**
 * Account of a profile (STS GetCallerIdentity), checked against what the stack expects. `expect.oneOf` lists the
 * acceptable accounts; `expect.notIn` accounts the profile must not belong to (e.g. a source account for DR).
 */
export async function checkAccount(
  aws: CliAws,
  profile: string | undefined,
  region: string,
  what: string,
  expect: { oneOf?: readonly string[]; notIn?: readonly string[]; stack: string },
): Promise<string> {
  let account: string | undefined;
  try {
    account = (await aws.sts(profile, region).send(new GetCallerIdentityCommand({}))).Account;
  } catch (err) {
    throw credentialError(err, profile) ?? err;
  }
  if (!account)
    throw new CliError(`STS returned no account for ${profile ? `profile "${profile}"` : "the default credentials"}`);
  const label = profile ? `--profile ${profile}` : "the default credentials";
  if (expect.oneOf && expect.oneOf.length > 0 && !expect.oneOf.includes(account)) {
    throw new CliError(
      `wrong account: ${label} is account ${account}, but ${expect.stack} expects the ${what} account ${expect.oneOf.join(" or ")}`,
    );
  }
  if (expect.notIn?.includes(account)) {
    throw new CliError(
      `wrong account: ${label} is account ${account}, a source account in ${expect.stack}; use a profile of the ${what} account`,
    );
  }
  return account;
}
