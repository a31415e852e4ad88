// The building: devices with their health and state, and rooms with occupancy and lights.
import type { BuildingView } from './building-view.ts';
import { HttpError, sendJson, type Route } from './router.ts';

export function buildingRoutes(view: BuildingView): Route[] {
  return [
    { path: '/api/devices', handler: ({ res }) => sendJson(res, 200, { devices: view.devices() }) },
    {
      path: '/api/devices/:name',
      handler({ res, params }) {
        const device = view.device(params.name!);
        if (!device) throw new HttpError(404, 'FL_ERR_NOT_FOUND', `no device named "${params.name}"`);
        sendJson(res, 200, device);
      },
    },
    { path: '/api/rooms', handler: ({ res }) => sendJson(res, 200, { rooms: view.rooms() }) },
  ];
}
