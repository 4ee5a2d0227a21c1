/**
 * Stack configuration: schema, validation and derivations. Pure (no Pulumi resources), shared by `index.ts`, the
 * simulator and the CLI.
 */
export * from "./derive";
export * from "./read";
export * from "./schema";
