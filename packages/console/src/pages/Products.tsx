import { Anchor, Badge, Button, Card, Group, Modal, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { Link, useNavigate, useParams } from 'react-router-dom';
import type { Feature, Offering, Product } from '@leasehold/contract';
import { all, get, patch, post } from '../api';
import { useSession } from '../session';
import { useNames } from '../names';
import { DeleteDialog, Empty, fmtDay, Loaded, PagedTable, PageHeader, useFormErrors, useLoad } from '../ui';
import { choices, FEATURE_TYPE_LABELS } from '../vocabulary';

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

/** Creates a product, or with `product` edits its name and code. */
function ProductForm({
  opened,
  onClose,
  product,
  onSaved,
}: {
  opened: boolean;
  onClose: () => void;
  product?: Product;
  onSaved?: () => void;
}) {
  const navigate = useNavigate();
  const [code, setCode] = useState(product?.code ?? '');
  const [name, setName] = useState(product?.name ?? '');
  const form = useFormErrors();
  const names = useNames();
  return (
    <Modal opened={opened} onClose={onClose} title={product ? 'Edit product' : 'New product'}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void form.submit(async () => {
            if (product) {
              await patch<Product>(`/v1/products/${product.id}`, { code, name });
              names.refresh();
              onSaved?.();
              return;
            }
            const p = await post<Product>('/v1/products', { code, name });
            names.refresh();
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
              {product ? 'Save product' : 'Create product'}
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
  const navigate = useNavigate();
  const [dialog, setDialog] = useState<null | 'edit' | 'delete'>(null);
  const [feature, setFeature] = useState<{ f: Feature; action: 'edit' | 'delete' } | null>(null);
  const state = useLoad(async () => {
    const [product, features, offerings] = await Promise.all([
      get<Product>(`/v1/products/${id}`),
      all<Feature>(`/v1/products/${id}/features`),
      all<Offering>(`/v1/offerings?product=${id}`),
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
                <>
                  <Button variant="light" onClick={() => setDialog('edit')}>
                    Edit product
                  </Button>
                  <Button variant="light" color="red" onClick={() => setDialog('delete')}>
                    Delete product
                  </Button>
                  <Button component={Link} to={`/offerings/new?productId=${product.id}`}>
                    New offering
                  </Button>
                </>
              )
            }
          />
          {dialog === 'edit' && (
            <ProductForm opened product={product} onClose={() => setDialog(null)} onSaved={() => (setDialog(null), state.reload())} />
          )}
          <DeleteDialog
            opened={dialog === 'delete'}
            title={`Delete ${product.name}?`}
            path={`/v1/products/${product.id}`}
            onClose={() => setDialog(null)}
            onDeleted={() => navigate('/products')}
          >
            <Text size="sm">Only a product without offerings can be deleted; its features go with it.</Text>
          </DeleteDialog>
          {feature?.action === 'edit' && (
            <FeatureEdit
              productId={product.id}
              feature={feature.f}
              onClose={() => setFeature(null)}
              onSaved={() => (setFeature(null), state.reload())}
            />
          )}
          <DeleteDialog
            opened={feature?.action === 'delete'}
            title={`Delete feature ${feature?.f.code ?? ''}?`}
            path={`/v1/products/${product.id}/features/${feature?.f.code ?? ''}`}
            onClose={() => setFeature(null)}
            onDeleted={() => (setFeature(null), state.reload())}
          >
            <Text size="sm">Only a feature no offering sets and no entitlement overrides can be deleted.</Text>
          </DeleteDialog>
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
                      {can('catalog') && <Table.Th />}
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
                        {can('catalog') && (
                          <Table.Td>
                            <Group gap={4} wrap="nowrap">
                              <Button
                                size="compact-xs"
                                variant="default"
                                aria-label={`Edit feature ${f.code}`}
                                onClick={() => setFeature({ f, action: 'edit' })}
                              >
                                Edit
                              </Button>
                              <Button
                                size="compact-xs"
                                variant="light"
                                color="red"
                                aria-label={`Delete feature ${f.code}`}
                                onClick={() => setFeature({ f, action: 'delete' })}
                              >
                                Delete
                              </Button>
                            </Group>
                          </Table.Td>
                        )}
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
  const names = useNames();
  return (
    <form
      aria-label="Add a feature"
      onSubmit={(e) => {
        e.preventDefault();
        void form.submit(async () => {
          await post(`/v1/products/${productId}/features`, { code, name, type, ...(unit ? { unit } : {}) });
          names.refresh();
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
          data={choices(FEATURE_TYPE_LABELS)}
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

/** A feature's name and unit can change; its code and type cannot (offerings and devices rely on them). */
function FeatureEdit({
  productId,
  feature,
  onClose,
  onSaved,
}: {
  productId: string;
  feature: Feature;
  onClose: () => void;
  onSaved: () => void;
}) {
  const [name, setName] = useState(feature.name);
  const [unit, setUnit] = useState(feature.unit ?? '');
  const form = useFormErrors();
  return (
    <Modal opened onClose={onClose} title={`Edit feature ${feature.code}`}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void form.submit(async () => {
            await patch(`/v1/products/${productId}/features/${feature.code}`, { name, unit: unit.trim() || null });
            onSaved();
          });
        }}
      >
        <Stack>
          <Text size="sm" c="dimmed">
            The code ({feature.code}) and type ({feature.type}) stay: offerings and devices refer to them.
          </Text>
          <TextInput
            label="Name"
            required
            data-autofocus
            value={name}
            onChange={(e) => setName(e.currentTarget.value)}
            error={form.fields['name']}
          />
          <TextInput label="Unit" value={unit} onChange={(e) => setUnit(e.currentTarget.value)} error={form.fields['unit']} />
          <form.FormError />
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={form.busy}>
              Save feature
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
