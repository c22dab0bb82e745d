// The codes apart from the error body's schema (errors.ts): the SDK's bundle needs only the codes,
// and so leaves typebox out (the contract is `sideEffects: false`).

/**
 * Every error code the API can answer with, and its HTTP status. This is the one place where codes
 * meet statuses: the server maps a DomainError to a response through this table and nothing else.
 */
export const ERROR_STATUS = {
  // malformed or unauthorized requests
  INVALID_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_REQUESTS: 429,
  /** An inbound webhook (Stripe, the generic billing endpoint) whose signature does not verify; nothing was changed. */
  WEBHOOK_SIGNATURE_INVALID: 400,
  // refused writes: the request was understood, a rule said no
  DUPLICATE_CODE: 409,
  DUPLICATE_EXTERNAL_REF: 409,
  IN_USE: 409,
  INVALID_STATE: 409,
  IDEMPOTENCY_KEY_REUSED: 422,
  IDEMPOTENCY_IN_PROGRESS: 409,
  LAST_ADMIN_KEY: 409,
  ACCOUNT_REQUIRED: 409,
  UNKNOWN_REFERENCE: 422,
  UNKNOWN_FEATURE: 422,
  INVALID_FEATURE_VALUE: 422,
  PRODUCT_MISMATCH: 422,
  NOT_RENEWABLE: 422,
  CHANGE_NOT_ALLOWED: 422,
  /** A computed time (a term's end, a renewal) would fall past the range the API represents. */
  DATE_OUT_OF_RANGE: 422,
  /** A webhook URL that is not https, or resolves to a loopback, private, link-local or metadata address. */
  WEBHOOK_URL_REFUSED: 422,
  // client (license) endpoints: the license may not do this now
  LICENSE_KEY_INVALID: 401,
  SUSPENDED: 403,
  EXPIRED: 403,
  REVOKED: 403,
  RETURNED: 403,
  NOT_STARTED: 403,
  FINGERPRINT_MISMATCH: 403,
  FEATURE_MISSING: 403,
  NOT_ACTIVATED: 404,
  SEAT_LIMIT_REACHED: 409,
  HEARTBEAT_DEAD: 409,
  REHOST_LIMIT_REACHED: 409,
  TRIAL_ALREADY_USED: 409,
  QUOTA_EXHAUSTED: 409,
  POOL_EXHAUSTED: 409,
  RULE_UNSATISFIED: 422,
  BORROW_NOT_ALLOWED: 422,
  NO_TRIAL: 422,
  /** An inbound billing webhook for an account that has not set up that integration (no signing secret). */
  INTEGRATION_NOT_CONFIGURED: 409,
  // keys, codes and batches (issue 22)
  KEY_REQUIRED: 422,
  CODE_INVALID: 422,
  CODE_ALREADY_REDEEMED: 409,
  /** The vendor's remote key generator failed (timeout, error, bad answer): nothing was created. */
  KEY_GENERATOR_FAILED: 502,
  // releases and downloads
  RELEASE_NOT_ENTITLED: 403,
  MAINTENANCE_EXPIRED: 403,
  DOWNLOAD_LIMIT_REACHED: 403,
  /** A signed file URL past its expiry. */
  LINK_EXPIRED: 403,
  /** A signed file URL whose signature does not match (altered, or for another file). */
  LINK_INVALID: 403,
  /** Uploaded bytes whose size or sha256 differ from what the artifact declared. */
  ARTIFACT_MISMATCH: 422,
  // the portal's OpenID Connect sign-in (issue 21)
  /** The callback's state is unknown, used already, expired, of another connection, or was started in another browser. */
  SSO_STATE_INVALID: 403,
  /** The provider refused the sign-in or its answer did not verify (an error in the callback, a code refused or replayed, an ID token that fails). */
  SSO_REJECTED: 403,
  /** The provider says the email address is not verified (or says nothing of it). */
  SSO_EMAIL_UNVERIFIED: 403,
  /** The email's domain is not one the connection allows. */
  SSO_DOMAIN_NOT_ALLOWED: 403,
  /** The portal user of that identity or address is disabled. */
  SSO_USER_DISABLED: 403,
  /** Nobody of that address was invited and the connection does not provision users. */
  SSO_USER_UNKNOWN: 403,
  /** The provider could not be reached or answered nonsense (discovery, token endpoint). */
  SSO_UNAVAILABLE: 502,
  // queued license keys (issue 22)
  /** The entitlement waits for its key from the remote key generator: nothing can be activated yet. */
  KEY_PENDING: 409,
  // scheduled report exports (issue 20)
  /** An export to an email address on a server with no SMTP configured (LEASEHOLD_SMTP_URL): nothing was created. */
  MAIL_NOT_CONFIGURED: 409,
  // server side
  INTERNAL: 500,
  SERVICE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
export const ERROR_CODES = Object.keys(ERROR_STATUS) as ErrorCode[];
