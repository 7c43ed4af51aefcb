import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { AppError } from '../../platform/errors.js';
import type { IdentityKind } from './contacts.tables.js';

export interface Identity {
  kind: IdentityKind;
  value: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/**
 * One canonical form per identity, so the same person is found whatever way they typed it:
 * emails lower-cased, phone numbers (and WhatsApp ids, which are phone numbers) in E.164.
 * Throws `validation_failed` for a value that cannot be such an identity.
 */
export function normalizeIdentity(identity: Identity, defaultCountry?: CountryCode): Identity {
  const raw = identity.value.trim();
  switch (identity.kind) {
    case 'email': {
      const value = raw.toLowerCase();
      if (!EMAIL.test(value) || value.length > 254)
        throw invalid(identity, 'is not an email address');
      return { kind: 'email', value };
    }
    case 'phone':
    case 'whatsapp': {
      const phone = parsePhoneNumberFromString(raw.replace(/^whatsapp:/, ''), defaultCountry);
      if (!phone?.isValid())
        throw invalid(identity, 'is not a valid phone number (use the international form, +48…)');
      return { kind: identity.kind, value: phone.number };
    }
    case 'telegram': {
      if (!/^\d{1,20}$/.test(raw)) throw invalid(identity, 'is not a Telegram user id');
      return { kind: 'telegram', value: raw };
    }
    case 'chat': {
      if (raw.length < 16 || raw.length > 128) throw invalid(identity, 'is not a chat visitor id');
      return { kind: 'chat', value: raw };
    }
  }
}

function invalid(identity: Identity, message: string): AppError {
  return new AppError(
    'validation_failed',
    `${identity.kind} "${identity.value.slice(0, 100)}" ${message}`,
    {
      details: { issues: [{ path: identity.kind, message }] },
    },
  );
}
