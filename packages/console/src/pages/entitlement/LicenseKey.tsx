import { Button, Code, CopyButton, Group, Text } from '@mantine/core';

/** The key the customer types into the application, with a copy button for support staff. */
export function LicenseKey({ licenseKey }: { licenseKey: string }) {
  return (
    <Group gap="xs">
      <Text size="sm" c="dimmed">
        License key
      </Text>
      <Code data-testid="license-key">{licenseKey}</Code>
      <CopyButton value={licenseKey}>
        {({ copied, copy }) => (
          <Button size="compact-xs" variant="subtle" onClick={copy}>
            {copied ? 'Copied' : 'Copy'}
          </Button>
        )}
      </CopyButton>
    </Group>
  );
}
