import '@mantine/core/styles.css';
import { MantineProvider, createTheme } from '@mantine/core';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter, Navigate, Route, Routes } from 'react-router-dom';
import { SessionGate } from './session';
import { Layout } from './Layout';
import { Dashboard } from './pages/Dashboard';
import { ProductPage, Products } from './pages/Products';
import { OfferingEdit, Offerings } from './pages/Offerings';
import { CustomerPage, Customers } from './pages/Customers';
import { Entitlements } from './pages/Entitlements';
import { EntitlementPage } from './pages/entitlement/EntitlementPage';
import { Migrations } from './pages/migrations/Migrations';
import { Imports } from './pages/imports/Imports';
import { Events } from './pages/Events';
import { SearchPage } from './pages/Search';
import { ApiKeys, SigningKeys, StaffUsers } from './pages/Access';
import { Integrations } from './pages/integrations/Integrations';
import { WebhookEndpoints } from './pages/webhooks/WebhookEndpoints';
import { WebhookEndpointPage } from './pages/webhooks/WebhookEndpointPage';
import { Releases } from './pages/releases/Releases';
import { ReleasePage } from './pages/releases/ReleasePage';
import { ReportBuilder } from './pages/ReportBuilder';
import { Reports } from './pages/Reports';
import { ReportExports } from './pages/reports/ReportExports';
import { KeyGenerators } from './pages/keys/KeyGenerators';
import { Partners } from './pages/partners/Partners';
import { CodeBatchPage } from './pages/partners/CodeBatchPage';
import { ActivationBatches } from './pages/batches/ActivationBatches';
import { ActivationBatchPage } from './pages/batches/ActivationBatchPage';

const theme = createTheme({
  primaryColor: 'teal',
  defaultRadius: 'md',
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif',
});

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider theme={theme} defaultColorScheme="light">
      <BrowserRouter basename="/console">
        <SessionGate>
          <Routes>
            <Route element={<Layout />}>
              <Route index element={<Dashboard />} />
              <Route path="products" element={<Products />} />
              <Route path="products/:id" element={<ProductPage />} />
              <Route path="offerings" element={<Offerings />} />
              <Route path="offerings/new" element={<OfferingEdit />} />
              <Route path="offerings/:id" element={<OfferingEdit />} />
              <Route path="customers" element={<Customers />} />
              <Route path="customers/:id" element={<CustomerPage />} />
              <Route path="entitlements" element={<Entitlements />} />
              <Route path="entitlements/:id" element={<EntitlementPage />} />
              <Route path="migrations" element={<Migrations />} />
              <Route path="imports" element={<Imports />} />
              <Route path="releases" element={<Releases />} />
              <Route path="releases/:id" element={<ReleasePage />} />
              <Route path="events" element={<Events />} />
              <Route path="reports" element={<Reports />} />
              <Route path="reports/custom" element={<ReportBuilder />} />
              <Route path="reports/exports" element={<ReportExports />} />
              <Route path="search" element={<SearchPage />} />
              <Route path="api-keys" element={<ApiKeys />} />
              <Route path="signing-keys" element={<SigningKeys />} />
              <Route path="users" element={<StaffUsers />} />
              <Route path="integrations" element={<Integrations />} />
              <Route path="webhooks" element={<WebhookEndpoints />} />
              <Route path="webhooks/:id" element={<WebhookEndpointPage />} />
              <Route path="key-generators" element={<KeyGenerators />} />
              <Route path="partners" element={<Partners />} />
              <Route path="code-batches/:id" element={<CodeBatchPage />} />
              <Route path="activation-batches" element={<ActivationBatches />} />
              <Route path="activation-batches/:id" element={<ActivationBatchPage />} />
              <Route path="*" element={<Navigate to="/" replace />} />
            </Route>
          </Routes>
        </SessionGate>
      </BrowserRouter>
    </MantineProvider>
  </StrictMode>,
);
