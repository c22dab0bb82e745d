import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Served by the Leasehold server under /console; `npm run dev -w packages/console` proxies the API to a local server.
export default defineConfig({
  base: '/console/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
    sourcemap: false,
    // The customer portal is a second page of the same build, served by the server at /portal.
    rollupOptions: { input: { console: 'index.html', portal: 'portal.html' } },
  },
  server: { proxy: { '/v1': process.env['LEASEHOLD_URL'] ?? 'http://localhost:8080' } },
});
