// `firstlight doctor`: checks what goes wrong on a Raspberry Pi and says how to fix each problem.
import { runDoctor } from '../ops/doctor/doctor.ts';
import type { Finding } from '../ops/doctor/finding.ts';
import { configFlags, configFlagsHelp, configFromFlags, parseArgs } from './options.ts';

const HELP = `Usage: firstlight doctor [options]

Checks this machine and setup: the Node.js version, free disk and the data directory's filesystem,
whether the clock is synchronised, the rules directory's permissions and whether the rules load,
whether the MQTT and HTTP ports are free, and the log's integrity (SQLite quick_check). Safe to run
while the gateway runs. Exits 1 when something needs fixing, 0 otherwise (warnings included).

Options:
      --json              one JSON finding per line
      --no-ports          leave out the port checks
${configFlagsHelp}`;

const LABEL: Record<Finding['status'], string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' };

export async function runDoctorCommand(argv: string[]): Promise<number> {
  const { values } = parseArgs({ args: argv, options: { ...configFlags, json: { type: 'boolean' }, ports: { type: 'boolean', default: true } }, allowNegative: true });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const config = configFromFlags(values);
  const findings = await runDoctor(config, { skipPorts: values.ports === false });
  if (values.json) {
    for (const f of findings) process.stdout.write(JSON.stringify(f) + '\n');
  } else {
    const width = Math.max(...findings.map((f) => f.check.length));
    for (const f of findings) {
      process.stdout.write(`${LABEL[f.status]}  ${f.check.padEnd(width)}  ${f.message}\n`);
      if (f.fix) process.stdout.write(`      ${' '.repeat(width)}  fix: ${f.fix}\n`);
    }
    const failed = findings.filter((f) => f.status === 'fail').length;
    const warned = findings.filter((f) => f.status === 'warn').length;
    process.stdout.write(failed ? `\n${failed} problem${failed === 1 ? '' : 's'} to fix${warned ? `, ${warned} warning${warned === 1 ? '' : 's'}` : ''}.\n` : `\nnothing to fix${warned ? ` (${warned} warning${warned === 1 ? '' : 's'})` : ''}.\n`);
  }
  return findings.some((f) => f.status === 'fail') ? 1 : 0;
}
