// For operators and their tools: GET /health (JSON, 503 when failing) and GET /metrics (Prometheus).
import type { Health } from './health.ts';
import type { Metrics } from './metrics.ts';
import { sendJson, type Route } from './router.ts';

export function opsRoutes(deps: { health: Health; metrics: Metrics }): Route[] {
  return [
    {
      path: '/health',
      handler({ res }) {
        const report = deps.health.report();
        sendJson(res, report.status === 'failing' ? 503 : 200, report);
      },
    },
    {
      path: '/metrics',
      async handler({ res }) {
        const text = await deps.metrics.render();
        res.writeHead(200, { 'content-type': deps.metrics.contentType, 'content-length': Buffer.byteLength(text) });
        res.end(res.req.method === 'HEAD' ? undefined : text);
      },
    },
  ];
}
