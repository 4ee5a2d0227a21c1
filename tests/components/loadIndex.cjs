// Loads index.ts the way the Pulumi Node.js language host does with Pulumi.yaml's runtime options
// (`typescript: false`, `nodeargs: "--import tsx"`): plain `require` of the program under `node --import tsx`, with the
// stack configuration in PULUMI_CONFIG. Resources go to mocks; prints the registered resource types as JSON.
const path = require("node:path");
const pulumi = require("@pulumi/pulumi");

async function main() {
  const types = [];
  let constructed = 0;
  await pulumi.runtime.setMocks(
    {
      newResource(args) {
        types.push(args.type);
        const name = args.inputs.name ?? args.name;
        return { id: `${args.name}-id`, state: { ...args.inputs, name, arn: `arn:aws:lambda:eu-west-1:111111111111:function:${name}` } };
      },
      call(args) {
        if (args.token === "aws:index/getCallerIdentity:getCallerIdentity") return { accountId: "111111111111" };
        throw new Error(`unmocked call ${args.token}`);
      },
    },
    "rds-pilot-light",
    process.env.STACK ?? "prod",
    true,
  );
  await pulumi.runtime.runInPulumiStack(async () => {
    pulumi.runtime.registerStackTransformation(() => {
      constructed++;
      return undefined;
    });
    require(path.resolve(__dirname, "..", "..", "index.ts"));
    return {};
  });
  let stable = 0;
  while (stable < 20) {
    const before = constructed;
    await new Promise((r) => setImmediate(r));
    stable = types.length > constructed && before === constructed ? stable + 1 : 0;
  }
  process.stdout.write(JSON.stringify(types));
}

main().catch((err) => {
  // A RunError is what the language host prints without a stack trace.
  const name = pulumi.RunError.isInstance(err) ? "RunError" : err?.name;
  process.stderr.write(`${name}: ${err?.message}\n`);
  process.exit(1);
});
