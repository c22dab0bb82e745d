import { Anchor, Badge, Button, Card, Group, Modal, Select, Stack, Table, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import { all, get, post, type Feature, type Offering, type Product } from '../api';
import { useSession } from '../session';
import { Empty, fmtDay, Loaded, PagedTable, PageHeader, useFormErrors, useLoad } from '../ui';

export function Products() {
  const { can } = useSession();
  const [open, setOpen] = useState(false);
  return (
    <>
      <PageHeader
        title="Products"
        subtitle="What you sell; each has its features"
        actions={can('catalog') && <Button onClick={() => setOpen(true)}>New product</Button>}
      />
      <PagedTable<Product>
        label="Products"
        path="/v1/products"
        href={(p) => `/products/${p.id}`}
        empty="No products yet. Create the first one."
        columns={[
          { label: 'Name', render: (p) => p.name },
          { label: 'Code', render: (p) => <code>{p.code}</code> },
          { label: 'Created', render: (p) => fmtDay(p.createdAt) },
        ]}
      />
      <ProductForm opened={open} onClose={() => setOpen(false)} />
    </>
  );
}

function ProductForm({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const navigate = useNavigate();
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  const form = useFormErrors();
  return (
    <Modal opened={opened} onClose={onClose} title="New product">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void form.submit(async () => {
            const p = await post<Product>('/v1/products', { code, name });
            onClose();
            navigate(`/products/${p.id}`);
          });
        }}
      >
        <Stack>
          <TextInput
            label="Name"
            required
            data-autofocus
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={form.fields['name']}
          />
          <TextInput
            label="Code"
            description="Used by the SDK and in URLs: letters, digits, . _ -"
            required
            value={code}
            onChange={(e) => setCode(e.currentTarget.value)}
            error={form.fields['code']}
          />
          <form.FormError />
          <Group justify="flex-end">
            <Button type="submit" loading={form.busy}>
              Create product
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

export function ProductPage() {
  const { id } = useParams();
  const { can } = useSession();
  const state = useLoad(async () => {
    const [product, features, offerings] = await Promise.all([
      get<Product>(`/v1/products/${id}`),
      all<Feature>(`/v1/products/${id}/features`),
      all<Offering>(`/v1/offerings?productId=${id}`),
    ]);
    return { product, features, offerings };
  }, [id]);
  return (
    <Loaded state={state}>
      {({ product, features, offerings }) => (
        <>
          <PageHeader
            title={product.name}
            subtitle={<code>{product.code}</code>}
            actions={
              can('catalog') && (
                <Button component={Link} to={`/offerings/new?productId=${product.id}`}>
                  New offering
                </Button>
              )
            }
          />
          <Stack>
            <Card withBorder>
              <Title order={4} mb="sm">
                Features
              </Title>
              {features.length === 0 ? (
                <Empty>No features yet.</Empty>
              ) : (
                <Table aria-label="Features">
                  <Table.Thead>
                    <Table.Tr>
                      <Table.Th>Name</Table.Th>
                      <Table.Th>Code</Table.Th>
                      <Table.Th>Type</Table.Th>
                      <Table.Th>Unit</Table.Th>
                    </Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {features.map((f) => (
                      <Table.Tr key={f.id}>
                        <Table.Td>{f.name}</Table.Td>
                        <Table.Td>
                          <code>{f.code}</code>
                        </Table.Td>
                        <Table.Td>
                          <Badge variant="light">{f.type}</Badge>
                        </Table.Td>
                        <Table.Td>{f.unit ?? '—'}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              )}
              {can('catalog') && <FeatureForm productId={product.id} onCreated={state.reload} />}
            </Card>
            <Card withBorder>
              <Title order={4} mb="sm">
                Offerings
              </Title>
              {offerings.length === 0 ? (
                <Empty>No offerings yet.</Empty>
              ) : (
                <Stack gap={4}>
                  {offerings.map((o) => (
                    <Anchor key={o.id} component={Link} to={`/offerings/${o.id}`}>
                      {o.name} ({o.code}) — {o.licenseModel}, {o.seats} {o.seatModel.replace('_', '-')} seats
                    </Anchor>
                  ))}
                </Stack>
              )}
            </Card>
          </Stack>
        </>
      )}
    </Loaded>
  );
}

function FeatureForm({ productId, onCreated }: { productId: string; onCreated: () => void }) {
  const [code, setCode] = useState('');
  const [name, setName] = useState('');
  const [type, setType] = useState<string | null>('boolean');
  const [unit, setUnit] = useState('');
  const form = useFormErrors();
  return (
    <form
      aria-label="Add a feature"
      onSubmit={(e) => {
        e.preventDefault();
        void form.submit(async () => {
          await post(`/v1/products/${productId}/features`, { code, name, type, ...(unit ? { unit } : {}) });
          setCode('');
          setName('');
          setUnit('');
          onCreated();
        });
      }}
    >
      <Title order={5} mt="md" mb="xs">
        Add a feature
      </Title>
      <Group align="flex-start" gap="xs" wrap="wrap">
        <TextInput
          label="Feature name"
          required
          value={name}
          onChange={(e) => setName(e.currentTarget.value)}
          error={form.fields['name']}
        />
        <TextInput
          label="Feature code"
          required
          value={code}
          onChange={(e) => setCode(e.currentTarget.value)}
          error={form.fields['code']}
        />
        <Select
          label="Type"
          data={['boolean', 'numeric', 'consumption', 'pool']}
          value={type}
          onChange={setType}
          allowDeselect={false}
          error={form.fields['type']}
          w={150}
        />
        <TextInput label="Unit" value={unit} onChange={(e) => setUnit(e.currentTarget.value)} error={form.fields['unit']} w={130} />
        <Button type="submit" mt={25} loading={form.busy}>
          Add feature
        </Button>
      </Group>
      <form.FormError />
    </form>
  );
}
