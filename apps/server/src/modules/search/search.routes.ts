import { ErrorResponse, SearchQuery, SearchResults } from '@parley/contract';
import type { Services } from '../../context.js';
import { actorOf, type App } from '../../platform/http.js';
import { search } from './search.service.js';

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
    async (request) =>
      search({
        db: services.db,
        pool: services.pool,
        actor: actorOf(request),
        query: request.query,
      }),
  );
}
