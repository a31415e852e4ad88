// What lineage needs to read: a few indexed lookups over the log and the device list. The SQLite
// implementation is gateway/log/event-reader.ts; tests may pass anything that answers the same.
import type { LoggedEvent } from '../events/event.ts';
import type { DeviceInfo } from '../sdk/device.ts';

/** Event types with a per-device index (see the events_by_device migration). */
export type DeviceIndexedType = 'command.light' | 'light.state' | 'switch.state' | 'device.availability' | 'device.battery';
/** Event types with a per-room index (events_by_room_change). */
export type RoomIndexedType = 'room.entered' | 'room.vacated';

export interface LineageLog {
  byId(id: string): LoggedEvent | undefined;
  bySeq(seq: number): LoggedEvent | undefined;
  /** Events whose causationid is `id`, oldest first, at most `limit`. */
  effects(id: string, limit: number): LoggedEvent[];
  /** The newest event of `type` about `device` (its subject). */
  latestOfDevice(device: string, type: DeviceIndexedType): LoggedEvent | undefined;
  /** The first event of `type` about `device` after log position `after`. */
  firstOfDeviceAfter(device: string, type: DeviceIndexedType, after: number): LoggedEvent | undefined;
  /** The newest event of `type` in the stream of `room`. */
  latestOfRoom(room: string, type: RoomIndexedType): LoggedEvent | undefined;
  /**
   * The newest message from `device` (an event carrying its raw payload) among the newest `scan`
   * events of stream `key`: a bounded scan, for devices that have no per-device index.
   */
  latestReportInKey(key: string, device: string, scan: number): LoggedEvent | undefined;
  /** Whether any event has this stream key. */
  hasKey(key: string): boolean;
}

export interface LineageDevices {
  get(name: string): DeviceInfo | undefined;
  all(): DeviceInfo[];
}

export interface LineageReader {
  log: LineageLog;
  devices: LineageDevices;
}
