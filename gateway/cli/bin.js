#!/usr/bin/env node
// The firstlight command. It runs the gateway's build (dist/firstlight.js), made again first when a
// file it was made from, or the lockfile, is newer; rule files are compiled as they load
// (gateway/engine/compile-modules.ts).
import { pathToFileURL } from 'node:url';
import { ensureBuilt } from '../build.js';

const { main } = await import(pathToFileURL(await ensureBuilt()).href);
const code = await main(process.argv.slice(2));
// Exit explicitly: a handle left open by a library must not keep a finished command running.
process.exit(code);
