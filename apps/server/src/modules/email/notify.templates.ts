import type { AckLocale } from '../conversations/acknowledgements.js';

/**
 * Mail Parley writes to its users (not to customers), in the user's language: agent
 * notifications and workspace invitations. Placeholders in `{braces}`; values are plain
 * text (escaped when put into HTML).
 */
export interface NotificationTexts {
  /** {tag} {subject} {actor} */
  assignedSubject: string;
  /** {tag} {actor} */
  assignedIntro: string;
  /** {tag} {subject} {customer} */
  repliedSubject: string;
  /** {tag} {customer} */
  repliedIntro: string;
  /** {tag} {subject} {team} */
  escalatedSubject: string;
  /** {tag} {actor} {team} */
  escalatedIntro: string;
  subject: string;
  customer: string;
  open: string;
  replyHint: string;
  /** {inviter} {workspace} */
  invitationSubject: string;
  /** {inviter} {workspace} {role} {link} {expires} */
  invitationBody: string;
}

export const notificationTexts: Record<AckLocale, NotificationTexts> = {
  en: {
    assignedSubject: '{tag} Assigned to you: {subject}',
    assignedIntro: '{actor} assigned conversation {tag} to you.',
    repliedSubject: '{tag} {customer} replied: {subject}',
    repliedIntro: '{customer} replied on conversation {tag}, which is assigned to you.',
    escalatedSubject: '{tag} Escalated to {team}: {subject}',
    escalatedIntro: '{actor} escalated conversation {tag} to {team}, which you lead.',
    subject: 'Subject',
    customer: 'Customer',
    open: 'Open the conversation',
    replyHint:
      'Reply to this email to answer the customer. Start your reply with #note to add an internal note instead.',
    invitationSubject: '{inviter} invited you to {workspace} on Parley',
    invitationBody:
      'Hello,\n\n{inviter} invited you to join {workspace} on Parley as {role}.\n\nAccept the invitation: {link}\n\nThe link works once, until {expires}. If you did not expect this, you can ignore this message.',
  },
  pl: {
    assignedSubject: '{tag} Przypisano do Ciebie: {subject}',
    assignedIntro: '{actor} przypisał(a) Ci rozmowę {tag}.',
    repliedSubject: '{tag} {customer} odpowiedział(a): {subject}',
    repliedIntro: '{customer} odpowiedział(a) w rozmowie {tag}, która jest przypisana do Ciebie.',
    escalatedSubject: '{tag} Eskalacja do zespołu {team}: {subject}',
    escalatedIntro: '{actor} eskalował(a) rozmowę {tag} do zespołu {team}, którym kierujesz.',
    subject: 'Temat',
    customer: 'Klient',
    open: 'Otwórz rozmowę',
    replyHint:
      'Odpowiedz na tę wiadomość, aby odpisać klientowi. Zacznij odpowiedź od #note, aby zamiast tego dodać notatkę wewnętrzną.',
    invitationSubject: '{inviter} zaprasza Cię do {workspace} w Parley',
    invitationBody:
      'Dzień dobry,\n\n{inviter} zaprasza Cię do {workspace} w Parley z rolą {role}.\n\nPrzyjmij zaproszenie: {link}\n\nLink działa jeden raz, do {expires}. Jeśli nie spodziewałeś(-aś) się tej wiadomości, zignoruj ją.',
  },
  sv: {
    assignedSubject: '{tag} Tilldelad dig: {subject}',
    assignedIntro: '{actor} tilldelade dig konversation {tag}.',
    repliedSubject: '{tag} {customer} svarade: {subject}',
    repliedIntro: '{customer} svarade i konversation {tag}, som är tilldelad dig.',
    escalatedSubject: '{tag} Eskalerad till {team}: {subject}',
    escalatedIntro: '{actor} eskalerade konversation {tag} till {team}, som du leder.',
    subject: 'Ämne',
    customer: 'Kund',
    open: 'Öppna konversationen',
    replyHint:
      'Svara på det här mejlet för att svara kunden. Börja svaret med #note för att i stället lägga till en intern anteckning.',
    invitationSubject: '{inviter} har bjudit in dig till {workspace} i Parley',
    invitationBody:
      'Hej,\n\n{inviter} har bjudit in dig till {workspace} i Parley som {role}.\n\nAcceptera inbjudan: {link}\n\nLänken fungerar en gång, till {expires}. Om du inte väntade dig detta kan du bortse från meddelandet.',
  },
  fa: {
    assignedSubject: '{tag} به شما واگذار شد: {subject}',
    assignedIntro: '{actor} گفتگوی {tag} را به شما واگذار کرد.',
    repliedSubject: '{tag} پاسخ {customer}: {subject}',
    repliedIntro: '{customer} در گفتگوی {tag} که به شما واگذار شده پاسخ داد.',
    escalatedSubject: '{tag} به {team} ارجاع شد: {subject}',
    escalatedIntro: '{actor} گفتگوی {tag} را به {team} که شما سرپرست آن هستید ارجاع داد.',
    subject: 'موضوع',
    customer: 'مشتری',
    open: 'باز کردن گفتگو',
    replyHint:
      'برای پاسخ به مشتری به همین ایمیل پاسخ دهید. برای افزودن یادداشت داخلی، پاسخ را با #note شروع کنید.',
    invitationSubject: '{inviter} شما را به {workspace} در Parley دعوت کرد',
    invitationBody:
      'سلام\n\n{inviter} شما را دعوت کرده است تا با نقش {role} به {workspace} در Parley بپیوندید.\n\nپذیرفتن دعوت: {link}\n\nاین پیوند فقط یک بار و تا {expires} کار می‌کند. اگر انتظار این پیام را نداشتید، آن را نادیده بگیرید.',
  },
  zh: {
    assignedSubject: '{tag} 已分配给您:{subject}',
    assignedIntro: '{actor} 将会话 {tag} 分配给了您。',
    repliedSubject: '{tag} {customer} 回复了:{subject}',
    repliedIntro: '{customer} 在分配给您的会话 {tag} 中回复了。',
    escalatedSubject: '{tag} 已升级到 {team}:{subject}',
    escalatedIntro: '{actor} 将会话 {tag} 升级到了您负责的 {team}。',
    subject: '主题',
    customer: '客户',
    open: '打开会话',
    replyHint: '直接回复此邮件即可答复客户。如需添加内部备注,请以 #note 开头。',
    invitationSubject: '{inviter} 邀请您加入 Parley 上的 {workspace}',
    invitationBody:
      '您好!\n\n{inviter} 邀请您以 {role} 身份加入 Parley 上的 {workspace}。\n\n接受邀请:{link}\n\n此链接只能使用一次,有效期至 {expires}。如果这不是您预期的邮件,请忽略。',
  },
};
