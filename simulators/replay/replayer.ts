// Plays a recording back: the bridge announces the recorded devices, then each device message is
// published at its recorded time on the given clock (a scaled clock replays a day in minutes).
import type { Clock, DeviceSimulationCodec } from 'firstlight';
import { createAgenda } from '../agenda.ts';
import type { SimTransport } from '../transport.ts';
import type { Recording } from './recording.ts';

export interface Replayer {
  /** Announces the devices and schedules every message. The clock should start at `recording.start`. */
  start(): void;
  stop(): void;
  /** Resolves when the last message has been published (or the replay was stopped). */
  readonly done: Promise<void>;
  readonly published: number;
}

export function createReplayer(deps: { recording: Recording; clock: Clock; transport: SimTransport; codec?: DeviceSimulationCodec | undefined }): Replayer {
  const { recording, transport } = deps;
  const agenda = createAgenda(deps.clock);
  let published = 0;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));

  return {
    start() {
      const own = recording.devices.filter((d) => d.kinds.length > 0);
      if (deps.codec && own.length > 0) transport.publish(deps.codec.encodeDeviceList(own));
      if (recording.messages.length === 0) finish();
      recording.messages.forEach(({ at, message }, i) => {
        agenda.at(at, () => {
          transport.publish(message);
          published++;
          if (i === recording.messages.length - 1) finish();
        });
      });
    },
    stop() {
      agenda.stop();
      finish();
    },
    done,
    get published() {
      return published;
    },
  };
}
