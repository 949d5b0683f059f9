/** RFC 9457 problem documents: how the storefront API says what went wrong, and with which part of a request. */
import type * as z from 'zod/mini';
import { type InvalidParam, PROBLEM_CONTENT_TYPE, type Problem } from './schemas.js';

/** A problem document as the HTTP response that carries it (`application/problem+json`). */
export const problemResponse = (problem: Problem, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(problem), {
    status: problem.status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...headers },
  });

/** An RFC 6901 JSON Pointer, in its URI fragment form (`#/items/0/sku`). */
export const pointerOf = (path: readonly PropertyKey[]): string =>
  `#${path.map((segment) => `/${String(segment).replaceAll('~', '~0').replaceAll('/', '~1')}`).join('')}`;

/**
 * Every invalid field of a failed parse, each named by its pointer with the schema's message. The
 * values themselves are never echoed: a problem document may be logged, and an order is not a log's to keep.
 * A field the schema does not know is named by its own pointer, one entry per field.
 */
export const invalidParamsOf = (error: z.core.$ZodError): InvalidParam[] =>
  error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({
          pointer: pointerOf([...issue.path, key]),
          detail: 'is not a field of an order',
        }))
      : [{ pointer: pointerOf(issue.path), detail: issue.message }],
  );
