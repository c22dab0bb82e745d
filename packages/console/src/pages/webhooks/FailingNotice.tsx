import { Alert, Anchor } from '@mantine/core';
import { Link, useLocation } from 'react-router-dom';
import type { WebhookEndpoint } from '@leasehold/contract';
import { all } from '../../api';
import { useSession } from '../../session';
import { useLoad } from '../../ui';

/**
 * On every page, for admins: a banner while some webhook endpoint is flagged (a delivery failed
 * after its last attempt). Read again on each change of page; the webhooks pages show the detail.
 */
export function WebhookFailingNotice() {
  const { can } = useSession();
  const { pathname } = useLocation();
  const admin = can('keys');
  const state = useLoad(() => (admin ? all<WebhookEndpoint>('/v1/webhook-endpoints') : Promise.resolve([])), [admin, pathname]);
  const failing = (state.data ?? []).filter((e) => e.failingSince);
  if (failing.length === 0 || pathname.startsWith('/webhooks')) return null;
  return (
    <Alert color="red" mb="md" role="alert" data-testid="webhook-failing-notice" title="Webhook deliveries are failing">
      {failing.length === 1
        ? `Deliveries to ${failing[0]!.url} failed after their last attempt. `
        : `${failing.length} endpoints have failed deliveries. `}
      <Anchor component={Link} to={failing.length === 1 ? `/webhooks/${failing[0]!.id}` : '/webhooks'}>
        See the delivery log
      </Anchor>
    </Alert>
  );
}
