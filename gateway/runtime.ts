// The entry of the gateway's build (dist/firstlight.js, made by gateway/build.js): the command line,
// and the SDK that compiled rules and device adapters import, so that they share this module's copy.
import { useSdkFrom } from './engine/compile-modules.ts';

useSdkFrom(import.meta.url);

export * from './sdk/index.ts';
export { main } from './cli/main.ts';
