// GET /api/rules: each rule's version, lag, runs, failures, last error and processing time.
import { sendJson, type Route } from './router.ts';
import type { RuleRow } from './rules-view.ts';

export function rulesRoutes(rows: () => RuleRow[]): Route[] {
  return [{ path: '/api/rules', handler: ({ res }) => sendJson(res, 200, { rules: rows() }) }];
}
