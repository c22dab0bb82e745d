import { ActionIcon, Button, Card, Group, MultiSelect, NumberInput, Select, Stack, Text } from '@mantine/core';
import type { ActivationRule, Offering, Product } from '@leasehold/contract';

/**
 * Activation rules built from pickers: what a customer must hold (a base product or offering), how
 * many devices they may activate in all, and which offerings may not run beside this one.
 */
export function ActivationRules(props: {
  rules: ActivationRule[];
  onChange: (rules: ActivationRule[]) => void;
  products: Product[];
  offerings: Offering[];
  selfId: string | undefined;
  readOnly: boolean;
  error?: string | undefined;
}) {
  const { rules, onChange, products, offerings } = props;
  const set = (i: number, rule: ActivationRule) => onChange(rules.map((r, j) => (j === i ? rule : r)));
  const remove = (i: number) => onChange(rules.filter((_, j) => j !== i));
  const others = offerings.filter((o) => o.id !== props.selfId).map((o) => ({ value: o.id, label: `${o.name} (${o.code})` }));
  const targets = [
    { group: 'Products', items: products.map((p) => ({ value: `product:${p.id}`, label: p.name })) },
    { group: 'Offerings', items: others.map((o) => ({ value: `offering:${o.value}`, label: o.label })) },
  ];
  return (
    <Stack gap="xs">
      {rules.length === 0 && (
        <Text size="sm" c="dimmed">
          No rules: any customer with this offering may activate up to its seats.
        </Text>
      )}
      {rules.map((rule, i) => (
        <Card withBorder key={i} p="xs" data-rule={rule.type}>
          <Group align="flex-end" wrap="nowrap">
            <div style={{ flex: 1 }}>
              {rule.type === 'requires' && (
                <Select
                  label="Requires an active entitlement to"
                  data={targets}
                  searchable
                  allowDeselect={false}
                  disabled={props.readOnly}
                  value={rule.offeringId ? `offering:${rule.offeringId}` : rule.productId ? `product:${rule.productId}` : null}
                  onChange={(v) => {
                    if (!v) return;
                    const [kind, id] = v.split(':') as ['product' | 'offering', string];
                    set(i, kind === 'product' ? { type: 'requires', productId: id } : { type: 'requires', offeringId: id });
                  }}
                />
              )}
              {rule.type === 'max_activations_per_customer' && (
                <NumberInput
                  label="Most devices one customer may activate (all their entitlements of this product)"
                  min={1}
                  max={1_000_000}
                  disabled={props.readOnly}
                  value={rule.limit}
                  onChange={(v) => set(i, { type: 'max_activations_per_customer', limit: Number(v) || 1 })}
                />
              )}
              {rule.type === 'excludes' && (
                <MultiSelect
                  label="Cannot run on a device beside"
                  data={others}
                  searchable
                  disabled={props.readOnly}
                  value={rule.offeringIds}
                  onChange={(v) => set(i, { type: 'excludes', offeringIds: v })}
                />
              )}
            </div>
            {!props.readOnly && (
              <ActionIcon variant="subtle" color="red" aria-label={`Remove rule ${i + 1}`} onClick={() => remove(i)} mb={4}>
                ✕
              </ActionIcon>
            )}
          </Group>
        </Card>
      ))}
      {props.error && (
        <Text c="red" size="sm" role="alert">
          {props.error}
        </Text>
      )}
      {!props.readOnly && (
        <Group gap="xs">
          <Button size="xs" variant="light" onClick={() => onChange([...rules, { type: 'requires', productId: products[0]?.id ?? '' }])}>
            + Requires a product or offering
          </Button>
          <Button size="xs" variant="light" onClick={() => onChange([...rules, { type: 'max_activations_per_customer', limit: 10 }])}>
            + Devices per customer
          </Button>
          <Button
            size="xs"
            variant="light"
            disabled={others.length === 0}
            onClick={() => onChange([...rules, { type: 'excludes', offeringIds: [] }])}
          >
            + Not together with
          </Button>
        </Group>
      )}
    </Stack>
  );
}
