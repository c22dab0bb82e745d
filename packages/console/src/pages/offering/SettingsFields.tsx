import { MultiSelect, NumberInput, Select, SimpleGrid, TextInput, Title } from '@mantine/core';
import type { EnforcementMode, EphemeralCounting, EvictionOrder, LicenseModel, Offering, SeatModel } from '@leasehold/contract';
import {
  choices,
  ENFORCEMENT_MODE_LABELS,
  EPHEMERAL_COUNTING_LABELS,
  EVICTION_ORDER_LABELS,
  LICENSE_MODEL_LABELS,
  SEAT_MODEL_LABELS,
} from '../../vocabulary';
import type { Draft } from './draft';

interface Props {
  draft: Draft;
  set: <K extends keyof Draft>(k: K, v: Draft[K]) => void;
  errors: Record<string, string>;
  offerings: Offering[];
  selfId: string | undefined;
  readOnly: boolean;
}

const DEFAULTS = 'empty: the server default';

/** The offering's terms: licence and seats, time (term, leases, offline), devices, and how strictly it is enforced. */
export function SettingsFields({ draft, set, errors, offerings, selfId, readOnly }: Props) {
  const duration = (
    k: 'term' | 'leasePeriod' | 'offlineLeasePeriod' | 'maintenanceTerm' | 'rehostPeriod' | 'heartbeatWindow' | 'borrowLimit',
    label: string,
    description: string,
  ) => (
    <TextInput
      label={label}
      description={description}
      disabled={readOnly}
      value={draft[k]}
      onChange={(e) => set(k, e.currentTarget.value)}
      error={errors[k]}
    />
  );
  const floating = draft.seatModel === 'floating';
  return (
    <>
      <Title order={5} mt="md" mb="xs">
        License and seats
      </Title>
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
        <Select
          label="License model"
          data={choices(LICENSE_MODEL_LABELS)}
          value={draft.licenseModel}
          disabled={readOnly}
          onChange={(v) => v && set('licenseModel', v as LicenseModel)}
          allowDeselect={false}
          error={errors['licenseModel']}
        />
        <Select
          label="Seat model"
          data={choices(SEAT_MODEL_LABELS)}
          value={draft.seatModel}
          disabled={readOnly}
          onChange={(v) => v && set('seatModel', v as SeatModel)}
          allowDeselect={false}
          error={errors['seatModel']}
        />
        <NumberInput
          label="Seats"
          min={1}
          disabled={readOnly}
          value={draft.seats}
          onChange={(v) => set('seats', v)}
          error={errors['seats']}
        />
        <NumberInput
          label="Devices per named user"
          description={draft.seatModel === 'named_user' ? `Each user may use this many devices; ${DEFAULTS}` : 'Named-user seats only'}
          min={1}
          max={1000}
          disabled={readOnly || draft.seatModel !== 'named_user'}
          value={draft.maxDevicesPerUser}
          onChange={(v) => set('maxDevicesPerUser', v)}
          error={errors['maxDevicesPerUser']}
        />
        <Select
          label="Ephemeral instances (containers, VMs)"
          description={DEFAULTS}
          data={choices(EPHEMERAL_COUNTING_LABELS)}
          value={draft.ephemeralCounting || null}
          disabled={readOnly}
          clearable
          onChange={(v) => set('ephemeralCounting', (v ?? '') as EphemeralCounting | '')}
          error={errors['ephemeralCounting']}
        />
        <Select
          label="When seats are cut, evict"
          data={choices(EVICTION_ORDER_LABELS)}
          value={draft.evictionOrder}
          disabled={readOnly}
          onChange={(v) => v && set('evictionOrder', v as EvictionOrder)}
          allowDeselect={false}
          error={errors['evictionOrder']}
        />
      </SimpleGrid>
      <Title order={5} mt="md" mb="xs">
        Time
      </Title>
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
        {duration('term', 'Term', 'ISO 8601 duration (P1Y, P30D); empty for perpetual')}
        {duration('leasePeriod', 'Lease period', 'How long a device works between refreshes (P7D, PT1H)')}
        {duration('offlineLeasePeriod', 'Offline lease period', 'For air-gapped (file) activations; empty: the lease period')}
        {duration('maintenanceTerm', 'Maintenance term', 'Updates included for (P1Y); empty for none')}
        {duration('heartbeatWindow', 'Heartbeat window', `Floating seats are held while heartbeats come within this; ${DEFAULTS}`)}
        {duration(
          'borrowLimit',
          'Borrow limit',
          floating ? 'Longest a floating seat may be taken offline; empty: no borrowing' : 'Floating seats only; empty: no borrowing',
        )}
      </SimpleGrid>
      <Title order={5} mt="md" mb="xs">
        Moving devices and enforcement
      </Title>
      <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
        <NumberInput
          label="Rehost limit"
          description="Device moves allowed per rehost period; empty for no limit"
          min={0}
          disabled={readOnly}
          value={draft.rehostLimit}
          onChange={(v) => set('rehostLimit', v)}
          error={errors['rehostLimit']}
        />
        {duration('rehostPeriod', 'Rehost period', `The window the rehost limit counts over (P1Y); ${DEFAULTS}`)}
        <NumberInput
          label="Download limit"
          description="Release downloads allowed per license; empty for no limit"
          min={1}
          disabled={readOnly}
          value={draft.downloadLimitCount}
          onChange={(v) => set('downloadLimitCount', v)}
          error={errors['downloadLimit']}
        />
        <Select
          label="Download limit counts"
          data={[
            { value: 'artifact', label: 'per file' },
            { value: 'release', label: 'per release' },
          ]}
          value={draft.downloadLimitPer}
          disabled={readOnly || draft.downloadLimitCount === ''}
          allowDeselect={false}
          onChange={(v) => v && set('downloadLimitPer', v as 'artifact' | 'release')}
        />
        <Select
          label="Enforcement mode"
          description={DEFAULTS}
          data={choices(ENFORCEMENT_MODE_LABELS)}
          value={draft.enforcementMode || null}
          disabled={readOnly}
          clearable
          onChange={(v) => set('enforcementMode', (v ?? '') as EnforcementMode | '')}
          error={errors['enforcementMode']}
        />
        <MultiSelect
          label="Upgrade paths"
          description="Offerings entitlements may change to; none: any of this product"
          data={offerings.filter((o) => o.id !== selfId).map((o) => ({ value: o.id, label: `${o.name} (${o.code})` }))}
          value={draft.upgradePaths}
          disabled={readOnly}
          onChange={(v) => set('upgradePaths', v)}
          searchable
          error={errors['upgradePaths']}
        />
      </SimpleGrid>
    </>
  );
}
