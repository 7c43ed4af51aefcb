import { QueryClient } from '@tanstack/react-query';
import { ApiError } from './api.js';

/** The agent app's and the portal's query client: an error the server meant is not retried. */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 5_000,
        // An error the server meant (4xx) does not get better by asking again.
        retry: (count, error) => !(error instanceof ApiError && error.status < 500) && count < 2,
      },
    },
  });
}
