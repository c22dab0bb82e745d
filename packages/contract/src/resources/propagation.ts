import { Type, type Static } from 'typebox';
import { Timestamp } from '../common.js';

/** The rights a lease carries: the entitlement's version and the offering (id, version) it was computed from. */
export const RightsVersion = Type.Object(
  {
    entitlementVersion: Type.Integer({ description: "The entitlement's version (0: a lease signed before rights versions were recorded)" }),
    offeringId: Type.Union([Type.String(), Type.Null()]),
    offeringVersion: Type.Integer(),
  },
  { title: 'RightsVersion' },
);
export type RightsVersion = Static<typeof RightsVersion>;

/** The rights a change produced; a field absent is not asked about. */
export const RightsTargetOut = Type.Object(
  {
    entitlementVersion: Type.Optional(Type.Integer()),
    offeringId: Type.Optional(Type.String()),
    offeringVersion: Type.Optional(Type.Integer()),
  },
  { title: 'RightsTarget' },
);

const Counts = {
  devices: Type.Integer({ description: 'Live activations: held + behind + stopped' }),
  held: Type.Integer({ description: 'Devices whose latest lease is unexpired and carries the new rights' }),
  behind: Type.Integer({ description: 'Devices still on an unexpired lease with older rights' }),
  stopped: Type.Integer({ description: 'Devices with no unexpired lease: they grant nothing, old or new' }),
  allBy: Type.Union([Timestamp, Type.Null()], {
    description: 'The latest expiry among the devices behind: by then each has refreshed or stopped (null: none behind)',
  }),
};

export const DevicePropagationOut = Type.Object(
  {
    activationId: Type.String(),
    fingerprint: Type.String(),
    name: Type.Union([Type.String(), Type.Null()]),
    rightsVersion: Type.Union([RightsVersion, Type.Null()], { description: 'Of its latest lease (null: never leased)' }),
    lastSeenAt: Timestamp,
    leaseExpiresAt: Type.Union([Timestamp, Type.Null()]),
    holds: Type.Boolean({ description: 'Its latest lease carries the new rights' }),
    standing: Type.Union([Type.Literal('held'), Type.Literal('behind'), Type.Literal('stopped')]),
  },
  { title: 'DevicePropagation' },
);
export type DevicePropagationOut = Static<typeof DevicePropagationOut>;

export const EntitlementPropagationOut = Type.Object(
  { entitlementId: Type.String(), target: RightsTargetOut, ...Counts, items: Type.Array(DevicePropagationOut) },
  { title: 'EntitlementPropagation' },
);
export type EntitlementPropagationOut = Static<typeof EntitlementPropagationOut>;

export const EventPropagationOut = Type.Object(
  {
    eventId: Type.String(),
    eventType: Type.String(),
    target: RightsTargetOut,
    ...Counts,
    entitlements: Type.Array(Type.Object({ entitlementId: Type.String(), ...Counts })),
    items: Type.Union([Type.Array(DevicePropagationOut), Type.Null()], {
      description: "An entitlement's event: its devices; an offering's: null (counts per entitlement)",
    }),
  },
  { title: 'EventPropagation' },
);
export type EventPropagationOut = Static<typeof EventPropagationOut>;
