import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createQueryClient } from '../query-client.js';
import '../app.css';
import { LocaleProvider } from '../i18n.js';
import { Portal } from './Portal.js';

const queryClient = createQueryClient();

const root = document.getElementById('root');
if (root)
  createRoot(root).render(
    <StrictMode>
      <QueryClientProvider client={queryClient}>
        <LocaleProvider>
          <Portal />
        </LocaleProvider>
      </QueryClientProvider>
    </StrictMode>,
  );
