/**
 * Installs `Promise.withResolvers` (ES2024) when missing. aws-local-stepfunctions calls it for every Task state and
 * declares Node >= 22; the deployed Lambdas run on nodejs22.x where it exists, but the tests, the simulator and the
 * CLI also run on Node 20 (this repository's toolchain), so the simulator installs it before each execution.
 */
export function polyfillPromiseWithResolvers(): void {
  const P = Promise as unknown as { withResolvers?: unknown };
  if (typeof P.withResolvers === "function") return;
  P.withResolvers = <T>() => {
    let resolve!: (value: T | PromiseLike<T>) => void;
    let reject!: (reason?: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}
