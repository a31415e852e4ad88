// The commented config file `firstlight init` writes: every setting with its default spelled out.
// test/ops/init.test.ts checks that it parses to exactly the schema's defaults and names every key.

export interface TemplateValues {
  site: string;
  /** Where the log goes, as written in the file (relative to the file, or absolute). */
  data: string;
  rules: string;
  /** scrypt hash of the HTTP token, when one was made. */
  httpTokenHash?: string | undefined;
  /** Device users made by init: name -> scrypt hash of the password it printed. */
  mqttUsers?: Record<string, string> | undefined;
  createdAt: string;
}

/** `users: {}`, or one line per device user made by init (its password was printed once). */
function usersBlock(users: Record<string, string> | undefined): string {
  const names = Object.keys(users ?? {});
  if (names.length === 0) return '  users: {}';
  return ['  users:', ...names.map((n) => `    ${n}: { passwordHash: '${users![n]}' }`)].join('\n');
}

export function configTemplate(v: TemplateValues): string {
  return `# firstlight configuration, made by "firstlight init" on ${v.createdAt}.
# Every setting shows its default: change what you need, delete what you don't. Relative paths are
# relative to this file. Flags (--mqtt-port ...) and FIRSTLIGHT_* variables override this file.
# Check a change with "firstlight doctor --config <this file>" before restarting.

# Names this gateway in every event's source: /sites/<site>/...
site: ${v.site}

# IANA time zone of schedules that name none. Default: the system's.
# timezone: Europe/Berlin

mqtt:
  # The embedded broker. 127.0.0.1 lets only programs on this machine connect (Zigbee2MQTT on the
  # same Pi); 0.0.0.0 lets devices on the network connect, and then needs users below.
  host: 127.0.0.1
  port: 1883
  # Larger messages are kept as input.rejected events instead of being decoded.
  maxPayloadBytes: 2000000
  # Device users. With any, every client logs in and may publish only to <user>/# and
  # cloudevents/<user>/#, and subscribe within <user>/# (publish: and subscribe: change that;
  # admin: true may subscribe to anything). Make a hash with "firstlight passwd <user>", e.g.
  #   zigbee2mqtt: { passwordHash: 'scrypt$...' }
${usersBlock(v.mqttUsers)}
  # An mqtts listener (TLS 1.2 and up) beside the plain one:
  # tls: { port: 8883, cert: /etc/firstlight/cert.pem, key: /etc/firstlight/key.pem }
  # Checked before any work is done for a client.
  limits:
    # A larger packet closes the connection before it is read.
    maxPacketBytes: 2000000
    maxTopicLevels: 16
    maxTopicLength: 1024
    # A connection that has not sent CONNECT by then is closed.
    connectTimeout: 10s
    maxConnections: 500
    # Messages kept for an offline device with a persistent session; newer ones are dropped.
    offlineQueue: 1000

http:
  # The API and the dashboard. Beyond loopback they need a token (firstlight token).
  host: 127.0.0.1
  port: 8080
${v.httpTokenHash ? `  # The hash of the token "firstlight init" printed once (the token itself is stored nowhere).\n  tokenHash: ${v.httpTokenHash}` : '  # tokenHash: <made by "firstlight token">'}

# The event log (a SQLite database) and its backups' source: "firstlight backup <file>".
data: ${v.data}

rules:
  # TypeScript rule files, loaded at start. Those "firstlight init" copied are the shipped ones.
  dir: ${v.rules}
  # Options per rule, checked by each rule's own schema, e.g.
  #   room-presence: { vacancyDelay: 10m, rooms: { bathroom: { vacancyDelay: 3m } } }
  options: {}
  # Where rules run that do not say (isolation in defineRule): worker (a worker thread with a heap
  # limit: a rule that runs out of memory or loops is stopped and struck, the gateway goes on) or
  # inline (the gateway's own thread: quicker per call, no memory containment). The shipped rules
  # say inline.
  isolation: worker
  # Heap limit of the rule worker, in MB.
  workerHeapMb: 64

# Options per device adapter, e.g.
#   zigbee2mqtt:
#     baseTopic: zigbee2mqtt
#     devices:
#       0x00158d0001a2b3c4: { room: hall }
devices: {}

storage:
  # FULL: a commit survives power loss before it is acknowledged (an fsync per group commit, run
  # beside the event loop). NORMAL: it survives a crash of firstlight, but a power cut may undo the
  # commits since the last checkpoint (checkpointInterval), acknowledged ones too; fewer fsyncs.
  synchronous: FULL
  # SQLite page size of a new log (1024, 2048, 4096 or 8192; an existing log keeps its own). Every
  # commit writes each page it touched in full: 1024 writes ~2.2x fewer bytes per event than 4096
  # at a building's rates (SD-card wear); the file is ~12% larger, throughput at saturation ~7% lower.
  pageSize: 1024
  # The longest the write-ahead log waits to be copied into the database file (sooner once 1,000
  # events are waiting). Each copy writes every page changed since the last, once: waiting longer
  # writes less at a building's rates.
  checkpointInterval: 10s
  # Lower wear on an SD card: QoS 0 messages (Zigbee2MQTT's default) wait up to this long to be
  # committed together; 0s commits at once. QoS 1 messages are never delayed. The cost: a reaction
  # to a QoS 0 message waits as long, and a crash or power cut loses up to this much QoS 0 input.
  # See docs/raspberry-pi.md ("Writes and SD cards") for what it saves.
  qos0CommitInterval: 0s
  # Old events are pruned, by age and size, per event type (an exact type, or a prefix "sensor.*").
  # Never pruned: what a rule has not processed yet, causes of kept events, events with pending timers.
  retention:
    enabled: true
    maxAge: 30d
    maxBytes: 1GiB
    types:
      input.rejected: { maxAge: 7d }
    interval: 1h
    # A run that would delete more than this share of the log at once is refused (a wrong clock?).
    maxDeleteFraction: 0.1

commands:
  # A command not sent within this time (the gateway was down) is expired instead of sent late.
  maxAge: 1m
  # How long a device has to report the commanded state before the command is sent again; 0s: off.
  confirmTimeout: 5s
  # How many times an unconfirmed command is sent again before it is recorded as failed.
  retries: 2

# Use an existing MQTT broker instead of the embedded one:
# broker:
#   url: mqtt://localhost:1883

# Forward events to a central broker:
# uplink:
#   url: mqtts://central.example:8883

log:
  # fatal, error, warn, info, debug, trace or silent
  level: info
  # auto: pretty on a terminal, JSON lines otherwise (for journald)
  format: auto
`;
}
