/**
 * GET /api/v1/live: the WebSocket channel for screens (platform plan §4: an enterprise option beside the
 * default 5 s polling). Off unless LIVE_WEBSOCKET_ENABLED: the route then answers 404 NOT_FOUND naming the
 * polling routes, and a WebSocket client sees its upgrade refused with that 404.
 *
 * The route is `public` at the HTTP level (browsers cannot send an Authorization header with a WebSocket):
 * the socket authenticates with its first message (live.hub.ts) and is closed 4401 without one in 5 s.
 * The upgrade request itself counts in the general rate limit of its IP.
 */
import { DomainError } from '@app/domain';
import { LIVE_MAX_MESSAGE_BYTES, LIVE_PATH } from '@app/live-client/protocol';
import websocket from '@fastify/websocket';
import type { FastifyInstance } from 'fastify';
import type { ModuleDeps } from '../../app.ts';
import { createLiveHub } from './live.hub.ts';

const schema = {
  operationId: 'openLiveChannel',
  tags: ['dashboard'],
  summary: 'WebSocket channel pushing live views (dashboard, import status) as they change — when enabled',
  description:
    'Enterprise option (LIVE_WEBSOCKET_ENABLED). Open as a WebSocket; first message {"type":"auth","token":"<access token>"}, ' +
    'then {"type":"subscribe","topic":"dashboard"} or "import:<id>". Protocol, close codes and fallback to polling: ' +
    'docs/integration-guide.md §9. Without the option: 404.',
};

export async function liveRoutes(app: FastifyInstance, deps: ModuleDeps) {
  if (!deps.config.LIVE_WEBSOCKET_ENABLED) {
    app.get(LIVE_PATH, { config: { access: 'public' }, schema }, async () => {
      throw new DomainError(
        'NOT_FOUND',
        'The live channel is off on this server (LIVE_WEBSOCKET_ENABLED=false): poll GET /api/v1/dashboard/summary or ' +
          'GET /api/v1/imports/{id}/status every 5 s with If-None-Match instead.',
        { setting: 'LIVE_WEBSOCKET_ENABLED' },
      );
    });
    return;
  }

  const hub = createLiveHub(deps);
  // Registered in this module's own context: the plugin's hooks wrap only this module's route.
  await app.register(websocket, {
    options: { maxPayload: LIVE_MAX_MESSAGE_BYTES },
    preClose: (done) => {
      hub.close().then(
        () => done(),
        (err) => {
          deps.log.error({ err }, 'live: closing sockets failed');
          done();
        },
      );
    },
  });
  app.route({
    method: 'GET',
    url: LIVE_PATH,
    config: { access: 'public' },
    schema,
    handler: async () => {
      throw new DomainError('BAD_REQUEST', 'Open /api/v1/live as a WebSocket (Upgrade: websocket).');
    },
    wsHandler: (socket, req) => hub.accept(socket, { id: req.id, ip: req.ip, userAgent: req.ctx.userAgent }),
  });
}
