/** Re-export: the polyfill lives with the simulator, which needs it at run time too. */
export { polyfillPromiseWithResolvers } from "../../sim/polyfills";
