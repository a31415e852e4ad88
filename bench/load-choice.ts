// What the bench offers as load: the 20 rooms' motion pattern (default) or a simulated building's day
// (--building), as the device list to publish first and a load target per system under test.
import type { OutboundMessage } from 'firstlight';
import { buildingAedesTarget, buildingFile, buildingGatewayTarget, recordBuilding } from './building-load.ts';
import { REPO } from './gateway-process.ts';
import type { LoadTarget } from './load-generator.ts';
import type { BenchOptions } from './options.ts';
import type { TargetKey } from './results.ts';
import { gatewayTarget, plainAedesTarget, z2mRooms } from './z2m-load.ts';

export interface LoadInfo {
  kind: 'rooms' | 'building';
  /** One line for the report's header. */
  description: string;
  building?: { name: string; source: string; copies: number; devices: number; rooms: number; lights: number; messages: number; simulatedHours: number; mix: Record<string, number> };
}

export interface LoadChoice {
  info: LoadInfo;
  deviceList: OutboundMessage;
  target(key: TargetKey, url: string, lightsReport: boolean): LoadTarget;
}

export async function chooseLoad(o: BenchOptions): Promise<LoadChoice> {
  if (!o.building) {
    const rooms = z2mRooms(o.rooms);
    return {
      info: { kind: 'rooms', description: `${o.rooms} rooms' motion sensors, round robin` },
      deviceList: rooms.deviceList,
      // The floor answers a motion message as the gateway does (its lights do not report).
      target: (key, url, lightsReport) =>
        key === 'gateway' ? gatewayTarget(url, rooms, lightsReport) : key === 'floor' ? gatewayTarget(url, rooms) : plainAedesTarget(url, rooms),
    };
  }
  const load = await recordBuilding(buildingFile(o.building, REPO), o.devices, REPO, o.seed);
  const n = (v: number): string => v.toLocaleString('en-US');
  const occupancy = load.mix['motion (occupancy)'] ?? 0;
  return {
    info: {
      kind: 'building',
      description:
        `building ${load.name} (${load.source}): ${n(load.devices.length)} devices, ${n(load.rooms.length)} rooms, ${n(load.lights.length)} lights; ` +
        `replay of a simulated day (seed ${o.seed}): ${n(load.messages.length)} messages, ${((100 * occupancy) / load.messages.length).toFixed(0)}% motion`,
      building: {
        name: load.name,
        source: load.source,
        copies: load.copies,
        devices: load.devices.length,
        rooms: load.rooms.length,
        lights: load.lights.length,
        messages: load.messages.length,
        simulatedHours: load.simulatedHours,
        mix: load.mix,
      },
    },
    deviceList: load.deviceList,
    // options.ts refuses --floor with --building: only the gateway and plain aedes come here.
    target: (key, url, lightsReport) => (key === 'gateway' ? buildingGatewayTarget(url, load, lightsReport) : buildingAedesTarget(url, load)),
  };
}
