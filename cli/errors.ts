/** An error the CLI reports as one line per problem (no stack trace unless `--debug`), with its exit code. */
export class CliError extends Error {
  /** 1: the operation failed (or the stack is invalid); 2: bad usage. */
  readonly exitCode: number;
  /** The individual problems (a stack file with several bad keys), for `--json`. */
  readonly problems: readonly string[];
  constructor(message: string, options?: { cause?: unknown; exitCode?: number; problems?: readonly string[] }) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = "CliError";
    this.exitCode = options?.exitCode ?? 1;
    this.problems = options?.problems ?? [message];
  }
}

/** A usage error (exit code 2). */
export function usage(message: string): CliError {
  return new CliError(message, { exitCode: 2 });
}
