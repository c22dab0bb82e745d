/** An API error body, as `ApiError` holds it (declared here so this file stands alone). */
interface ErrorBody {
  code: string;
  message: string;
  details?: Record<string, unknown> | null | undefined;
  requestId?: string | null;
}

/** `leasePeriod` → "Lease period", `features.export` → "Export" (the part a person typed into). */
export function fieldLabel(field: string): string {
  const last = field.split('.').pop() ?? field;
  const words = last.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
}

const KIND: Record<string, string> = {
  integer: 'a whole number',
  number: 'a number',
  boolean: 'yes or no',
  string: 'text',
  object: 'a set of values',
  array: 'a list',
};

/**
 * The server's schema refusals (`leasePeriod: must match pattern "^P(?!$)…"`) said for a person:
 * which field, and what it takes. Refusals the rules made are sentences already and pass as they are.
 */
export function sentenceFor(body: ErrorBody): string {
  const d = (body.details ?? {}) as Record<string, unknown>;
  const field = typeof d['field'] === 'string' ? d['field'] : null;
  if (body.code !== 'INVALID_REQUEST' || !field || typeof d['rule'] !== 'string') return body.message;
  const label = fieldLabel(field);
  const limit = d['limit'];
  switch (d['rule']) {
    case 'pattern':
      return String(d['pattern'] ?? '').startsWith('^P')
        ? `${label} must be a duration such as P7D (7 days), PT12H (12 hours), P1M or P1Y.`
        : `${label} is not in a form this field takes.`;
    case 'minimum':
    case 'exclusiveMinimum':
      return `${label} must be at least ${d['rule'] === 'minimum' ? String(limit) : `more than ${String(limit)}`}.`;
    case 'maximum':
    case 'exclusiveMaximum':
      return `${label} must be at most ${String(limit)}.`;
    case 'minLength':
      return limit === 1 ? `${label} cannot be empty.` : `${label} needs at least ${String(limit)} characters.`;
    case 'maxLength':
      return `${label} can have at most ${String(limit)} characters.`;
    case 'type':
      return `${label} must be ${KIND[String(d['type'])] ?? String(d['type'])}.`;
    case 'enum':
      return Array.isArray(d['allowedValues']) ? `${label} must be one of: ${(d['allowedValues'] as unknown[]).join(', ')}.` : body.message;
    case 'format':
      return d['format'] === 'date-time' ? `${label} must be a date and time.` : `${label} is not in a form this field takes.`;
    case 'required':
      return `${label} is required.`;
    case 'additionalProperties':
      return `${label} is not something this form can set.`;
    default:
      return body.message;
  }
}
