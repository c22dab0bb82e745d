import { Group, Image, Title } from '@mantine/core';
import { createContext, useContext, useEffect, useState, type CSSProperties, type ReactNode } from 'react';
import type { PortalSession, PortalSiteBranding } from '@leasehold/contract';
import { portalApi } from './api';
import { STRINGS } from './strings';

const NONE: PortalSiteBranding = { account: null, name: null, logoUrl: null, primaryColor: null, accentColor: null };

/** The branding of the host the portal is on (a vendor's custom domain), read before sign-in. */
export function useBranding(): PortalSiteBranding {
  const [branding, setBranding] = useState<PortalSiteBranding>(NONE);
  useEffect(() => {
    portalApi<PortalSiteBranding>('GET', '/branding').then(setBranding, () => setBranding(NONE));
  }, []);
  useEffect(() => {
    document.title = branding.name ?? STRINGS.title;
  }, [branding.name]);
  return branding;
}

/** The vendor's colours over Mantine's primary colour, and its logo and name above every page. */
export function BrandFrame({ branding, children }: { branding: PortalSiteBranding; children: ReactNode }) {
  const style = (
    branding.primaryColor
      ? {
          '--mantine-primary-color-filled': branding.primaryColor,
          '--mantine-primary-color-filled-hover': branding.accentColor ?? branding.primaryColor,
          '--mantine-primary-color-light-color': branding.primaryColor,
        }
      : {}
  ) as CSSProperties;
  return (
    <div style={style} data-testid="brand-frame">
      {(branding.logoUrl || branding.name) && (
        <Group px="md" pt="md" data-testid="brand">
          {branding.logoUrl && <Image src={branding.logoUrl} alt="" h={32} w="auto" fit="contain" />}
          {branding.name && <Title order={3}>{branding.name}</Title>}
        </Group>
      )}
      {children}
    </div>
  );
}

/** The signed-in session, for the parts of a page that act by role (named-user seats). */
export const SessionContext = createContext<PortalSession | null>(null);
export const useSession = (): PortalSession | null => useContext(SessionContext);
