// Topic access control, deny by default: which topics a user may publish to and which filters it
// may subscribe with, from patterns where %u stands for the user name and %c for the client id,
// as in Mosquitto's acl_file `pattern` lines.

export interface AclPolicy {
  /** Topic filters the user may publish to (a publish topic must match one). */
  publish: readonly string[];
  /** Topic filters the user may subscribe within (a subscription must be covered by one). */
  subscribe: readonly string[];
  /** May read $SYS and subscribe to anything. Publishing to $SYS stays refused for everyone. */
  admin?: boolean | undefined;
}

/** A policy with %u and %c filled in for one connection; cheap to ask per message. */
export interface Acl {
  canPublish(topic: string): boolean;
  canSubscribe(filter: string): boolean;
}

/** What a device gets when its policy names no topics: its own namespace, nothing else. */
export const DEFAULT_DEVICE_POLICY: AclPolicy = {
  publish: ['%u/#', 'cloudevents/%u/#'],
  subscribe: ['%u/#'],
};

/**
 * Fills in %u and %c. A substitution must be a whole topic level, as in Mosquitto; and a name that
 * contains a wildcard or a "/" would widen the pattern, so such a name gets a pattern that matches
 * nothing.
 */
export function substitute(pattern: string, username: string, clientId: string): string | undefined {
  const levels = pattern.split('/');
  const out: string[] = [];
  for (const level of levels) {
    if (level === '%u' || level === '%c') {
      const value = level === '%u' ? username : clientId;
      if (value === '' || /[+#/]/.test(value)) return undefined;
      out.push(value);
    } else out.push(level);
  }
  return out.join('/');
}

export function compileAcl(policy: AclPolicy, username: string, clientId: string): Acl {
  const publish = policy.publish.map((p) => substitute(p, username, clientId)).filter((p): p is string => p !== undefined);
  const subscribe = policy.subscribe.map((p) => substitute(p, username, clientId)).filter((p): p is string => p !== undefined);
  const admin = policy.admin === true;
  return {
    canPublish(topic) {
      // aedes refuses $SYS publishes for everyone before this; kept here so the rule stands alone.
      if (topic.startsWith('$')) return false;
      for (const p of publish) if (matches(p, topic)) return true;
      return false;
    },
    canSubscribe(filter) {
      if (admin) return true;
      for (const p of subscribe) if (covers(p, filter)) return true;
      return false;
    },
  };
}

/** Whether `topic` (no wildcards) matches `filter` [MQTT-4.7]. */
export function matches(filter: string, topic: string): boolean {
  // [MQTT-4.7.2-1] a filter starting with a wildcard does not match topics starting with "$".
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  let f = 0;
  let t = 0;
  for (;;) {
    const fEnd = indexOrEnd(filter, f);
    const level = filter.slice(f, fEnd);
    if (level === '#') return true;
    const tEnd = indexOrEnd(topic, t);
    if (t > topic.length) return false;
    if (level !== '+' && level !== topic.slice(t, tEnd)) return false;
    const fDone = fEnd >= filter.length;
    const tDone = tEnd >= topic.length;
    if (fDone || tDone) {
      // "a/#" also matches "a" [MQTT-4.7.1-2].
      if (fDone && tDone) return true;
      return tDone && filter.slice(fEnd + 1) === '#';
    }
    f = fEnd + 1;
    t = tEnd + 1;
  }
}

/** Whether every topic that `filter` can match is also matched by `pattern`. */
export function covers(pattern: string, filter: string): boolean {
  if (filter.startsWith('$') && (pattern.startsWith('+') || pattern.startsWith('#'))) return false;
  const p = pattern.split('/');
  const f = filter.split('/');
  for (let i = 0; i < f.length; i++) {
    const pl = p[i];
    const fl = f[i]!;
    if (pl === '#') return true;
    if (pl === undefined) return false;
    if (fl === '#') return false;
    if (pl === '+') continue;
    if (fl === '+' || fl !== pl) return false;
  }
  // The filter ended: it is covered if the pattern ends here too, or continues only with "#".
  return p.length === f.length || (p.length === f.length + 1 && p[f.length] === '#');
}

function indexOrEnd(s: string, from: number): number {
  const i = s.indexOf('/', from);
  return i === -1 ? s.length : i;
}

/**
 * Command topics, on which a retained message would switch a device again at every reconnect (a
 * stale "unlock"): a level "set" or "get" after the first (Zigbee2MQTT), or a first level "cmnd" or
 * "cmd" (Tasmota, and the generic convention).
 */
export function isCommandTopic(topic: string): boolean {
  return /^(?:cmnd|cmd)\/|\/(?:set|get)(?:\/|$)/.test(topic);
}
