import { Button, Code, CopyButton, Group, Text } from '@mantine/core';

/** The key the customer types into the application, with a copy button for support staff. */
export function LicenseKey({ licenseKey, pending = false }: { licenseKey: string; pending?: boolean }) {
  if (pending)
    return (
      <Text size="sm" c="orange" data-testid="license-key-pending">
        License key pending: the remote key generator has not answered yet; nothing can be activated until it does.
      </Text>
    );
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
