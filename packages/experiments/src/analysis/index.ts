/** Pure analysis math on Float32Array + shape; never imports tfjs (the dashboard may use it). */
export { circleOrderScore } from "./circle.ts";
export { linearFit, logLogSlope } from "./fit.ts";
