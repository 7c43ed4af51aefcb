import type { AckLocale } from '../conversations/acknowledgements.js';

/**
 * The access message a customer receives through the channel. Placeholders: {number},
 * {workspace}, {code}, {link}, {minutes}.
 */
export const accessTemplates: Record<AckLocale, { subject: string; body: string }> = {
  en: {
    subject: 'Your access code for ticket {number}',
    body: 'Hello,\n\nUse this code to open ticket {number} at {workspace}: {code}\nOr open this link: {link}\n\nThe code and the link work once and expire in {minutes} minutes. If you did not ask for this, you can ignore this message.',
  },
  pl: {
    subject: 'Kod dostępu do zgłoszenia {number}',
    body: 'Dzień dobry,\n\naby otworzyć zgłoszenie {number} w {workspace}, wpisz kod: {code}\nMożesz też otworzyć ten link: {link}\n\nKod i link działają jeden raz i wygasają po {minutes} minutach. Jeśli nie prosiłeś o dostęp, zignoruj tę wiadomość.',
  },
  sv: {
    subject: 'Din åtkomstkod för ärende {number}',
    body: 'Hej,\n\nanvänd den här koden för att öppna ärende {number} hos {workspace}: {code}\nEller öppna länken: {link}\n\nKoden och länken fungerar en gång och slutar gälla om {minutes} minuter. Om du inte har bett om detta kan du bortse från meddelandet.',
  },
  fa: {
    subject: 'کد دسترسی به درخواست {number}',
    body: 'سلام\n\nبرای باز کردن درخواست {number} در {workspace} این کد را وارد کنید: {code}\nیا این پیوند را باز کنید: {link}\n\nکد و پیوند فقط یک بار کار می‌کنند و پس از {minutes} دقیقه منقضی می‌شوند. اگر شما این را درخواست نکرده‌اید، این پیام را نادیده بگیرید.',
  },
  zh: {
    subject: '工单 {number} 的访问验证码',
    body: '您好!\n\n请使用此验证码查看您在{workspace}的工单 {number}:{code}\n或打开此链接:{link}\n\n验证码和链接只能使用一次,{minutes} 分钟后失效。如果这不是您本人的操作,请忽略此消息。',
  },
};
