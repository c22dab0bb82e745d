/*
 * Verify a Leasehold lease offline, in C: libsodium for base64url and Ed25519, Jansson for JSON.
 *
 *   ./verify --jwks jwks.json --lease lease.jwt --product studio --fingerprint <this device>
 *            [--account acc_...] [--now <unix seconds>] [--tolerance 300] [--state trusted-time.json]
 *
 * Debian/Ubuntu: apt-get install gcc libc6-dev libsodium-dev libjansson-dev; then `make`.
 *
 * On success prints the verified claims as JSON on stdout and exits 0. On refusal prints
 * `REFUSED <CODE>: <why>` on stderr and exits 1; 2 is a usage error. The codes and the checks are
 * described in docs/verify-leases.md.
 */
#include <errno.h>
#include <jansson.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LEASE_TYP "leasehold-lease+jwt"
#define MAX_INPUT (1024 * 1024)

static int refuse(const char *code, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "REFUSED %s: ", code);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  return 1;
}

/* The whole file as a NUL-terminated string, or NULL. */
static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char *buf = malloc(MAX_INPUT + 1);
  size_t n = buf ? fread(buf, 1, MAX_INPUT + 1, f) : 0;
  int bad = !buf || ferror(f) || n > MAX_INPUT;
  fclose(f);
  if (bad) {
    free(buf);
    return NULL;
  }
  buf[n] = '\0';
  if (len) *len = n;
  return buf;
}

/*
 * Strict base64url without padding (RFC 7515): every character must decode, nothing may trail.
 * Returns the decoded length, or -1.
 */
static long b64url_decode(const char *in, size_t in_len, unsigned char *out, size_t out_max) {
  size_t out_len = 0;
  const char *end = NULL;
  if (sodium_base642bin(out, out_max, in, in_len, NULL, &out_len, &end, sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0) return -1;
  if (end != in + in_len) return -1;
  return (long)out_len;
}

/* A base64url segment decoded and parsed as a JSON object (duplicate keys refused), or NULL. */
static json_t *segment_json(const char *seg, size_t len) {
  size_t max = len / 4 * 3 + 3;
  unsigned char *raw = malloc(max);
  if (!raw) return NULL;
  long n = b64url_decode(seg, len, raw, max);
  json_t *value = n < 0 ? NULL : json_loadb((const char *)raw, (size_t)n, JSON_REJECT_DUPLICATES, NULL);
  free(raw);
  if (value && !json_is_object(value)) {
    json_decref(value);
    return NULL;
  }
  return value;
}

/* The Ed25519 public key the JWKS pins under `kid`; 0 when found. */
static int pinned_key(const json_t *jwks, const char *kid, unsigned char pk[crypto_sign_PUBLICKEYBYTES]) {
  const json_t *keys = json_object_get(jwks, "keys");
  size_t i;
  const json_t *jwk;
  json_array_foreach(keys, i, jwk) {
    const char *k = json_string_value(json_object_get(jwk, "kid"));
    const char *kty = json_string_value(json_object_get(jwk, "kty"));
    const char *crv = json_string_value(json_object_get(jwk, "crv"));
    const char *x = json_string_value(json_object_get(jwk, "x"));
    if (!k || !kty || !crv || !x || strcmp(k, kid) != 0 || strcmp(kty, "OKP") != 0 || strcmp(crv, "Ed25519") != 0) continue;
    if (b64url_decode(x, strlen(x), pk, crypto_sign_PUBLICKEYBYTES) == crypto_sign_PUBLICKEYBYTES) return 0;
  }
  return -1;
}

static int string_is(const json_t *obj, const char *name, const char *expected) {
  const char *value = json_string_value(json_object_get(obj, name));
  return value && strcmp(value, expected) == 0;
}

/* The trusted time kept in the state file: 0 when there is none yet, -1 when it is unreadable. */
static long long read_trusted_time(const char *path) {
  size_t len;
  char *text = read_file(path, &len);
  if (!text) return errno == ENOENT ? 0 : -1;
  json_t *state = json_loadb(text, len, 0, NULL);
  free(text);
  const json_t *t = json_object_get(state, "trustedTime");
  long long value = json_is_integer(t) ? (long long)json_integer_value(t) : -1;
  json_decref(state);
  return value;
}

static int write_trusted_time(const char *path, long long trusted) {
  FILE *f = fopen(path, "w");
  if (!f) return -1;
  int ok = fprintf(f, "{\"trustedTime\":%lld}", trusted) > 0;
  return fclose(f) == 0 && ok ? 0 : -1;
}

static int usage(void) {
  fprintf(stderr,
          "usage: verify --jwks FILE --lease FILE --product CODE --fingerprint FP [--account ID] [--now SECONDS]\n"
          "              [--tolerance SECONDS] [--state FILE]\n");
  return 2;
}

int main(int argc, char **argv) {
  const char *jwks_path = NULL, *lease_path = NULL, *product = NULL, *fingerprint = NULL, *account = NULL, *state_path = NULL;
  long long now = (long long)time(NULL), tolerance = 300;
  for (int i = 1; i < argc; i++) {
    const char *opt = argv[i], *val = i + 1 < argc ? argv[i + 1] : NULL;
    if (!val) return usage();
    char *end = NULL;
    if (strcmp(opt, "--jwks") == 0) jwks_path = val;
    else if (strcmp(opt, "--lease") == 0) lease_path = val;
    else if (strcmp(opt, "--product") == 0) product = val;
    else if (strcmp(opt, "--fingerprint") == 0) fingerprint = val;
    else if (strcmp(opt, "--account") == 0) account = val;
    else if (strcmp(opt, "--state") == 0) state_path = val;
    else if (strcmp(opt, "--now") == 0 || strcmp(opt, "--tolerance") == 0) {
      long long n = strtoll(val, &end, 10);
      if (*val == '\0' || *end != '\0') return usage();
      *(strcmp(opt, "--now") == 0 ? &now : &tolerance) = n;
    } else return usage();
    i++;
  }
  if (!jwks_path || !lease_path || !product || !fingerprint) return usage();
  if (sodium_init() < 0) {
    fprintf(stderr, "libsodium failed to initialise\n");
    return 2;
  }

  size_t jwks_len, token_len;
  char *jwks_text = read_file(jwks_path, &jwks_len);
  char *token = read_file(lease_path, &token_len);
  json_t *jwks = jwks_text ? json_loadb(jwks_text, jwks_len, 0, NULL) : NULL;
  if (!jwks || !token) {
    fprintf(stderr, "cannot read the inputs (%s, %s)\n", jwks_path, lease_path);
    return 2;
  }
  while (token_len > 0 && (token[token_len - 1] == '\n' || token[token_len - 1] == '\r' || token[token_len - 1] == ' ')) token[--token_len] = '\0';

  int rc = 1;
  json_t *header = NULL, *claims = NULL;
  unsigned char *sig = NULL;

  /* 1. Split the compact JWS: header.payload.signature, exactly three parts. */
  char *dot1 = memchr(token, '.', token_len);
  char *dot2 = dot1 ? memchr(dot1 + 1, '.', token_len - (size_t)(dot1 + 1 - token)) : NULL;
  if (!dot1 || !dot2 || memchr(dot2 + 1, '.', token_len - (size_t)(dot2 + 1 - token))) {
    refuse("MALFORMED", "the lease is not a compact JWS (three base64url parts)");
    goto done;
  }
  size_t header_len = (size_t)(dot1 - token), payload_len = (size_t)(dot2 - dot1 - 1);
  size_t signing_input_len = (size_t)(dot2 - token), sig_b64_len = token_len - signing_input_len - 1;

  /* 2. The header: alg pinned to EdDSA (none, HS256, RS256, ... are refused), typ, kid. */
  header = segment_json(token, header_len);
  if (!header) {
    refuse("MALFORMED", "the header is not base64url JSON");
    goto done;
  }
  if (!string_is(header, "alg", "EdDSA")) {
    refuse("BAD_HEADER", "alg is not EdDSA");
    goto done;
  }
  if (!string_is(header, "typ", LEASE_TYP)) {
    refuse("BAD_HEADER", "typ is not " LEASE_TYP);
    goto done;
  }
  const char *kid = json_string_value(json_object_get(header, "kid"));
  if (!kid) {
    refuse("BAD_HEADER", "the header has no kid");
    goto done;
  }

  /* 3. The signature, over the ASCII bytes "header.payload", against the pinned key named by kid. */
  unsigned char pk[crypto_sign_PUBLICKEYBYTES];
  if (pinned_key(jwks, kid, pk) != 0) {
    refuse("UNKNOWN_KEY", "key %s is not in the pinned JWKS", kid);
    goto done;
  }
  sig = malloc(sig_b64_len + 3);
  if (!sig || b64url_decode(dot2 + 1, sig_b64_len, sig, sig_b64_len + 3) != crypto_sign_BYTES) {
    refuse("BAD_SIGNATURE", "the signature is not 64 bytes of base64url");
    goto done;
  }
  if (crypto_sign_verify_detached(sig, (const unsigned char *)token, signing_input_len, pk) != 0) {
    refuse("BAD_SIGNATURE", "the signature does not verify against the pinned key");
    goto done;
  }

  /* 4. The claims, only now that they are known to be the server's. */
  claims = segment_json(dot1 + 1, payload_len);
  if (!claims) {
    refuse("MALFORMED", "the payload is not base64url JSON");
    goto done;
  }
  static const char *required_strings[] = {"iss", "sub", "aud", "jti", "fingerprint", "mode"};
  for (size_t i = 0; i < sizeof required_strings / sizeof *required_strings; i++) {
    if (!json_is_string(json_object_get(claims, required_strings[i]))) {
      refuse("MALFORMED", "%s is missing or not a string", required_strings[i]);
      goto done;
    }
  }
  static const char *required_times[] = {"iat", "exp", "refreshAfter"};
  for (size_t i = 0; i < sizeof required_times / sizeof *required_times; i++) {
    if (!json_is_integer(json_object_get(claims, required_times[i]))) {
      refuse("MALFORMED", "%s is missing or not an integer", required_times[i]);
      goto done;
    }
  }
  const json_t *entitlement = json_object_get(claims, "entitlement");
  if (!json_is_object(json_object_get(claims, "seat")) || !json_is_object(json_object_get(entitlement, "features"))) {
    refuse("MALFORMED", "seat or entitlement.features is missing");
    goto done;
  }

  /* 5. Whose lease: this product (aud), this device (fingerprint), this vendor (iss, when pinned). */
  if (!string_is(claims, "aud", product)) {
    refuse("WRONG_PRODUCT", "the lease is not for product %s", product);
    goto done;
  }
  if (!string_is(claims, "fingerprint", fingerprint)) {
    refuse("WRONG_DEVICE", "the lease is bound to another device");
    goto done;
  }
  if (account && !string_is(claims, "iss", account)) {
    refuse("WRONG_ISSUER", "the lease does not come from account %s", account);
    goto done;
  }

  /* 6. The clock: not behind the latest time known to be real (iat, or a later time seen), not past exp. */
  long long iat = (long long)json_integer_value(json_object_get(claims, "iat"));
  long long exp = (long long)json_integer_value(json_object_get(claims, "exp"));
  long long seen = state_path ? read_trusted_time(state_path) : 0;
  if (seen < 0) {
    refuse("CLOCK_TAMPERED", "the trusted-time file %s is unreadable or damaged", state_path);
    goto done;
  }
  long long trusted = iat > seen ? iat : seen;
  if (now < trusted - tolerance) {
    refuse("CLOCK_TAMPERED", "the clock (%lld) is behind a time already seen (%lld) by more than %lld s", now, trusted, tolerance);
    goto done;
  }
  const json_t *nbf = json_object_get(claims, "nbf");
  if (nbf && (!json_is_integer(nbf) || now < (long long)json_integer_value(nbf) - tolerance)) {
    refuse("NOT_YET_VALID", "the lease's nbf is still ahead");
    goto done;
  }
  if (now >= exp) {
    refuse("LEASE_EXPIRED", "the lease expired at %lld (now %lld): refresh it", exp, now);
    goto done;
  }

  if (state_path && write_trusted_time(state_path, now > trusted ? now : trusted) != 0) {
    fprintf(stderr, "warning: cannot write %s\n", state_path);
  }
  char *out = json_dumps(claims, JSON_COMPACT | JSON_PRESERVE_ORDER);
  if (out) {
    puts(out);
    free(out);
    rc = 0;
  }

done:
  free(sig);
  json_decref(claims);
  json_decref(header);
  json_decref(jwks);
  free(jwks_text);
  free(token);
  return rc;
}
