import type { FastifyInstance } from 'fastify';
import type { ModuleDeps } from '../../app.ts';

// Placeholder while the module is being written (same session); replaced before commit.
export async function clientRoutes(_app: FastifyInstance, _deps: ModuleDeps) {}
