import { readFile } from 'node:fs/promises';
import type { Db } from '../../database.js';
import type { Actor } from '../../platform/http.js';
import { addMessage, updateConversation } from '../conversations/conversations.service.js';
import { ingest, type InboundMessage } from '../conversations/ingest.js';

type Lang = 'pl' | 'sv' | 'fa' | 'zh';

/** Paragraphs of a source article (in `articles/`), skipping navigation and boilerplate. */
export async function articleParagraphs(lang: Lang): Promise<string[]> {
  const text = await readFile(new URL(`./articles/${lang}.txt`, import.meta.url), 'utf8');
  const script = {
    pl: /[a-ząćęłńóśźż]/i,
    sv: /[a-zåäö]/i,
    fa: /[\u0600-\u06FF]/,
    zh: /[\u4e00-\u9fff]/,
  }[lang];
  return text
    .split(/\n+/)
    .map((line) => line.trim())
    .filter((line) => line.length >= 60 && script.test(line));
}

interface DemoThread {
  lang: Lang | 'en';
  from: InboundMessage['from'];
  channel: InboundMessage['channel'];
  subject: string;
  /** Which paragraphs of the article the customer writes (the rest of the story is the agent's). */
  paragraphs: number[];
  reply?: { agent: string; text: string; status?: 'pending' | 'resolved' | 'open' };
  note?: { agent: string; text: string };
  priority?: 'low' | 'normal' | 'high' | 'urgent';
  tags?: string[];
}

const threads: DemoThread[] = [
  {
    lang: 'pl',
    channel: 'email',
    from: { kind: 'email', value: 'katarzyna.wisniewska@example.pl', name: 'Katarzyna Wiśniewska' },
    subject: 'Czym jest dobra obsługa klienta?',
    paragraphs: [0, 1],
    reply: {
      agent: 'ola@demo.localhost',
      text: 'Dzień dobry! Dziękujemy za wiadomość — odpowiemy szczegółowo jeszcze dziś.',
      status: 'pending',
    },
    tags: ['pytanie'],
  },
  {
    lang: 'pl',
    channel: 'sms',
    from: { kind: 'phone', value: '+48 601 234 567', name: 'Marek Zieliński' },
    subject: 'Proces obsługi zgłoszeń',
    paragraphs: [3],
    priority: 'high',
  },
  {
    lang: 'sv',
    channel: 'email',
    from: { kind: 'email', value: 'erik.johansson@example.se', name: 'Erik Johansson' },
    subject: 'Fem tips för framgångsrik kundhantering',
    paragraphs: [0, 1],
    reply: {
      agent: 'sven@demo.localhost',
      text: 'Hej Erik! Tack för ditt mejl. Vi återkommer med ett svar inom en arbetsdag.',
      status: 'resolved',
    },
  },
  {
    lang: 'sv',
    channel: 'whatsapp',
    from: { kind: 'whatsapp', value: '+46701234567', name: 'Anna Lindberg' },
    subject: 'Självbetjäning',
    paragraphs: [3],
    note: { agent: 'sven@demo.localhost', text: 'Kunden vill ha en länk till hjälpcentret.' },
  },
  {
    lang: 'fa',
    channel: 'whatsapp',
    from: { kind: 'whatsapp', value: '+989123456789', name: 'مریم رضایی' },
    subject: 'پشتیبانی مشتریان',
    paragraphs: [0, 2],
    reply: {
      agent: 'sara@demo.localhost',
      text: 'سلام مریم، از پیام شما متشکریم. همکاران ما به زودی پاسخ می‌دهند.',
      status: 'open',
    },
    priority: 'urgent',
  },
  {
    lang: 'zh',
    channel: 'email',
    from: { kind: 'email', value: 'wang.fang@example.cn', name: '王芳' },
    subject: '提升业务的5个客户服务原则',
    paragraphs: [0, 1],
    reply: {
      agent: 'li@demo.localhost',
      text: '您好!感谢您的来信,我们会尽快回复您。',
      status: 'pending',
    },
    tags: ['咨询'],
  },
  {
    lang: 'zh',
    channel: 'phone',
    from: { kind: 'phone', value: '+86 138 0013 8000', name: '张伟' },
    subject: '等待时间太长',
    paragraphs: [2],
    note: {
      agent: 'finance@demo.localhost',
      text: 'Refund approved by finance — agent may confirm to the customer.',
    },
  },
  {
    lang: 'en',
    channel: 'email',
    from: { kind: 'email', value: 'jane.doe@example.com', name: 'Jane Doe' },
    subject: 'Where is my order #A-77812?',
    paragraphs: [],
    priority: 'high',
  },
];

const english =
  'Hello, I ordered a replacement charger two weeks ago and the tracking page has not changed since. ' +
  'Could you tell me where it is? I need it before Friday. Thanks, Jane';

/** The demo workspace's conversations: real text from the four source articles, plus English. */
export async function seedDemoConversations(db: Db, workspaceId: string): Promise<number> {
  const users = await db
    .selectFrom('users')
    .select(['id', 'email', 'role'])
    .where('workspaceId', '=', workspaceId)
    .execute();
  const actorFor = (email: string): Actor => {
    const user = users.find((u) => u.email === email);
    if (!user) throw new Error(`demo user ${email} is missing`);
    return {
      workspaceId,
      userId: user.id,
      role: user.role,
      via: 'token',
      scopes: ['admin'],
      csrfToken: null,
      credentialId: 'seed',
    };
  };
  let created = 0;
  for (const [index, thread] of threads.entries()) {
    const paragraphs = thread.lang === 'en' ? [english] : await articleParagraphs(thread.lang);
    const text =
      thread.lang === 'en'
        ? english
        : thread.paragraphs.map((i) => paragraphs[i] ?? '').join('\n\n');
    const result = await ingest(db, {
      workspaceId,
      channel: thread.channel,
      from: thread.from,
      subject: thread.subject,
      text,
      languageHint: thread.lang,
      externalId: `demo-${index}`,
      receivedAt: new Date(Date.now() - (threads.length - index) * 3_600_000),
    });
    if (result.duplicate) continue;
    created++;
    const owner = users.find((u) => u.role === 'owner');
    if (thread.priority || thread.tags) {
      await updateConversation({
        db,
        actor: actorFor(owner?.email ?? ''),
        conversationId: result.conversationId,
        changes: {
          ...(thread.priority ? { priority: thread.priority } : {}),
          ...(thread.tags ? { tags: thread.tags } : {}),
        },
      });
    }
    if (thread.note) {
      await addMessage({
        db,
        actor: actorFor(thread.note.agent),
        conversationId: result.conversationId,
        body: { kind: 'note', text: thread.note.text },
      });
    }
    if (thread.reply) {
      const agent = actorFor(thread.reply.agent);
      await updateConversation({
        db,
        actor: actorFor(owner?.email ?? ''),
        conversationId: result.conversationId,
        changes: { assigneeId: agent.userId },
      });
      await addMessage({
        db,
        actor: agent,
        conversationId: result.conversationId,
        body: {
          kind: 'reply',
          text: thread.reply.text,
          ...(thread.reply.status ? { status: thread.reply.status } : {}),
        },
      });
    }
  }
  return created;
}
