// The HTTP surface as the server itself documents it (GET /docs/json): every operation with its
// path parameters, query parameters and body schema. The fuzzer generates from this, so a route or
// field added tomorrow is fuzzed without anyone listing it.
import { UploadForm } from '../../../src/features/photos/photos.schemas.js';

export interface JsonSchema {
  type?: string | string[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  enum?: unknown[];
  const?: unknown;
  format?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  description?: string;
}

export interface Param {
  name: string;
  required: boolean;
  schema: JsonSchema;
}

export interface Operation {
  /** `POST /api/photos/{id}/like`: the key coverage is counted by. */
  key: string;
  method: string;
  /** OpenAPI template, `{name}` for path parameters. */
  path: string;
  pathParams: Param[];
  query: Param[];
  /** The body the operation takes, if any. */
  body?: { contentType: string; schema: JsonSchema; required: boolean; documented: boolean };
}

interface OpenApiDoc {
  paths: Record<string, Record<string, OpenApiOperation>>;
}

interface OpenApiOperation {
  parameters?: { in: string; name: string; required?: boolean; schema?: JsonSchema }[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: JsonSchema }> };
  summary?: string;
}

const METHODS = new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'options']);

export async function fetchOpenApi(baseUrl: string): Promise<OpenApiDoc> {
  const res = await fetch(`${baseUrl}/docs/json`, { signal: AbortSignal.timeout(10_000) });
  if (!res.ok) throw new Error(`GET /docs/json answered ${res.status}`);
  return (await res.json()) as OpenApiDoc;
}

/** Every documented operation. `gaps` collects what the document fails to say (reported, and filled in). */
export function operationsOf(doc: OpenApiDoc, gaps: string[] = []): Operation[] {
  const ops: Operation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      if (!METHODS.has(method)) continue;
      const M = method.toUpperCase();
      const params = op.parameters ?? [];
      const operation: Operation = {
        key: `${M} ${path}`,
        method: M,
        path,
        pathParams: params.filter((p) => p.in === 'path').map((p) => ({ name: p.name, required: true, schema: p.schema ?? {} })),
        query: params.filter((p) => p.in === 'query').map((p) => ({ name: p.name, required: p.required ?? false, schema: p.schema ?? {} })),
      };
      const content = op.requestBody?.content ?? {};
      const [contentType, media] = Object.entries(content)[0] ?? [];
      if (contentType && media?.schema) {
        operation.body = { contentType, schema: media.schema, required: op.requestBody?.required ?? false, documented: true };
      } else if (M === 'POST' && /multipart\/form-data/i.test(op.summary ?? '')) {
        // The upload route says "multipart/form-data" in its summary but documents no form: fuzz the
        // form photos.schemas.ts declares, and report the gap.
        gaps.push(`${operation.key}: the document has no requestBody for the multipart form (fuzzed with UploadForm from photos.schemas.ts)`);
        operation.body = { contentType: 'multipart/form-data', schema: UploadForm as unknown as JsonSchema, required: true, documented: false };
      }
      ops.push(operation);
    }
  }
  return ops.sort((a, b) => a.key.localeCompare(b.key));
}

/** The documented operation a concrete method and path would match, if any. */
export function matchOperation(ops: readonly Operation[], method: string, path: string): Operation | undefined {
  const segments = path.split('?')[0]!.split('/');
  return ops.find((op) => {
    if (op.method !== method) return false;
    const template = op.path.split('/');
    return template.length === segments.length && template.every((t, i) => t.startsWith('{') || t === segments[i]);
  });
}
