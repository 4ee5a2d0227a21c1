/**
 * The one stack-config reader, fed stack files exactly as `pulumi config set` writes them and the strings Pulumi
 * hands the program for the same stack. Fixtures are written by hand from the `pulumi config set` reference
 * (https://www.pulumi.com/docs/iac/cli/commands/pulumi_config_set/): top-level values are always strings; inside a
 * `--path`, true/false become booleans and integers not starting with 0 become numbers (pulumi/pulumi#18285);
 * `--secret` writes `{secure: ...}`; `--type int` writes a YAML number.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import {
  DEFAULTS,
  loadStackFile,
  type PilotLightConfig,
  readStackConfig,
  readStackValues,
  resolveStackFile,
} from "../../config";
import { closest, editDistance } from "../../config/coerce";
import { parseRecoverySettings } from "../../functions/restore/stackConfig";

const dir = mkdtempSync(join(tmpdir(), "rpl-reader-"));
function stackFile(name: string, text: string): string {
  const file = join(dir, `Pulumi.${name}.yaml`);
  writeFileSync(file, text);
  return file;
}
function problems(file: string): string[] {
  try {
    loadStackFile(file);
  } catch (err) {
    return (err as Error).message.split("\n");
  }
  throw new Error("expected a ConfigError");
}
const comparable = (c: PilotLightConfig) => ({ ...c, source: "", unchecked: undefined });

// $ pulumi stack init prod
// $ pulumi config set aws:region eu-west-1
// $ pulumi config set rds-pilot-light:role source
// $ pulumi config set rds-pilot-light:rpoMinutes 90
// $ pulumi config set --path 'rds-pilot-light:drAccounts[0]' 222222222222
// $ pulumi config set --path 'rds-pilot-light:retention.allHours' 48
// $ pulumi config set --path 'rds-pilot-light:retention.minKeep' 5
// $ pulumi config set rds-pilot-light:deleteIntermediateCopy false   (role source ignores it; string at top level)
// $ pulumi config set --type int rds-pilot-light:maxDbs 2
// $ pulumi config set --type int rds-pilot-light:manualSnapshotQuota 200
// $ pulumi config set --path 'rds-pilot-light:alerts.emails[0]' dba@example.com
// $ pulumi config set --secret --path 'rds-pilot-light:alerts.httpsEndpoints[0]' https://hooks.example.com/T0/B0/x
const SET_BY_CLI = `config:
  aws:region: eu-west-1
  rds-pilot-light:alerts:
    emails:
      - dba@example.com
    httpsEndpoints:
      - secure: v1:Sx4ZqL0s3pXyYb1Q:Zm9vYmFyYmF6cXV4cXV1eA==
  rds-pilot-light:drAccounts:
    - 222222222222
  rds-pilot-light:manualSnapshotQuota: 200
  rds-pilot-light:maxDbs: 2
  rds-pilot-light:retention:
    allHours: 48
    minKeep: 5
  rds-pilot-light:role: source
  rds-pilot-light:rpoMinutes: "90"
`;
// What the program receives for the same stack at preview: every key a string, lists and objects as JSON with the
// secret leaf decrypted (pulumi/pulumi#3342).
const AT_PREVIEW: Record<string, string> = {
  "aws:region": "eu-west-1",
  "rds-pilot-light:alerts": '{"emails":["dba@example.com"],"httpsEndpoints":["https://hooks.example.com/T0/B0/x"]}',
  "rds-pilot-light:drAccounts": "[222222222222]",
  "rds-pilot-light:manualSnapshotQuota": "200",
  "rds-pilot-light:maxDbs": "2",
  "rds-pilot-light:retention": '{"allHours":48,"minKeep":5}',
  "rds-pilot-light:role": "source",
  "rds-pilot-light:rpoMinutes": "90",
};

describe("readStackConfig: values as pulumi config set writes them", () => {
  it("accepts a stack file written by pulumi config set, with and without --path, --secret and --type", () => {
    const c = loadStackFile(stackFile("cli", SET_BY_CLI));
    expect(c.rpoMinutes).toBe(90);
    expect(c.drAccounts).toEqual(["222222222222"]);
    expect(c.maxDbs).toBe(2);
    expect(c.retention).toEqual({ ...DEFAULTS.retention, allHours: 48, minKeep: 5 });
    expect(c.alerts).toEqual({ emails: ["dba@example.com"], httpsEndpoints: [] });
    expect(c.unchecked).toEqual(["rds-pilot-light:alerts.httpsEndpoints[0]"]);
  });

  it("reads the values the program receives at preview to the same configuration", () => {
    const fromFile = loadStackFile(stackFile("cli", SET_BY_CLI));
    const atPreview = readStackConfig(AT_PREVIEW, "Pulumi.cli.yaml");
    expect(atPreview.alerts.httpsEndpoints).toEqual(["https://hooks.example.com/T0/B0/x"]);
    expect(comparable(atPreview)).toEqual({
      ...comparable(fromFile),
      alerts: { ...fromFile.alerts, httpsEndpoints: ["https://hooks.example.com/T0/B0/x"] },
    });
  });

  it.each([
    ["a top-level string number", 'rds-pilot-light:rpoMinutes: "120"', { rpoMinutes: 120 }],
    ["a YAML number (--type int)", "rds-pilot-light:rpoMinutes: 120", { rpoMinutes: 120 }],
    [
      "a top-level string boolean",
      'rds-pilot-light:copyMode: two-step\n  rds-pilot-light:deleteIntermediateCopy: "true"',
      { deleteIntermediateCopy: true },
    ],
    ["a list as a JSON string", "rds-pilot-light:retiredDbs: '[\"old-db\"]'", { retiredDbs: ["old-db"] }],
    ["a regex that looks like a number", 'rds-pilot-light:dbIdRegex: "123"', { dbIdRegex: "123" }],
    ["a regex written as a YAML number", "rds-pilot-light:dbIdRegex: 123", { dbIdRegex: "123" }],
  ])("accepts %s", (_what, line, expected) => {
    const file = stackFile(
      "one",
      `config:\n  aws:region: eu-west-1\n  rds-pilot-light:role: dr\n  rds-pilot-light:sourceAccounts:\n    - "111111111111"\n  rds-pilot-light:drRegion: eu-central-1\n  ${line}\n`,
    );
    expect(loadStackFile(file)).toMatchObject(expected);
  });

  it("accepts restore keys set with --path: an account id and minutes as numbers, a flag as a boolean", () => {
    // $ pulumi config set --path 'rds-pilot-light:restore.accountId' 222222222222
    // $ pulumi config set --path 'rds-pilot-light:restore.rtoMinutes' 120
    // $ pulumi config set --path 'rds-pilot-light:restore.multiAz' true
    // $ pulumi config set --path 'rds-pilot-light:restore.subnetGroup' dr-db-subnets
    const c = loadStackFile(
      stackFile(
        "restore",
        `config:
  aws:region: eu-west-1
  rds-pilot-light:restore:
    accountId: 222222222222
    multiAz: true
    rtoMinutes: 120
    subnetGroup: dr-db-subnets
  rds-pilot-light:role: dr
  rds-pilot-light:sourceAccounts:
    - 111111111111
`,
      ),
    );
    const s = parseRecoverySettings(c.restore, c);
    expect(s).toMatchObject({
      accountId: "222222222222",
      multiAz: true,
      rtoMinutes: 120,
      subnetGroup: "dr-db-subnets",
    });
    expect(c.sourceAccounts).toEqual(["111111111111"]);
  });

  it("tells the user to quote an account id whose leading zero YAML dropped", () => {
    // Hand-edited: `- 012345678901` unquoted. (pulumi config set --path keeps it a string: it starts with 0.)
    const file = stackFile(
      "zero",
      "config:\n  aws:region: eu-west-1\n  rds-pilot-light:role: source\n  rds-pilot-light:drAccounts:\n    - 012345678901\n",
    );
    expect(problems(file)).toEqual([
      "rds-pilot-light:drAccounts[0] must be a 12-digit AWS account id (got the number 12345678901); YAML reads an unquoted number and drops its leading zeros, so write the id in quotes as it is written in AWS; fix it in Pulumi.zero.yaml.",
    ]);
  });

  it("names the key and file of a value that is not a number", () => {
    const file = stackFile(
      "ten",
      'config:\n  aws:region: eu-west-1\n  rds-pilot-light:role: source\n  rds-pilot-light:drAccounts: ["222222222222"]\n  rds-pilot-light:maxDbs: ten\n',
    );
    expect(problems(file)).toEqual([
      'rds-pilot-light:maxDbs must be a whole number of DBs (got "ten"); fix it in Pulumi.ten.yaml.',
    ]);
  });

  it("reports a problem after a secret list element at the index the file uses", () => {
    const file = stackFile(
      "secidx",
      `config:
  aws:region: eu-west-1
  rds-pilot-light:role: source
  rds-pilot-light:drAccounts: ["222222222222"]
  rds-pilot-light:alerts:
    httpsEndpoints:
      - secure: AAABAJ0dGVzdA==
      - http://not-https.example.com
`,
    );
    expect(problems(file)).toEqual([
      'rds-pilot-light:alerts.httpsEndpoints[1] must be an https:// URL (got "http://not-https.example.com"); fix it in Pulumi.secidx.yaml.',
    ]);
  });
});

describe("readStackConfig: misspellings", () => {
  const base = {
    "aws:region": "eu-west-1",
    "rds-pilot-light:role": "source",
    "rds-pilot-light:drAccounts": '["222222222222"]',
  };

  it.each([
    [
      { "rds-pilot-light:rol": "dr" },
      'rds-pilot-light:rol is not a known key; did you mean role? (got "dr"); fix it in Pulumi.x.yaml.',
    ],
    [
      { "rds-pilot-light:rpoMinute": "90" },
      'rds-pilot-light:rpoMinute is not a known key; did you mean rpoMinutes? (got "90"); fix it in Pulumi.x.yaml.',
    ],
    [
      { "rds-pilot-lite:rpoMinutes": "90" },
      'rds-pilot-lite:rpoMinutes is in namespace "rds-pilot-lite", which this program never reads; did you mean rds-pilot-light:rpoMinutes? Fix it in Pulumi.x.yaml.',
    ],
    [
      { "rds-pilotlight:maxDb": "3" },
      'rds-pilotlight:maxDb is in namespace "rds-pilotlight", which this program never reads; did you mean rds-pilot-light:maxDbs? Fix it in Pulumi.x.yaml.',
    ],
    [
      { rpoMinutes: "90" },
      "rpoMinutes has no namespace, so this program never reads it; did you mean rds-pilot-light:rpoMinutes? Fix it in Pulumi.x.yaml.",
    ],
  ])("%j", (extra, message) => {
    expect(() => readStackConfig({ ...base, ...extra }, "Pulumi.x.yaml")).toThrow(message);
  });

  it("leaves other programs' namespaces alone", () => {
    expect(readStackConfig({ ...base, "aws:profile": "prod", "pulumi:tags": "{}" }, "Pulumi.x.yaml").role).toBe(
      "source",
    );
  });

  it("says did-you-mean inside the restore block", () => {
    expect(() =>
      parseRecoverySettings({ subnetGroups: "x" }, { region: "eu-west-1", source: "Pulumi.x.yaml" }),
    ).toThrow(
      "rds-pilot-light:restore.subnetGroups is not a known key; did you mean subnetGroup?; fix it in Pulumi.x.yaml.",
    );
  });

  it("reports every problem of the namespace and the values together, one line each", () => {
    const lines = (() => {
      try {
        readStackConfig({ ...base, "rds-pilot-lite:rpoMinutes": "90", "rds-pilot-light:maxDbs": "0" }, "Pulumi.x.yaml");
      } catch (err) {
        return (err as Error).message.split("\n");
      }
      return [];
    })();
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^rds-pilot-lite:rpoMinutes is in namespace/);
    expect(lines[1]).toBe("rds-pilot-light:maxDbs must be at least 1 (got 0); fix it in Pulumi.x.yaml.");
  });
});

describe("resolveStackFile", () => {
  const project = mkdtempSync(join(tmpdir(), "rpl-project-"));
  writeFileSync(join(project, "Pulumi.prod.yaml"), "config: {}\n");
  mkdirSync(join(project, "stacks"));
  writeFileSync(join(project, "stacks", "dr.yaml"), "config: {}\n");

  it.each([
    ["prod", join(project, "Pulumi.prod.yaml")],
    ["acme/prod", join(project, "Pulumi.prod.yaml")],
    ["Pulumi.prod.yaml", join(project, "Pulumi.prod.yaml")],
    ["stacks/dr.yaml", join(project, "stacks", "dr.yaml")],
  ])("%s -> %s", (arg, file) => {
    expect(resolveStackFile(arg, project)).toBe(file);
  });

  it("names the file it looked for", () => {
    expect(() => resolveStackFile("staging", project)).toThrow(
      `stack "staging": no stack file ${join(project, "Pulumi.staging.yaml")}`,
    );
    expect(() => resolveStackFile("Pulumi.nope.yaml", project)).toThrow("stack file");
  });
});

describe("readStackValues", () => {
  it("applies the defaults Pulumi.yaml declares, then the stack file's values", () => {
    const project = mkdtempSync(join(tmpdir(), "rpl-defaults-"));
    writeFileSync(
      join(project, "Pulumi.yaml"),
      "name: rds-pilot-light\nruntime: nodejs\nconfig:\n  rpoMinutes:\n    type: integer\n    default: 60\n  maxDbs:\n    type: integer\n    default: 1\n",
    );
    writeFileSync(join(project, "Pulumi.s.yaml"), 'config:\n  rds-pilot-light:maxDbs: "4"\n');
    expect(readStackValues(join(project, "Pulumi.s.yaml"))).toEqual({
      "rds-pilot-light:rpoMinutes": 60,
      "rds-pilot-light:maxDbs": "4",
    });
  });
});

describe("closest", () => {
  it.each([
    ["rol", "role"],
    ["rpominutes", "rpoMinutes"],
    ["drAccount", "drAccounts"],
    ["sourceAcounts", "sourceAccounts"],
    ["colour", undefined],
  ])("%s -> %s", (word, guess) => {
    expect(closest(word, ["role", "rpoMinutes", "drAccounts", "sourceAccounts", "maxDbs"])).toBe(guess);
  });

  it("counts edits", () => {
    expect(editDistance("rds-pilot-lite", "rds-pilot-light")).toBe(3);
    expect(editDistance("", "abc")).toBe(3);
  });
});
