// Loads the device adapters shipped in devices/ and creates each with its config section.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { importModules } from '../engine/rule-loader.ts';
import { FirstlightError } from '../errors.ts';
import type { DeviceAdapter, DeviceDefinition } from '../sdk/device.ts';
import { packagePath } from '../package-root.ts';

/** The package's own devices/ directory. */
export const SHIPPED_DEVICES_DIR = packagePath('devices/');

/** Topic-prefix adapters are asked first so a specific prefix wins over a broad one. */
const ORDER = ['cloudevents'];

export async function loadAdapters(options: Record<string, unknown>, dir = SHIPPED_DEVICES_DIR): Promise<DeviceAdapter[]> {
  const files = readdirSync(dir)
    .filter((f) => /^[^._].*\.ts$/.test(f) && !f.endsWith('.d.ts'))
    .map((f) => join(dir, f));
  const compiled = await importModules(files);
  const definitions: DeviceDefinition[] = [];
  for (const file of files) {
    const mod = (await compiled.load(file)) as { default?: DeviceDefinition };
    // Helper modules of an adapter have no default export.
    if (mod.default && typeof mod.default.create === 'function') definitions.push(mod.default);
  }
  const known = new Set(definitions.map((d) => d.name));
  const unknown = Object.keys(options).filter((k) => !known.has(k));
  if (unknown.length > 0) {
    throw new FirstlightError('FL_ERR_CONFIG_INVALID', 'invalid configuration', unknown.map((k) => `devices.${k}: no device adapter is named "${k}" (known: ${[...known].join(', ')})`));
  }
  // Plain comparison: names are ASCII, and localeCompare would load ICU's collation data (~3 MB of memory).
  definitions.sort((a, b) => rank(a.name) - rank(b.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return definitions.map((d) => {
    const parsed = d.options.safeParse(options[d.name] ?? {});
    if (!parsed.success) {
      throw new FirstlightError('FL_ERR_CONFIG_INVALID', 'invalid configuration', parsed.error.issues.map((i) => `devices.${d.name}.${i.path.map(String).join('.')}: ${i.message}`));
    }
    return d.create(parsed.data);
  });
}

function rank(name: string): number {
  const i = ORDER.indexOf(name);
  return i === -1 ? ORDER.length : i;
}
