export * from "./key-ring.js";
export * from "./scope.js";
export * from "./tokens.js";
export * from "./links.js";
