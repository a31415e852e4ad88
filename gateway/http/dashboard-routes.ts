// Serves the dashboard: a few static files (HTML, CSS, one script), read once at start. They hold no
// data, so they are served without a token; the data they fetch is not.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Route } from './router.ts';
import { packagePath } from '../package-root.ts';

const DIR = packagePath('gateway/http/dashboard/');
const FILES: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/lineage.js': { file: 'lineage.js', type: 'text/javascript; charset=utf-8' },
  '/views.js': { file: 'views.js', type: 'text/javascript; charset=utf-8' },
  '/app.css': { file: 'app.css', type: 'text/css; charset=utf-8' },
  '/icon.svg': { file: 'icon.svg', type: 'image/svg+xml' },
};

/** No inline script or style, nothing from elsewhere, never framed. */
const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** Paths that are the dashboard shell (public). */
export const DASHBOARD_PATHS = new Set(Object.keys(FILES));

export function dashboardRoutes(): Route[] {
  return Object.entries(FILES).map(([path, { file, type }]) => {
    const body = readFileSync(join(DIR, file));
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 16)}"`;
    return {
      path,
      handler({ req, res }) {
        const headers = { 'content-type': type, etag, 'cache-control': 'no-cache', 'content-security-policy': CSP };
        if (req.headers['if-none-match'] === etag) {
          res.writeHead(304, headers);
          res.end();
          return;
        }
        res.writeHead(200, { ...headers, 'content-length': body.length });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
    };
  });
}
