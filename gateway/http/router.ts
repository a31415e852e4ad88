// A small router for a read-only API: GET routes with `:param` segments, JSON replies and errors
// with stable codes. Enough for a dozen routes; no framework to keep up with.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ErrorCode } from '../errors.ts';

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** Path parameters, percent-decoded (a device name "hall/ceiling" arrives as "hall%2Fceiling"). */
  params: Record<string, string>;
}

export type Handler = (ctx: RequestContext) => void | Promise<void>;

export interface Route {
  /** e.g. "/api/events/:id" */
  path: string;
  handler: Handler;
}

/** An error a client can act on: sent as { error: { code, message } } with this status. */
export class HttpError extends Error {
  readonly status: number;
  readonly code: ErrorCode;
  readonly headers: Record<string, string>;

  constructor(status: number, code: ErrorCode, message: string, headers: Record<string, string> = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.headers = headers;
  }
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(res.req.method === 'HEAD' ? undefined : text);
}

export function sendError(res: ServerResponse, err: HttpError): void {
  sendJson(res, err.status, { error: { code: err.code, message: err.message } }, err.headers);
}

interface Compiled {
  parts: Array<{ literal: string } | { param: string }>;
  handler: Handler;
}

export interface Router {
  /** The handler for a path, with its parameters; undefined when no route matches. */
  match(pathname: string): { handler: Handler; params: Record<string, string> } | undefined;
}

export function createRouter(routes: Route[]): Router {
  const compiled: Compiled[] = routes.map((r) => ({
    parts: r.path
      .split('/')
      .slice(1)
      .map((p) => (p.startsWith(':') ? { param: p.slice(1) } : { literal: p })),
    handler: r.handler,
  }));
  return {
    match(pathname) {
      // Split before decoding, so an encoded "/" stays inside its segment.
      const segments = pathname.split('/').slice(1);
      for (const route of compiled) {
        if (route.parts.length !== segments.length) continue;
        const params: Record<string, string> = {};
        let ok = true;
        for (let i = 0; i < segments.length && ok; i++) {
          const part = route.parts[i]!;
          if ('literal' in part) ok = part.literal === segments[i];
          else if (segments[i] === '') ok = false;
          else params[part.param] = decodeSegment(segments[i]!);
        }
        if (ok) return { handler: route.handler, params };
      }
      return undefined;
    },
  };
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new HttpError(400, 'FL_ERR_HTTP_BAD_REQUEST', `bad percent-encoding in "${segment}"`);
  }
}
