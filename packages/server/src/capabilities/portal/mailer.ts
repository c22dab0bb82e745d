import { createTransport } from 'nodemailer';
import type { MailPort } from './ports.js';

/** Mail through the SMTP server of LEASEHOLD_SMTP_URL (nodemailer; TLS as the URL's scheme and the server offer). */
export function smtpMailer(url: string, from: string): MailPort & { close(): void } {
  const transport = createTransport(url);
  return {
    send: async (message) => {
      await transport.sendMail({ from, ...message });
    },
    close: () => transport.close(),
  };
}
