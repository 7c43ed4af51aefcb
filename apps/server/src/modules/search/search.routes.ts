import { ErrorResponse, SearchQuery, SearchResults } from '@parley/contract';
import type { Services } from '../../context.js';
import { actorOf, sendJsonText, type App } from '../../platform/http.js';
import { searchJson } from './search.service.js';

export function searchRoutes(app: App, services: Services): void {
  app.get(
    '/api/v1/search',
    {
      schema: {
        tags: ['search'],
        summary: 'Search ticket numbers, subjects, messages and contacts in every language',
        querystring: SearchQuery,
        response: { 200: SearchResults, 400: ErrorResponse, 401: ErrorResponse },
      },
    },
    // The answer is JSON text (the conversations in it written by PostgreSQL), sent as it is.
    async (request, reply) =>
      sendJsonText(
        reply,
        await searchJson({
          db: services.db,
          pool: services.pool,
          actor: actorOf(request),
          query: request.query,
        }),
      ),
  );
}
