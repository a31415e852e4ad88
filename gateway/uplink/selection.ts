// What leaves the building and where it goes: the type allow-list and the upstream topic layout.
import type { LoggedEvent } from '../events/event.ts';

/**
 * "room.entered" matches that type, "sensor.*" every type starting with "sensor.", "*" all. An empty
 * list matches nothing: forwarding is opt-in, type by type.
 */
export function typeMatcher(patterns: readonly string[]): (type: string) => boolean {
  if (patterns.includes('*')) return () => true;
  const exact = new Set(patterns.filter((p) => !p.endsWith('.*')));
  const prefixes = patterns.filter((p) => p.endsWith('.*')).map((p) => p.slice(0, -1));
  if (prefixes.length === 0) return (type) => exact.has(type);
  return (type) => exact.has(type) || prefixes.some((p) => type.startsWith(p));
}

/**
 * The topic of a forwarded event from a template: {site}, {type}, {key} (the partitionkey, "_" when
 * there is none) and {subject} ("_" when there is none). Values are made topic-safe: a wildcard or
 * NUL in them would make the PUBLISH invalid [MQTT-3.3.2-2], an empty level is replaced by "_".
 */
export function topicLayout(template: string, site: string): (event: LoggedEvent) => string {
  const parts = template.split(/(\{site\}|\{type\}|\{key\}|\{subject\})/);
  const safe = (value: string | undefined): string => (value ? value.replace(/[+#\u0000]/g, '_') : '_');
  const siteValue = safe(site);
  return (event) => {
    let topic = '';
    for (const part of parts) {
      switch (part) {
        case '{site}':
          topic += siteValue;
          break;
        case '{type}':
          topic += safe(event.type);
          break;
        case '{key}':
          topic += safe(event.partitionkey);
          break;
        case '{subject}':
          topic += safe(event.subject);
          break;
        default:
          topic += part;
      }
    }
    return topic;
  };
}

/** The inbox filter with the site filled in ("sites/{site}/inbox/#" -> "sites/home/inbox/#"). */
export function inboxFilter(template: string, site: string): string {
  return template.replaceAll('{site}', site);
}
