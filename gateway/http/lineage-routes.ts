// GET /api/why/<event id | device | room>: the same explanation as `firstlight why --json`.
import type { LineageReader } from '../lineage/reader.ts';
import { why } from '../lineage/why.ts';
import { HttpError, sendJson, type Route } from './router.ts';

export function lineageRoutes(deps: { lineage: LineageReader; now(): number }): Route[] {
  return [
    {
      path: '/api/why/:target',
      handler({ res, params, url }) {
        const effects = url.searchParams.get('effects');
        const answer = why(deps.lineage, params.target!, { now: new Date(deps.now()), effects: effects === '1' || effects === 'true' });
        if (!answer) throw new HttpError(404, 'FL_ERR_NOT_FOUND', `nothing in the log is called "${params.target}"`);
        sendJson(res, 200, answer);
      },
    },
  ];
}
