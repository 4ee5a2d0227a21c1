/** An error the CLI reports as one line (no stack trace unless `--debug`), with its exit code. */
export class CliError extends Error {
  /** 1: the operation failed; 2: bad usage or input. */
  readonly exitCode: number;
  constructor(message: string, options?: { cause?: unknown; exitCode?: number }) {
    super(message, options?.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = "CliError";
    this.exitCode = options?.exitCode ?? 1;
  }
}

/** A usage error (exit code 2). */
export function usage(message: string): CliError {
  return new CliError(message, { exitCode: 2 });
}
