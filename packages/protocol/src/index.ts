export * from "./common.ts";
export * from "./messages.ts";
export * from "./frames.ts";
export * from "./parse.ts";
export * from "./interventions.ts";
export * from "./access.ts";
export * from "./safetensors.ts";
export * from "./report.ts";
