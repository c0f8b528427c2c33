/**
 * What the API (which makes and seals a subscription's credentials) and the worker (which opens them to sign
 * or send) share: the credential formats, their sealing at rest with APP_ENCRYPTION_KEY, and the system's
 * name resolver for the target checks. Exported to the worker through `@app/api/services`.
 */
import { randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { formatWebhookSecret, type HostResolver, WEBHOOK_SECRET_BYTES } from '@app/domain';
import { decryptSecret, encryptSecret, randomToken } from '@app/security';

/** A new signing secret, `whsec_` + base64 of 32 random bytes (Standard Webhooks). */
export const newWebhookSecret = (): string => formatWebhookSecret(randomBytes(WEBHOOK_SECRET_BYTES));

/** A new bearer token (256 bits, URL-safe). */
export const newBearerToken = (): string => randomToken(32);

export type WebhookSealer = { seal(plain: string): string; open(sealed: string): string };

/** Seal and open secrets with APP_ENCRYPTION_KEY (base64 of 32 bytes), as sellers' QR keys are. */
export function webhookSealer(appEncryptionKey: string): WebhookSealer {
  const key = Buffer.from(appEncryptionKey, 'base64');
  return { seal: (plain) => encryptSecret(plain, key), open: (sealed) => decryptSecret(sealed, key) };
}

const DNS_TIMEOUT_MS = 5_000;

/** Every A and AAAA record of `hostname`, through the system's resolver (getaddrinfo: /etc/hosts too). */
export const systemResolver: HostResolver = async (hostname) => {
  let timer: NodeJS.Timeout | undefined;
  try {
    const found = await Promise.race([
      lookup(hostname, { all: true, verbatim: true }),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`DNS lookup timed out after ${DNS_TIMEOUT_MS} ms`)), DNS_TIMEOUT_MS);
      }),
    ]);
    return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
  } finally {
    clearTimeout(timer);
  }
};
