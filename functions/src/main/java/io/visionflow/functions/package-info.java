/**
 * Thin AWS Lambda handlers over the engine: the API function (API Gateway HTTP API events), the
 * per-action model and service workers, and the webhook sender. Each handler translates its event
 * and calls the engine in {@code shared}; it holds no business logic. Filled in by the AWS issue.
 */
package io.visionflow.functions;
