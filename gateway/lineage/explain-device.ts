// Why a device is as it is: its current state, the last command it received and that command's chain
// back to the sensor facts, and whether the device confirmed it.
import type { EventData } from '../events/catalog.ts';
import type { LoggedEvent } from '../events/event.ts';
import type { DeviceKind } from '../sdk/device.ts';
import { formatTime } from './describe.ts';
import { explainEvent, node, type EventExplanation, type LineageNode } from './explain-event.ts';
import type { LineageReader } from './reader.ts';

export interface DeviceExplanation {
  kind: 'device';
  device: { name: string; room?: string | undefined; kinds: DeviceKind[]; adapter?: string | undefined; model?: string | undefined };
  /** The newest state the device reported (lights and switches). */
  state?: { on: boolean; brightness?: number | undefined; event: LineageNode } | undefined;
  availability?: { online: boolean; event: LineageNode } | undefined;
  /** The newest command for the device, with its causes and outcome. */
  lastCommand?: EventExplanation | undefined;
  /** For devices that report rather than obey: their newest fact in recent history, and its effects. */
  lastReport?: EventExplanation | undefined;
  /** The answer in one sentence. */
  sentence: string;
}

/** How far back in its room's stream a sensor's newest report is looked for. */
const REPORT_SCAN = 2000;

function newest(...events: Array<LoggedEvent | undefined>): LoggedEvent | undefined {
  return events.reduce<LoggedEvent | undefined>((a, b) => (b && (!a || b.seq > a.seq) ? b : a), undefined);
}

export function explainDevice(reader: LineageReader, name: string, now: Date): DeviceExplanation {
  const { log } = reader;
  const info = reader.devices.get(name);
  const stateEvent = newest(log.latestOfDevice(name, 'light.state'), log.latestOfDevice(name, 'switch.state'));
  const command = log.latestOfDevice(name, 'command.light');
  const availabilityEvent = log.latestOfDevice(name, 'device.availability');
  const kinds = info?.kinds ?? [];
  const out: DeviceExplanation = {
    kind: 'device',
    device: { name, room: info?.room ?? stateEvent?.partitionkey ?? command?.partitionkey, kinds, adapter: info?.adapter, model: info?.model },
    sentence: '',
  };
  if (stateEvent) {
    const s = stateEvent.data as EventData<'light.state'>;
    out.state = { on: s.on, brightness: s.brightness, event: node(stateEvent) };
  }
  if (availabilityEvent) out.availability = { online: (availabilityEvent.data as EventData<'device.availability'>).online, event: node(availabilityEvent) };
  if (command) out.lastCommand = explainEvent(reader, command, { now });

  const obeys = kinds.includes('light') || kinds.includes('switch') || stateEvent !== undefined || command !== undefined;
  if (!obeys) {
    const room = out.device.room;
    const report = room === undefined ? undefined : log.latestReportInKey(room, name, REPORT_SCAN);
    if (report) out.lastReport = explainEvent(reader, report, { now, effects: true });
  }
  out.sentence = sentence(out, now);
  return out;
}

function sentence(x: DeviceExplanation, now: Date): string {
  const name = x.device.name;
  const offline = x.availability && !x.availability.online ? ` It has been offline since ${formatTime(String(x.availability.event.event.time), now)}.` : '';
  const cmd = x.lastCommand;
  const state = x.state;
  if (!state && !cmd) {
    if (x.lastReport) {
      const caused = x.lastReport.effects?.map((n) => n.event.type as string) ?? [];
      return `${x.lastReport.because}${caused.length ? `, which caused ${[...new Set(caused)].join(', ')}` : ''}.${offline}`;
    }
    return `${name} has not reported a state and has not been commanded.${offline}`;
  }
  const is = state ? `${name} is ${state.on ? 'on' : 'off'}` : '';
  if (!cmd) return `${is} (reported at ${formatTime(String(state!.event.event.time), now)}); firstlight has not commanded it.${offline}`;
  const commanded = cmd.event.event.data as EventData<'command.light'>;
  if (!state || state.event.seq < cmd.event.seq) return `${name} was last commanded ${commanded.state} because ${cmd.because}.${offline}`;
  if (cmd.outcome?.event?.seq === state.event.seq) return `${is} because ${cmd.because}.${offline}`;
  // The newest report is not the command's confirmation: something else changed it since.
  return (
    `${is}: it reported ${state.on ? 'ON' : 'OFF'} at ${formatTime(String(state.event.event.time), now)}, which no firstlight command caused ` +
    `(a wall switch, an app or the device itself). Before that, ${describeCommand(cmd)} because ${cmd.because}.${offline}`
  );
}

function describeCommand(cmd: EventExplanation): string {
  const c = cmd.event.event.data as EventData<'command.light'>;
  return `${c.device} was commanded ${c.state}`;
}

