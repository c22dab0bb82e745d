import { Alert, Button, Group } from '@mantine/core';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { post } from '../../api';
import { message, PageHeader, StatusBadge } from '../../ui';
import { isLive, type EntitlementDetail } from './load';

export type EntitlementDialog = 'suspend' | 'revoke' | 'return' | 'rekey' | 'renew' | 'extend' | 'overrides' | 'change';

/** Who holds the entitlement, on which offering, and the actions its state allows. */
export function EntitlementHeader(props: {
  d: EntitlementDetail;
  writable: boolean;
  onOpen: (dialog: EntitlementDialog) => void;
  reload: () => void;
}) {
  const { d, writable, onOpen } = props;
  const [actionError, setActionError] = useState<string | null>(null);
  const e = d.entitlement;
  // Resume needs no confirmation or input, so it runs straight from the button.
  const resume = async () => {
    setActionError(null);
    try {
      await post(`/v1/entitlements/${e.id}/resume`);
      props.reload();
    } catch (err) {
      setActionError(message(err));
    }
  };
  return (
    <>
      <PageHeader
        title={
          <Group gap="sm">
            <span>{d.customer.name}</span>
            <StatusBadge status={e.effective.status} />
          </Group>
        }
        subtitle={
          <>
            <Link to={`/offerings/${d.offering.id}`}>{d.offering.name}</Link> · {e.orderRef ? `order ${e.orderRef} · ` : ''}version{' '}
            {e.version} · <Link to={`/customers/${d.customer.id}`}>customer</Link> · {d.product?.name ?? ''}
          </>
        }
        actions={
          writable && (
            <>
              {e.state === 'active' && (
                <Button variant="light" color="orange" onClick={() => onOpen('suspend')}>
                  Suspend
                </Button>
              )}
              {e.state === 'suspended' && (
                <Button variant="light" color="green" onClick={() => void resume()}>
                  Resume
                </Button>
              )}
              {isLive(e) && (
                <>
                  <Button variant="light" onClick={() => onOpen('renew')}>
                    Renew
                  </Button>
                  <Button variant="light" onClick={() => onOpen('extend')}>
                    Extend
                  </Button>
                  <Button variant="light" onClick={() => onOpen('overrides')}>
                    Edit overrides
                  </Button>
                  <Button onClick={() => onOpen('change')}>Change offering</Button>
                  <Button variant="light" onClick={() => onOpen('rekey')}>
                    Re-key
                  </Button>
                  <Button variant="light" color="red" onClick={() => onOpen('return')}>
                    Return
                  </Button>
                  <Button variant="light" color="red" onClick={() => onOpen('revoke')}>
                    Revoke
                  </Button>
                </>
              )}
            </>
          )
        }
      />
      {actionError && (
        <Alert color="red" mb="md" role="alert" withCloseButton onClose={() => setActionError(null)}>
          {actionError}
        </Alert>
      )}
    </>
  );
}
