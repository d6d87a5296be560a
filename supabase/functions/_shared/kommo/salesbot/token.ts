// The token of a Salesbot `widget_request`: a JWT Kommo signs with the integration's client secret (HS512, as
// Kommo's own PHP SDK verifies it). Nothing else is accepted: no other algorithm, no expired or unsigned token.
import { errors, jwtVerify } from 'jose';
import { ApiError } from '../../http/errors.ts';

/** The claims Closer reads; Kommo sends more (iss, client_uuid, bot_type, …). */
export interface SalesbotClaims {
  accountId: number;
  subdomain: string;
  /** 2 lead, 12 customer. */
  entityType: 2 | 12;
  entityId: number;
}

const positiveId = (value: unknown): number | null => {
  const n = typeof value === 'string' && /^\d{1,18}$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n > 0 ? n : null;
};

/** The secret as an HMAC key, imported once per secret (not once per request). */
const keys = new Map<string, Promise<CryptoKey>>();
const hmacKey = (secret: string) => {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(secret),
      { name: 'HMAC', hash: 'SHA-512' },
      false,
      ['verify'],
    );
    keys.set(secret, key);
  }
  return key;
};

/** Verifies `token`; 401 `unauthorized` when it is not Kommo's for this integration, naming why in the message. */
export async function verifySalesbotToken(token: string, clientSecret: string): Promise<SalesbotClaims> {
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, await hmacKey(clientSecret), {
      algorithms: ['HS512'],
      requiredClaims: ['exp'],
      clockTolerance: 30,
    }));
  } catch (error) {
    const why =
      error instanceof errors.JWTExpired
        ? 'the token has expired'
        : error instanceof errors.JOSEAlgNotAllowed
          ? 'the token is not signed with HS512'
          : 'the token is not signed by this integration';
    throw new ApiError('unauthorized', `Salesbot request refused: ${why}`);
  }
  const accountId = positiveId(payload.account_id);
  const entityId = positiveId(payload.entity_id);
  const entityType = Number(payload.entity_type);
  const subdomain = payload.subdomain;
  if (
    accountId === null ||
    entityId === null ||
    (entityType !== 2 && entityType !== 12) ||
    typeof subdomain !== 'string' ||
    !/^[a-z0-9][a-z0-9-]{0,62}$/.test(subdomain)
  ) {
    throw new ApiError(
      'unauthorized',
      'Salesbot request refused: the token lacks account_id, subdomain, entity_id or entity_type',
    );
  }
  return { accountId, subdomain, entityType, entityId };
}
