import { Button } from '@mantine/core';
import { Link, useParams } from 'react-router-dom';
import type { Offering, Product } from '@leasehold/contract';
import { all, get } from '../api';
import { useNames } from '../names';
import { useSession } from '../session';
import { Loaded, PagedTable, PageHeader, useLoad } from '../ui';
import { OfferingForm } from './offering/OfferingForm';

export function Offerings() {
  const { can } = useSession();
  const names = useNames();
  return (
    <>
      <PageHeader
        title="Offerings"
        subtitle="Plans, editions and SKUs: fixed templates of rights"
        actions={
          can('catalog') && (
            <Button component={Link} to="/offerings/new">
              New offering
            </Button>
          )
        }
      />
      <PagedTable<Offering>
        label="Offerings"
        path="/v1/offerings"
        href={(o) => `/offerings/${o.id}`}
        empty="No offerings yet."
        columns={[
          { label: 'Name', render: (o) => o.name },
          { label: 'Product', render: (o) => names.product(o.productId) ?? o.productId },
          { label: 'Code', render: (o) => <code>{o.code}</code> },
          { label: 'License', render: (o) => o.licenseModel },
          { label: 'Seats', render: (o) => `${o.seats} ${o.seatModel.replace('_', '-')}` },
          { label: 'Term', render: (o) => o.term ?? 'perpetual' },
          { label: 'Lease', render: (o) => o.leasePeriod },
        ]}
      />
    </>
  );
}

/** Creates an offering, or edits one: every right it grants, with the server's validation next to each field. */
export function OfferingEdit() {
  const { id } = useParams();
  const state = useLoad(async () => {
    const [products, offerings, offering] = await Promise.all([
      all<Product>('/v1/products'),
      all<Offering>('/v1/offerings'),
      id ? get<Offering>(`/v1/offerings/${id}`) : Promise.resolve(null),
    ]);
    return { products, offerings, offering };
  }, [id]);
  return <Loaded state={state}>{(d) => <OfferingForm key={id ?? 'new'} {...d} />}</Loaded>;
}
