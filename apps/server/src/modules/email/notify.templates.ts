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
  /** {tag} {subject} {target} {due} {policy} */
  slaWarningSubject: string;
  slaWarningIntro: string;
  slaBreachedSubject: string;
  slaBreachedIntro: string;
  /** {team} {attainment} {goal} */
  staffingSubject: string;
  /** {team} {agents} {queued} {arrivals} {handling} {target} {attainment} {goal} {link} */
  staffingBody: string;
  /** The names of SLA targets. */
  targets: { firstResponse: string; nextResponse: string; resolution: string };
  /** {inviter} {workspace} */
  invitationSubject: string;
  /** {inviter} {workspace} {role} {link} {expires} */
  invitationBody: string;
  /** {workspace} */
  passwordResetSubject: string;
  /** {name} {workspace} {link} {minutes} */
  passwordResetBody: string;
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
    slaWarningSubject: '{tag} SLA warning: {target} due {due}: {subject}',
    slaWarningIntro: 'The {target} of conversation {tag} is due {due} (policy {policy}).',
    slaBreachedSubject: '{tag} SLA breached: {target}: {subject}',
    slaBreachedIntro:
      'The {target} of conversation {tag} was due {due} and is overdue (policy {policy}).',
    staffingSubject: '{team}: expected SLA attainment {attainment}, below the goal of {goal}',
    staffingBody:
      'The {team} team cannot keep its SLA at this rate.\n\nAgents available now: {agents}\nWaiting in the queue: {queued}\nArriving per hour: {arrivals}\nMedian handling time: {handling} min\n\nExpected share answered within {target} min: {attainment} (goal {goal}).\n\nSee the forecast: {link}',
    targets: {
      firstResponse: 'first response',
      nextResponse: 'next response',
      resolution: 'resolution',
    },
    invitationSubject: '{inviter} invited you to {workspace} on Parley',
    invitationBody:
      'Hello,\n\n{inviter} invited you to join {workspace} on Parley as {role}.\n\nAccept the invitation: {link}\n\nThe link works once, until {expires}. If you did not expect this, you can ignore this message.',
    passwordResetSubject: 'Reset your {workspace} password on Parley',
    passwordResetBody:
      'Hello {name},\n\nSomeone (we hope you) asked to reset your password for {workspace} on Parley.\n\nChoose a new password: {link}\n\nThe link works once, for {minutes} minutes. Setting a new password signs you out everywhere. If you did not ask for this, ignore this message: your password stays as it is.',
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
    slaWarningSubject: '{tag} Ostrzeżenie SLA: {target} do {due}: {subject}',
    slaWarningIntro: 'Termin ({target}) rozmowy {tag} mija {due} (polityka {policy}).',
    slaBreachedSubject: '{tag} Naruszenie SLA: {target}: {subject}',
    slaBreachedIntro: 'Termin ({target}) rozmowy {tag} minął {due} (polityka {policy}).',
    staffingSubject: '{team}: przewidywana realizacja SLA {attainment}, poniżej celu {goal}',
    staffingBody:
      'Zespół {team} nie utrzyma SLA przy obecnym obciążeniu.\n\nDostępni agenci: {agents}\nW kolejce: {queued}\nNowe na godzinę: {arrivals}\nMediana czasu obsługi: {handling} min\n\nPrzewidywany odsetek odpowiedzi w ciągu {target} min: {attainment} (cel {goal}).\n\nPrognoza: {link}',
    targets: {
      firstResponse: 'pierwsza odpowiedź',
      nextResponse: 'kolejna odpowiedź',
      resolution: 'rozwiązanie',
    },
    invitationSubject: '{inviter} zaprasza Cię do {workspace} w Parley',
    invitationBody:
      'Dzień dobry,\n\n{inviter} zaprasza Cię do {workspace} w Parley z rolą {role}.\n\nPrzyjmij zaproszenie: {link}\n\nLink działa jeden raz, do {expires}. Jeśli nie spodziewałeś(-aś) się tej wiadomości, zignoruj ją.',
    passwordResetSubject: 'Zresetuj hasło do {workspace} w Parley',
    passwordResetBody:
      'Dzień dobry, {name},\n\nKtoś (mamy nadzieję, że Ty) poprosił o zresetowanie Twojego hasła do {workspace} w Parley.\n\nUstaw nowe hasło: {link}\n\nLink działa jeden raz, przez {minutes} minut. Ustawienie nowego hasła wyloguje Cię ze wszystkich urządzeń. Jeśli to nie Ty, zignoruj tę wiadomość: hasło pozostanie bez zmian.',
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
    slaWarningSubject: '{tag} SLA-varning: {target} senast {due}: {subject}',
    slaWarningIntro: 'Tiden för {target} i konversation {tag} går ut {due} (policy {policy}).',
    slaBreachedSubject: '{tag} SLA bruten: {target}: {subject}',
    slaBreachedIntro: 'Tiden för {target} i konversation {tag} gick ut {due} (policy {policy}).',
    staffingSubject: '{team}: förväntad SLA-uppfyllnad {attainment}, under målet {goal}',
    staffingBody:
      'Teamet {team} klarar inte sin SLA i den här takten.\n\nTillgängliga agenter: {agents}\nI kön: {queued}\nNya per timme: {arrivals}\nMedianhanteringstid: {handling} min\n\nFörväntad andel besvarade inom {target} min: {attainment} (mål {goal}).\n\nPrognosen: {link}',
    targets: { firstResponse: 'första svar', nextResponse: 'nästa svar', resolution: 'lösning' },
    invitationSubject: '{inviter} har bjudit in dig till {workspace} i Parley',
    invitationBody:
      'Hej,\n\n{inviter} har bjudit in dig till {workspace} i Parley som {role}.\n\nAcceptera inbjudan: {link}\n\nLänken fungerar en gång, till {expires}. Om du inte väntade dig detta kan du bortse från meddelandet.',
    passwordResetSubject: 'Återställ ditt lösenord för {workspace} i Parley',
    passwordResetBody:
      'Hej {name},\n\nNågon (förhoppningsvis du) har bett om att återställa ditt lösenord för {workspace} i Parley.\n\nVälj ett nytt lösenord: {link}\n\nLänken fungerar en gång, i {minutes} minuter. Ett nytt lösenord loggar ut dig överallt. Om det inte var du kan du bortse från meddelandet: ditt lösenord förblir oförändrat.',
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
    slaWarningSubject: '{tag} هشدار SLA: {target} تا {due}: {subject}',
    slaWarningIntro: 'مهلت {target} گفتگوی {tag} در {due} به پایان می‌رسد (سیاست {policy}).',
    slaBreachedSubject: '{tag} نقض SLA: {target}: {subject}',
    slaBreachedIntro: 'مهلت {target} گفتگوی {tag} در {due} به پایان رسید (سیاست {policy}).',
    staffingSubject: '{team}: تحقق پیش‌بینی‌شدهٔ SLA {attainment}، کمتر از هدف {goal}',
    staffingBody:
      'تیم {team} با این روند نمی‌تواند SLA را حفظ کند.\n\nکارشناسان در دسترس: {agents}\nدر صف: {queued}\nورودی در هر ساعت: {arrivals}\nمیانهٔ زمان رسیدگی: {handling} دقیقه\n\nسهم پیش‌بینی‌شدهٔ پاسخ در {target} دقیقه: {attainment} (هدف {goal}).\n\nپیش‌بینی: {link}',
    targets: { firstResponse: 'نخستین پاسخ', nextResponse: 'پاسخ بعدی', resolution: 'حل' },
    invitationSubject: '{inviter} شما را به {workspace} در Parley دعوت کرد',
    invitationBody:
      'سلام\n\n{inviter} شما را دعوت کرده است تا با نقش {role} به {workspace} در Parley بپیوندید.\n\nپذیرفتن دعوت: {link}\n\nاین پیوند فقط یک بار و تا {expires} کار می‌کند. اگر انتظار این پیام را نداشتید، آن را نادیده بگیرید.',
    passwordResetSubject: 'بازنشانی گذرواژهٔ {workspace} در Parley',
    passwordResetBody:
      'سلام {name}\n\nکسی (امیدواریم خودتان) درخواست بازنشانی گذرواژهٔ شما در {workspace} در Parley را داده است.\n\nگذرواژهٔ تازه را انتخاب کنید: {link}\n\nاین پیوند فقط یک بار و به مدت {minutes} دقیقه کار می‌کند. تعیین گذرواژهٔ تازه شما را از همهٔ دستگاه‌ها خارج می‌کند. اگر این درخواست از شما نبود، این پیام را نادیده بگیرید: گذرواژهٔ شما تغییری نمی‌کند.',
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
    slaWarningSubject: '{tag} SLA 预警:{target}将于 {due} 到期:{subject}',
    slaWarningIntro: '会话 {tag} 的{target}将于 {due} 到期(策略 {policy})。',
    slaBreachedSubject: '{tag} SLA 已违约:{target}:{subject}',
    slaBreachedIntro: '会话 {tag} 的{target}已于 {due} 到期,现已超时(策略 {policy})。',
    staffingSubject: '{team}:预计 SLA 达成率 {attainment},低于目标 {goal}',
    staffingBody:
      '按当前速度,{team} 团队无法达成 SLA。\n\n当前可用客服:{agents}\n排队中:{queued}\n每小时新增:{arrivals}\n处理时长中位数:{handling} 分钟\n\n预计 {target} 分钟内回复的比例:{attainment}(目标 {goal})。\n\n查看预测:{link}',
    targets: { firstResponse: '首次回复', nextResponse: '后续回复', resolution: '解决' },
    invitationSubject: '{inviter} 邀请您加入 Parley 上的 {workspace}',
    invitationBody:
      '您好!\n\n{inviter} 邀请您以 {role} 身份加入 Parley 上的 {workspace}。\n\n接受邀请:{link}\n\n此链接只能使用一次,有效期至 {expires}。如果这不是您预期的邮件,请忽略。',
    passwordResetSubject: '重置您在 Parley 上 {workspace} 的密码',
    passwordResetBody:
      '{name}，您好！\n\n有人（希望是您本人）请求重置您在 Parley 上 {workspace} 的密码。\n\n设置新密码：{link}\n\n此链接只能使用一次，有效期 {minutes} 分钟。设置新密码后，您将在所有设备上退出登录。如果这不是您本人的请求，请忽略此邮件，您的密码不会改变。',
  },
};
