// Loads the device adapters shipped in devices/ and creates each with its config section.
import { readdirSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { join } from 'node:path';
import { importTs } from '../engine/rule-loader.ts';
import { FirstlightError } from '../errors.ts';
import type { DeviceAdapter, DeviceDefinition } from '../sdk/device.ts';

/** The package's own devices/ directory. */
export const SHIPPED_DEVICES_DIR = fileURLToPath(new URL('../../devices/', import.meta.url));

/** Topic-prefix adapters are asked first so a specific prefix wins over a broad one. */
const ORDER = ['cloudevents'];

export async function loadAdapters(options: Record<string, unknown>, dir = SHIPPED_DEVICES_DIR): Promise<DeviceAdapter[]> {
  const files = readdirSync(dir).filter((f) => /^[^._].*\.ts$/.test(f) && !f.endsWith('.d.ts'));
  const definitions: DeviceDefinition[] = [];
  for (const f of files) {
    const mod = (await importTs(pathToFileURL(join(dir, f)).href)) as { default?: DeviceDefinition };
    // Helper modules of an adapter have no default export.
    if (mod.default && typeof mod.default.create === 'function') definitions.push(mod.default);
  }
  const known = new Set(definitions.map((d) => d.name));
  const unknown = Object.keys(options).filter((k) => !known.has(k));
  if (unknown.length > 0) {
    throw new FirstlightError('FL_ERR_CONFIG_INVALID', 'invalid configuration', unknown.map((k) => `devices.${k}: no device adapter is named "${k}" (known: ${[...known].join(', ')})`));
  }
  definitions.sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
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
