// Acknowledge only what is stored: a QoS 1 message from a broker is PUBACKed after the commit that
// made it durable, in the order the messages arrived, and never on another connection.
import type { IPublishPacket, MqttClient } from 'mqtt';

/** Takes one message; calls `ack` once what it became is committed (err null) or failed. */
export type DeferredHandler = (packet: IPublishPacket, ack: (err: Error | null) => void) => void;

// mqtt.js sends the PUBACK when handleMessage's callback succeeds, and reads no further packet until
// then: one commit per message. Failing the callback with this marker skips its PUBACK and lets it
// read on, so the broker's whole in-flight window (Mosquitto: 20) rides on one group commit.
const DEFERRED = Object.assign(new Error('acknowledgement deferred until commit'), { deferred: true });

/**
 * Installs deferred acknowledgements on a fresh client. `onFailure` is told when a commit failed:
 * later messages cannot be acknowledged before it [MQTT-4.6.0-2], so the caller drops the connection
 * and the broker redelivers everything unacknowledged in the next session [MQTT-4.4.0-1].
 */
export function deferAcks(client: MqttClient, handle: DeferredHandler, onFailure: (err: Error) => void): { pending(): number } {
  const queue: Array<{ messageId: number; ready: boolean }> = [];
  let failed = false;

  client.handleMessage = (packet, callback) => {
    if (packet.qos === 0) {
      handle(packet, () => {});
      return callback();
    }
    const entry = { messageId: packet.messageId!, ready: false };
    queue.push(entry);
    handle(packet, (err) => {
      if (failed) return;
      if (err) {
        failed = true;
        queue.length = 0;
        return onFailure(err);
      }
      entry.ready = true;
      // [MQTT-4.6.0-2]: PUBACKs go out in the order the PUBLISH packets were received.
      while (queue[0]?.ready) {
        const { messageId } = queue.shift()!;
        // A client that lost its connection sends nothing: its unacknowledged messages come again.
        if (client.connected) sendPuback(client, messageId);
      }
    });
    callback(DEFERRED);
  };
  return { pending: () => queue.length };
}

function sendPuback(client: MqttClient, messageId: number): void {
  // mqtt.js has no public call for a bare PUBACK; _sendPacket is what its own publish handler uses.
  (client as unknown as { _sendPacket(packet: { cmd: 'puback'; messageId: number }): void })._sendPacket({ cmd: 'puback', messageId });
}
