/**
 * @hrm/server: Hierarchical Reasoning Models as a reasoning tool for language models. One long-lived
 * process loads checkpoints once and answers puzzles over an HTTP JSON API (Hono) and the Model
 * Context Protocol (stdio and streamable HTTP); every answer is judged by the task's exact checker.
 *
 * Reading order: service.ts (what a request does), scheduler.ts (batching across callers), http.ts
 * (routes, limits, errors), mcp.ts (the tools), codecs.ts and schema.ts (io-ts codecs that know their
 * JSON Schema), openapi.ts, server.ts (listening and shutdown), cli.ts (`hrm serve`, `hrm mcp`).
 *
 * @packageDocumentation
 * @module @hrm/server
 */
export type { CommandArgs } from './cli.js';
export { mcpCommand, serveCommand } from './cli.js';
export type {
  ErrorBody,
  Health,
  Limits,
  ModelInfo,
  ModelList,
  SegmentTrace,
  SolveBatchRequest,
  SolveBatchResult,
  SolveRequest,
} from './codecs.js';
export {
  DEFAULT_LIMITS,
  ErrorBody as ErrorBodyCodec,
  Health as HealthCodec,
  ModelInfo as ModelInfoCodec,
  ModelList as ModelListCodec,
  requestCodecs,
  SegmentTrace as SegmentTraceCodec,
  SolveBatchResult as SolveBatchResultCodec,
  SolveResult,
} from './codecs.js';
export type { ErrorCode } from './errors.js';
export { ApiError, ERROR_STATUS } from './errors.js';
export type { AppOptions, HttpApp } from './http.js';
export { createApp } from './http.js';
export type { StdioMcp } from './mcp.js';
export { renderResult, serveStdio } from './mcp.js';
export type { ModelRegistry, ModelSource, ServedModel } from './models.js';
export { defaultCheckpointDir, loadModels, ModelSourceError, registryOf } from './models.js';
export type { RouteExamples } from './openapi.js';
export { EXAMPLES, openApiDocument } from './openapi.js';
export type { Batching, BatchRunner, PuzzleRun, SchedulerStats, SubmitOptions } from './scheduler.js';
export { DEFAULT_BATCHING, runPuzzles, Scheduler } from './scheduler.js';
export type { JsonSchema, ObjectOf, Problem, Schema } from './schema.js';
export { problems } from './schema.js';
export type { RunningServer, ServerOptions } from './server.js';
export { startServer } from './server.js';
export type { ServiceOptions, SolveInput } from './service.js';
export { SolveService, taskFamily } from './service.js';
