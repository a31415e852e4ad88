// The CloudEvents MQTT protocol binding (v1.0.2) as mqtt.js needs it, both ways: binary content mode
// with MQTT 5 user properties, or structured mode (the only one MQTT 3.1.1 can carry).
import type { IClientPublishOptions, IPublishPacket } from 'mqtt';

/** The structured-mode media type [binding 3.2, MQTT 5: Content Type]. */
export const CE_JSON = 'application/cloudevents+json; charset=utf-8';

export type ContentMode = 'binary' | 'structured';

export interface MqttPayload {
  payload: string;
  /** Only for MQTT 5; absent when there is nothing to say (see the traps below). */
  properties?: IClientPublishOptions['properties'];
}

/**
 * One event as an MQTT message. `event` is the CloudEvents JSON format (toCloudEventJson).
 * Binary mode needs MQTT 5: on 3.1.1 mqtt.js silently drops properties [binding 3.1: 3.1.1 is
 * always structured], so the caller picks structured there.
 */
export function encodeEvent(event: Record<string, unknown>, mode: ContentMode, mqtt5: boolean): MqttPayload {
  if (mode === 'structured') return { payload: JSON.stringify(event), ...(mqtt5 && { properties: { contentType: CE_JSON } }) };
  const { data, ...attributes } = event;
  const contentType = typeof attributes.datacontenttype === 'string' ? attributes.datacontenttype : undefined;
  // Trap 2 (mqttjs/MQTT.js#1969): an undefined property value throws inside mqtt-packet; and user
  // properties are strings [binding 3.1.1: the attribute's canonical string form].
  const userProperties: Record<string, string> = {};
  for (const [name, value] of Object.entries(attributes)) if (value !== undefined && value !== null) userProperties[name] = String(value);
  // datacontenttype goes in Content Type [binding 3.1.1]; it stays a user property too, because the
  // cloudevents SDK's MQTT.toEvent reads attributes from user properties only.
  const properties: NonNullable<IClientPublishOptions['properties']> = {};
  if (contentType !== undefined) properties.contentType = contentType;
  // Trap 1 (mqttjs/mqtt-packet#149): an empty userProperties object encodes to nothing and the
  // publish never settles. Never send one.
  if (Object.keys(userProperties).length > 0) properties.userProperties = userProperties;
  return {
    payload: data === undefined ? '' : typeof data === 'string' && !isJsonType(contentType) ? data : JSON.stringify(data),
    ...(Object.keys(properties).length > 0 && { properties }),
  };
}

/**
 * A received message as structured-mode JSON text (what the CloudEvents decoder takes). Structured
 * messages pass through; binary ones (attributes in user properties) are folded into one JSON
 * object [binding 3.1.2: a message with the required attributes as user properties is binary].
 */
export function toStructuredPayload(packet: Pick<IPublishPacket, 'payload' | 'properties'>): Buffer {
  const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
  const props = packet.properties;
  const user = props?.userProperties;
  if (props?.contentType?.startsWith('application/cloudevents') || !user || !('specversion' in user)) return payload;
  const event: Record<string, unknown> = {};
  // A repeated user property arrives as an array; an attribute has one value, so the first wins.
  for (const [name, value] of Object.entries(user)) event[name] = Array.isArray(value) ? value[0] : value;
  const contentType = props.contentType ?? (typeof event.datacontenttype === 'string' ? event.datacontenttype : undefined);
  if (contentType !== undefined) event.datacontenttype = contentType;
  if (payload.length > 0) {
    const text = payload.toString('utf8');
    if (isJsonType(contentType)) {
      try {
        event.data = JSON.parse(text);
      } catch {
        // Not the JSON it says it is: kept as text, so the decoder sees what was sent.
        event.data = text;
      }
    } else event.data = text;
  }
  return Buffer.from(JSON.stringify(event));
}

/** application/json, text/json and any +json type (RFC 6839); no content type means JSON here. */
function isJsonType(contentType: string | undefined): boolean {
  if (contentType === undefined) return true;
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' || type === 'text/json' || type.endsWith('+json');
}
