/**
 * Packages our dependencies load only when an optional feature is switched on: DBOS's
 * OpenTelemetry export and winston logging, DBOS enterprise, pg's native driver, piscina's thread
 * priorities. None is installed, so every bundle (the Lambda's, the worker image's) leaves them
 * out instead of failing to resolve them.
 */
export const OPTIONAL_DEPENDENCIES = [
  "@dbos-inc/dbos-enterprise",
  "@opentelemetry/*",
  "winston",
  "winston-transport",
  "pg-native",
  "@napi-rs/nice",
];
