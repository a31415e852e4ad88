#!/usr/bin/env node
// The firstlight command. The runtime and the rules are TypeScript, loaded through tsx: no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
process.exitCode = await main(process.argv.slice(2));
