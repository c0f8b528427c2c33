import { z } from 'zod';

export const username = z.string().regex(/^[A-Za-z0-9._@-]{3,64}$/, '3-64 letters, digits or . _ @ -');
export const password = z.string().min(10, 'at least 10 characters').max(256, 'at most 256 characters');
const totpCode = z.string().regex(/^\d{6}$/, '6 digits');
const recoveryCode = z.string().min(4).max(32);

export const loginBody = z.strictObject({ username: z.string().min(1).max(64), password: z.string().min(1).max(256) });
export const mfaChallengeBody = z
  .strictObject({ mfaToken: z.string().min(10).max(2048), code: totpCode.optional(), recoveryCode: recoveryCode.optional() })
  .refine((b) => (b.code === undefined) !== (b.recoveryCode === undefined), {
    message: 'give exactly one of code or recoveryCode',
    path: ['code'],
  });
export const refreshBody = z.strictObject({ refreshToken: z.string().min(10).max(256) });
export const passwordChangeBody = z.strictObject({ currentPassword: z.string().min(1).max(256), newPassword: password });
export const mfaActivateBody = z.strictObject({ code: totpCode });
export const mfaDisableBody = z
  .strictObject({ code: totpCode.optional(), recoveryCode: recoveryCode.optional() })
  .refine((b) => (b.code === undefined) !== (b.recoveryCode === undefined), {
    message: 'give exactly one of code or recoveryCode',
    path: ['code'],
  });

/** RFC 6749 §4.4: form-encoded (or JSON) body; the client may also authenticate with HTTP Basic. */
export const tokenBody = z.strictObject({
  grant_type: z.literal('client_credentials', { error: "must be 'client_credentials'" }),
  client_id: z.string().min(1).max(64).optional(),
  client_secret: z.string().min(1).max(256).optional(),
  scope: z.string().max(1024).optional(),
});

export const sessionTokens = z.object({
  mfaRequired: z.literal(false),
  accessToken: z.string(),
  tokenType: z.literal('Bearer'),
  expiresIn: z.number(),
  refreshToken: z.string(),
  refreshExpiresIn: z.number(),
  mfaEnrollmentRequired: z.boolean(),
  user: z.object({
    id: z.string(),
    username: z.string(),
    displayName: z.string(),
    permissions: z.array(z.string()),
    mfaEnabled: z.boolean(),
  }),
});
export const loginResponse = z.union([
  sessionTokens,
  z.object({ mfaRequired: z.literal(true), mfaToken: z.string(), expiresIn: z.number() }),
]);

export const meResponse = z.object({
  kind: z.enum(['user', 'client']),
  id: z.string(),
  name: z.string(),
  displayName: z.string().optional(),
  permissions: z.array(z.string()),
  scope: z.object({ all: z.boolean(), sellers: z.array(z.string()), sites: z.array(z.string()) }),
  mfaEnabled: z.boolean(),
  mfaPending: z.boolean(),
});
export const tokenResponse = z.object({
  access_token: z.string(),
  token_type: z.literal('Bearer'),
  expires_in: z.number(),
  scope: z.string(),
});
