/**
 * The built web app, served by the API when WEB_DIST_DIR is set (the local stack; in Compose, the nginx image
 * deploy/Dockerfile.web serves it with the same rules).
 * Hashed assets (`/assets/*`) are cached for a year; `index.html` is never cached, and answers every other GET
 * outside the API's own paths (the app's routes: /invoices/AB12345678 reloaded in the browser). The API's
 * paths keep their JSON 404.
 */
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

const API_PATHS = /^\/(api|health|docs)(\/|$)/;

export async function installWebApp(app: FastifyInstance, distDir: string) {
  const root = resolve(distDir);
  if (!existsSync(join(root, 'index.html'))) {
    throw new Error(`WEB_DIST_DIR=${distDir} has no index.html; build the web app first (pnpm --filter @app/web build)`);
  }
  await app.register(fastifyStatic, {
    root,
    wildcard: false,
    index: false,
    setHeaders: (res, path) => {
      res.header('cache-control', path.includes(`${join(root, 'assets')}/`) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  // Files are looked up per request (wildcard: false registers none up front), the app's routes fall back to
  // index.html.
  app.get('/*', (req, reply) => {
    const path = decodeURIComponent(req.url.split('?')[0] ?? '/');
    if (API_PATHS.test(path)) return reply.callNotFound();
    const file = resolve(root, `.${path}`);
    if (file.startsWith(`${root}/`) && statSync(file, { throwIfNoEntry: false })?.isFile()) {
      return reply.sendFile(file.slice(root.length + 1));
    }
    // A missing asset is a 404, not the app (a stale tab asking for an old hash).
    if (path.startsWith('/assets/')) return reply.callNotFound();
    return reply.header('cache-control', 'no-cache').sendFile('index.html');
  });
}
