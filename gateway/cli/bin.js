#!/usr/bin/env node
// The firstlight command. The runtime and the rules are TypeScript, loaded through tsx: no build step.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('./main.ts');
const code = await main(process.argv.slice(2));
// Exit explicitly: a handle left open by a library must not keep a finished command running.
process.exit(code);
