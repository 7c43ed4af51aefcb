import { isIP } from 'node:net';
import type { PushSubscription, PushSubscriptionBody } from '@parley/contract';
import type { Selectable } from 'kysely';
import { uuidv7 } from 'uuidv7';
import webpush from 'web-push';
import type { Db } from '../../database.js';
import type { Config } from '../../platform/config.js';
import { decrypt, deriveKey, encrypt } from '../../platform/crypto.js';
import { AppError, notFound } from '../../platform/errors.js';
import type { Actor } from '../../platform/http.js';
import type { PushSubscriptionsTable } from './push.tables.js';

export interface VapidKeys {
  publicKey: string;
  privateKey: string;
}

const sealKey = (secretKey: string) => deriveKey(secretKey, 'vapid');

/**
 * The installation's VAPID key pair, generated on first use (concurrent first uses agree: the
 * first insert wins) and kept with the private key sealed by SECRET_KEY.
 */
export async function vapidKeys(db: Db, secretKey: string): Promise<VapidKeys> {
  const read = () =>
    db
      .selectFrom('installationSecrets')
      .select('value')
      .where('name', '=', 'vapid')
      .executeTakeFirst();
  let row = await read();
  if (!row) {
    const fresh = webpush.generateVAPIDKeys();
    await db
      .insertInto('installationSecrets')
      .values({
        name: 'vapid',
        value: JSON.stringify({
          publicKey: fresh.publicKey,
          privateKey: encrypt(sealKey(secretKey), fresh.privateKey),
        }),
      })
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    row = await read();
  }
  const { publicKey, privateKey } = row?.value ?? {};
  if (!publicKey || !privateKey) throw new Error('VAPID keys missing');
  return { publicKey, privateKey: decrypt(sealKey(secretKey), privateKey) };
}

function isPrivateAddress(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost') || h.endsWith('.local')) return true;
  const version = isIP(h);
  if (version === 4) {
    const [a = 0, b = 0] = h.split('.').map(Number);
    return (
      a === 10 ||
      a === 127 ||
      a === 0 ||
      (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) ||
      (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127)
    );
  }
  if (version === 6)
    return (
      h === '::1' ||
      h === '::' ||
      /^f[cd]/.test(h) ||
      h.startsWith('fe80') ||
      h.startsWith('::ffff:')
    );
  return false;
}

/**
 * Push endpoints are URLs of browser push services, which Parley will POST to: https on a
 * public host. Outside production a loopback endpoint may be plain http (a local test push
 * service); a private or loopback address is never accepted in production.
 */
export function checkEndpoint(endpoint: string, config: Pick<Config, 'nodeEnv'>): URL {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new AppError('push_endpoint_refused', 'The endpoint is not a URL');
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (config.nodeEnv !== 'production' && loopback && ['http:', 'https:'].includes(url.protocol))
    return url;
  if (url.protocol !== 'https:')
    throw new AppError('push_endpoint_refused', 'A push endpoint must be an https URL');
  if (url.username || url.password || isPrivateAddress(url.hostname))
    throw new AppError(
      'push_endpoint_refused',
      'A push endpoint must be a public push service, not a private or loopback address',
    );
  return url;
}

type SubscriptionRow = Selectable<PushSubscriptionsTable>;

const present = (row: SubscriptionRow): PushSubscription => ({
  id: row.id,
  endpoint: row.endpoint,
  userAgent: row.userAgent,
  createdAt: row.createdAt.toISOString(),
  lastSentAt: row.lastSentAt?.toISOString() ?? null,
});

/** Stores the signed-in user's browser subscription (the same endpoint again: theirs now, new keys). */
export async function subscribe(props: {
  db: Db;
  config: Pick<Config, 'nodeEnv'>;
  actor: Actor;
  body: PushSubscriptionBody;
  userAgent: string | null;
}): Promise<PushSubscription> {
  const { actor, body } = props;
  checkEndpoint(body.endpoint, props.config);
  const row = await props.db
    .insertInto('pushSubscriptions')
    .values({
      workspaceId: actor.workspaceId,
      id: uuidv7(),
      userId: actor.userId,
      endpoint: body.endpoint,
      p256dh: body.keys.p256dh,
      auth: body.keys.auth,
      userAgent: props.userAgent?.slice(0, 300) ?? null,
    })
    .onConflict((oc) =>
      oc.columns(['workspaceId', 'endpoint']).doUpdateSet({
        userId: actor.userId,
        p256dh: body.keys.p256dh,
        auth: body.keys.auth,
        userAgent: props.userAgent?.slice(0, 300) ?? null,
      }),
    )
    .returningAll()
    .executeTakeFirstOrThrow();
  return present(row);
}

export async function findSubscriptions(props: { db: Db; actor: Actor }) {
  const rows = await props.db
    .selectFrom('pushSubscriptions')
    .selectAll()
    .where('workspaceId', '=', props.actor.workspaceId)
    .where('userId', '=', props.actor.userId)
    .orderBy('createdAt')
    .execute();
  return rows.map(present);
}

/** Removes one of the user's own subscriptions (anyone else's: 404). */
export async function unsubscribe(props: { db: Db; actor: Actor; subscriptionId: string }) {
  const removed = await props.db
    .deleteFrom('pushSubscriptions')
    .where('workspaceId', '=', props.actor.workspaceId)
    .where('userId', '=', props.actor.userId)
    .where('id', '=', props.subscriptionId)
    .executeTakeFirst();
  if (removed.numDeletedRows === 0n)
    throw notFound('The push subscription', 'push_subscription_not_found');
}
