import { hash, verify } from '@node-rs/argon2';

/** argon2id with the library's defaults, which are OWASP's recommendation (19 MiB, t=2, p=1). */
export function hashPassword(password: string): Promise<string> {
  return hash(password);
}

// Verifying against this when no user matches keeps the response time the same.
let decoy: Promise<string> | null = null;

export async function verifyPassword(
  passwordHash: string | null,
  password: string,
): Promise<boolean> {
  if (!passwordHash) {
    decoy ??= hashPassword('decoy password that matches nobody');
    await verify(await decoy, password).catch(() => false);
    return false;
  }
  return verify(passwordHash, password).catch(() => false);
}
