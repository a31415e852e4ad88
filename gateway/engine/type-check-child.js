// Type-checks one rule file in a child process (a program build takes seconds; the gateway's event
// loop must not wait for it). Plain JavaScript, so it starts without tsx. Prints one JSON line:
// { problems: [{ line, column, message }] } for diagnostics in that file, or { error } if it could not check.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

const [file, fallbackConfig] = process.argv.slice(2);
const out = (value) => process.stdout.write(`${JSON.stringify(value)}\n`);

try {
  const ts = createRequire(import.meta.url)('typescript');
  // The nearest tsconfig.json above the rule (a user's own rules project), else firstlight's own.
  const configFile = ts.findConfigFile(dirname(file), ts.sys.fileExists) ?? fallbackConfig;
  const host = { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} };
  const parsed = ts.getParsedCommandLineOfConfigFile(configFile, { noEmit: true }, host);
  if (!parsed) throw new Error(`cannot read ${configFile}`);
  const program = ts.createProgram({ rootNames: [file], options: parsed.options });
  const sourceFile = program.getSourceFile(file);
  if (!sourceFile) throw new Error(`the compiler did not read ${file}`);
  // Only this file's problems: an error elsewhere (in the SDK, in another rule) is not this file's fault.
  const diagnostics = [...program.getSyntacticDiagnostics(sourceFile), ...program.getSemanticDiagnostics(sourceFile)];
  out({
    config: configFile,
    problems: diagnostics.map((d) => {
      const at = d.start === undefined ? undefined : sourceFile.getLineAndCharacterOfPosition(d.start);
      return {
        line: at && at.line + 1,
        column: at && at.character + 1,
        message: `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`,
      };
    }),
  });
} catch (err) {
  out({ error: err instanceof Error ? err.message : String(err) });
}
