// The ceiling: plain aedes in its own process with TCP_NODELAY (publish -> subscriber; no rules, no log).
import { serveBroker } from './broker-child.ts';

await serveBroker('plain aedes started');
