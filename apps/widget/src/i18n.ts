/** The widget's few strings, in every language Parley speaks (kept here: the widget is tiny). */
const en = {
  open: 'Open chat',
  close: 'Close chat',
  placeholder: 'Write a message…',
  send: 'Send',
  typing: '{name} is typing…',
  sending: 'Sending…',
  sent: 'Sent',
  delivered: 'Delivered',
  read: 'Read',
  ticket: 'Your ticket number is {number}',
  start: 'Start chat',
  name: 'Name',
  email: 'Email',
  phone: 'Phone',
  topic: 'Topic',
  offlineTitle: 'We are away right now',
  offlineText: 'Leave a message and we will answer by email, or ask us to call you back.',
  leaveMessage: 'Leave a message',
  callBack: 'Call me back',
  when: 'Preferred time',
  message: 'Message',
  submit: 'Send',
  thanks: 'Thank you! Your ticket number is {number}.',
  unread: '{count} new',
  reconnecting: 'Reconnecting…',
  resolved: 'This conversation is resolved. Write again any time.',
  failed: 'Could not send. Please try again.',
};
export type Strings = typeof en;

const pl: Strings = {
  open: 'Otwórz czat',
  close: 'Zamknij czat',
  placeholder: 'Napisz wiadomość…',
  send: 'Wyślij',
  typing: '{name} pisze…',
  sending: 'Wysyłanie…',
  sent: 'Wysłano',
  delivered: 'Dostarczono',
  read: 'Przeczytano',
  ticket: 'Numer Twojego zgłoszenia: {number}',
  start: 'Rozpocznij czat',
  name: 'Imię i nazwisko',
  email: 'E-mail',
  phone: 'Telefon',
  topic: 'Temat',
  offlineTitle: 'Jesteśmy teraz niedostępni',
  offlineText: 'Zostaw wiadomość, a odpowiemy e-mailem, albo poproś o oddzwonienie.',
  leaveMessage: 'Zostaw wiadomość',
  callBack: 'Oddzwońcie do mnie',
  when: 'Preferowany termin',
  message: 'Wiadomość',
  submit: 'Wyślij',
  thanks: 'Dziękujemy! Numer Twojego zgłoszenia to {number}.',
  unread: 'Nowe: {count}',
  reconnecting: 'Łączenie ponownie…',
  resolved: 'Ta rozmowa jest zakończona. Napisz ponownie w każdej chwili.',
  failed: 'Nie udało się wysłać. Spróbuj ponownie.',
};

const sv: Strings = {
  open: 'Öppna chatten',
  close: 'Stäng chatten',
  placeholder: 'Skriv ett meddelande…',
  send: 'Skicka',
  typing: '{name} skriver…',
  sending: 'Skickar…',
  sent: 'Skickat',
  delivered: 'Levererat',
  read: 'Läst',
  ticket: 'Ditt ärendenummer är {number}',
  start: 'Starta chatten',
  name: 'Namn',
  email: 'E-post',
  phone: 'Telefon',
  topic: 'Ämne',
  offlineTitle: 'Vi är inte här just nu',
  offlineText: 'Lämna ett meddelande så svarar vi via e-post, eller be oss ringa upp.',
  leaveMessage: 'Lämna ett meddelande',
  callBack: 'Ring upp mig',
  when: 'Önskad tid',
  message: 'Meddelande',
  submit: 'Skicka',
  thanks: 'Tack! Ditt ärendenummer är {number}.',
  unread: '{count} nya',
  reconnecting: 'Ansluter igen…',
  resolved: 'Den här konversationen är löst. Skriv igen när du vill.',
  failed: 'Kunde inte skicka. Försök igen.',
};

const fa: Strings = {
  open: 'باز کردن گفتگو',
  close: 'بستن گفتگو',
  placeholder: 'پیامی بنویسید…',
  send: 'ارسال',
  typing: '{name} در حال نوشتن است…',
  sending: 'در حال ارسال…',
  sent: 'ارسال شد',
  delivered: 'تحویل شد',
  read: 'خوانده شد',
  ticket: 'شمارهٔ درخواست شما {number} است',
  start: 'شروع گفتگو',
  name: 'نام',
  email: 'ایمیل',
  phone: 'تلفن',
  topic: 'موضوع',
  offlineTitle: 'در حال حاضر در دسترس نیستیم',
  offlineText: 'پیامی بگذارید تا با ایمیل پاسخ دهیم، یا درخواست تماس بدهید.',
  leaveMessage: 'گذاشتن پیام',
  callBack: 'با من تماس بگیرید',
  when: 'زمان دلخواه',
  message: 'پیام',
  submit: 'ارسال',
  thanks: 'سپاس! شمارهٔ درخواست شما {number} است.',
  unread: '{count} پیام تازه',
  reconnecting: 'در حال اتصال دوباره…',
  resolved: 'این گفتگو بسته شده است. هر زمان خواستید دوباره بنویسید.',
  failed: 'ارسال نشد. دوباره تلاش کنید.',
};

const zh: Strings = {
  open: '打开聊天',
  close: '关闭聊天',
  placeholder: '输入消息……',
  send: '发送',
  typing: '{name} 正在输入……',
  sending: '发送中……',
  sent: '已发送',
  delivered: '已送达',
  read: '已读',
  ticket: '您的工单编号是 {number}',
  start: '开始聊天',
  name: '姓名',
  email: '邮箱',
  phone: '电话',
  topic: '主题',
  offlineTitle: '我们暂时不在线',
  offlineText: '请留言，我们会通过邮件回复；也可以请我们回电。',
  leaveMessage: '留言',
  callBack: '请给我回电',
  when: '方便的时间',
  message: '留言内容',
  submit: '发送',
  thanks: '谢谢！您的工单编号是 {number}。',
  unread: '{count} 条新消息',
  reconnecting: '正在重新连接……',
  resolved: '此对话已解决。欢迎随时再来。',
  failed: '发送失败，请重试。',
};

export const catalogs = { en, pl, sv, fa, zh };
export type Locale = keyof typeof catalogs;

/** The first of the page's languages Parley speaks, else English. */
export function pickLocale(wanted: readonly string[]): Locale {
  for (const tag of wanted) {
    const base = tag.toLowerCase().split('-')[0] as Locale;
    if (base in catalogs) return base;
  }
  return 'en';
}

export function translate(
  locale: Locale,
  key: keyof Strings,
  values: Record<string, string | number> = {},
) {
  return catalogs[locale][key].replace(/\{(\w+)\}/g, (_, name: string) =>
    String(values[name] ?? ''),
  );
}
