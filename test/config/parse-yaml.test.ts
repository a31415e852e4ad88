// The config file's YAML parser is loaded for the call and let go: nothing of it stays loaded.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { parseYaml } from '../../gateway/config/parse-yaml.ts';

describe('parseYaml', () => {
  it('parses the config file and leaves no module of the parser loaded', () => {
    const cache = createRequire(import.meta.url).cache;
    const before = Object.keys(cache).length;
    expect(parseYaml('mqtt:\n  port: 1884\nrules: { dir: ./rules }\n')).toEqual({ mqtt: { port: 1884 }, rules: { dir: './rules' } });
    expect(Object.keys(cache).length).toBe(before);
    // And again: loaded afresh, it still parses.
    expect(parseYaml('- a\n- b\n')).toEqual(['a', 'b']);
  });

  it('throws a YAML error with its position for malformed text', () => {
    expect(() => parseYaml('mqtt:\n  port: [1884\n')).toThrow(/line|column|Flow sequence/i);
  });
});
