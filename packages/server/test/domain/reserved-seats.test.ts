import { describe, expect, it } from 'vitest';
import { decideSeat, namedSeatsTaken } from '../../src/capabilities/licensing/activations/seats.js';
import type { ActivationRecord } from '../../src/platform/domain/model.js';
import { NOW, activations, entitlement, offering, rightsOf } from '../support/records.js';

/** Named-user seats assigned in the portal are reservations in the seat decision: kept for their person, taken for everyone else. */
const named = offering({ seatModel: 'named_user', seats: 2, maxDevicesPerUser: 2 });
const user = (name: string, n = 1) => activations(n, { seatKind: 'named_user', user: name });
const candidate = (u: string) => ({ seatKind: 'named_user' as const, user: u, host: null, fingerprint: `fp-${u}` });
const decide = (live: ActivationRecord[], u: string, reserved: string[]) =>
  decideSeat(live, candidate(u), named, rightsOf(named, entitlement()), 'enforce', NOW, reserved).ok;

describe('named-user seats with assignments', () => {
  it.each<[behaviour: string, live: ActivationRecord[], who: string, reserved: string[], ok: boolean]>([
    ['no assignments: as before, a second user fits', user('ann'), 'bob', [], true],
    ['an assigned seat is taken for a stranger even with no device', user('ann'), 'cy', ['bo@acme.test'], false],
    ['the assigned person finds their seat, whatever the case of the email', user('ann'), 'Bo@Acme.test', ['bo@acme.test'], true],
    ['an assigned person with a device counts once', user('bo@acme.test'), 'cy', ['bo@acme.test'], true],
    ['two assignments fill two seats: a user with no seat is refused', [], 'ann', ['bo@acme.test', 'cy@acme.test'], false],
    ['a person with a device keeps using their seat beyond the assignments', user('ann'), 'ann', ['bo@acme.test'], true],
  ])('%s', (_behaviour, live, who, reserved, ok) => {
    expect(decide(live, who, reserved)).toBe(ok);
  });

  it('counts active people and assigned people once each', () => {
    expect(namedSeatsTaken([...user('Ann@x.test', 2), ...user('bo@x.test')], ['ann@x.test', 'cy@x.test'], NOW)).toBe(3);
  });
});
