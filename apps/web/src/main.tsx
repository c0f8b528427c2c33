import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { createApiClient } from './api/client.ts';
import { App } from './app/App.tsx';
import './styles.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root');

// Same origin: the dev server proxies /api (vite.config.ts); in production the API serves behind the same host.
const api = createApiClient();

createRoot(root).render(
  <StrictMode>
    <App services={{ api, liveBaseUrl: window.location.origin }} />
  </StrictMode>,
);
