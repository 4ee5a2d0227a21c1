/** Injected time source. Planners receive `now` as a value; only handlers call a clock. */
export type Clock = () => Date;

/** The real clock, used by the deployed Lambdas. */
export const systemClock: Clock = () => new Date();
