/**
 * Every sentence the portal sends to a customer's people, in one catalog (English by default), so a
 * translation is one more catalog of the same keys.
 */
export interface MessageCatalog {
  invitationSubject(vendor: string): string;
  invitationText(p: { name: string; vendor: string; customer: string; url: string; hours: number }): string;
  signInSubject(vendor: string): string;
  signInText(p: { name: string; vendor: string; url: string; minutes: number }): string;
}

export const ENGLISH: MessageCatalog = {
  invitationSubject: (vendor) => `You are invited to the ${vendor} customer portal`,
  invitationText: ({ name, vendor, customer, url, hours }) =>
    [
      `Hello ${name},`,
      '',
      `You have been invited to the ${vendor} customer portal for ${customer}. There you can see your licenses,`,
      'your devices and your downloads.',
      '',
      `Open this link to set your password (it works once, for ${hours} hours):`,
      url,
      '',
      'If you did not expect this invitation, you can ignore this email.',
    ].join('\n'),
  signInSubject: (vendor) => `Your sign-in link for the ${vendor} customer portal`,
  signInText: ({ name, vendor, url, minutes }) =>
    [
      `Hello ${name},`,
      '',
      `Open this link to sign in to the ${vendor} customer portal (it works once, for ${minutes} minutes):`,
      url,
      '',
      'If you did not ask to sign in, you can ignore this email; nobody can sign in without the link.',
    ].join('\n'),
};
