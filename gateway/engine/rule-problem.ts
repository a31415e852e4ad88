// Turns why a rule file could not be loaded into one line that names the file and the line:
// "rules/hall.ts:3:12: Unexpected ";"", whatever part (esbuild, the module, the loader) refused it.

/** Where in a file, and what. */
export interface RuleProblem {
  line?: number | undefined;
  column?: number | undefined;
  message: string;
}

/** "rules/hall.ts:3:12: message" (or "rules/hall.ts:3: message", "rules/hall.ts: message"). */
export function formatProblem(display: string, p: RuleProblem): string {
  const at = p.line === undefined ? display : p.column === undefined ? `${display}:${p.line}` : `${display}:${p.line}:${p.column}`;
  return `${at}: ${p.message}`;
}

/** Several problems of one file in one line, the first few in full. */
export function formatProblems(display: string, problems: RuleProblem[], max = 5): string {
  const shown = problems.slice(0, max).map((p) => formatProblem(display, p));
  if (problems.length > max) shown.push(`(and ${problems.length - max} more)`);
  return shown.join('; ');
}

/** Messages of rule-loader.ts's checks of the default export (its shape, its name, its options). */
const LOADER_CHECK = /^(does not default-export|rule name|invalid options)/;

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Finds where a load error points in `file`. A compile error reads "path:line:col: ERROR: msg"
 * (compile-modules.ts); an error thrown while the module ran has the file's frame in its
 * (source-mapped) stack; the loader's own checks (the default export, the name, the options) point
 * at no line, so they get the line of the file's `export default`, which is what they are about.
 */
export function problemOf(file: string, err: unknown, source?: string): RuleProblem {
  const error = err instanceof Error ? err : new Error(String(err));
  const path = escape(file);
  const esbuild = new RegExp(`${path}:(\\d+):(\\d+): ERROR: (.*)`).exec(error.message);
  // esbuild counts columns from 0; editors, tsc and stack traces from 1.
  if (esbuild) return { line: Number(esbuild[1]), column: Number(esbuild[2]) + 1, message: esbuild[3]! };
  const frame = new RegExp(`(?:file://)?${path}(?:\\?[^:)\\s]*)?:(\\d+):(\\d+)`).exec(error.stack ?? '');
  if (frame) return { line: Number(frame[1]), column: Number(frame[2]), message: `${error.name}: ${error.message}` };
  if (!LOADER_CHECK.test(error.message) || source === undefined) return { message: error.message };
  const exportLine = source.split('\n').findIndex((l) => /^\s*export\s+default\b/.test(l));
  return { line: exportLine >= 0 ? exportLine + 1 : undefined, message: error.message };
}
