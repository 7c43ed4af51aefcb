import { describe, expect, it } from 'vitest';
import { articleParagraphs } from '../demo/demo.conversations.js';
import { detectLanguage } from './language.js';

describe('language detection', () => {
  it.each(['pl', 'sv', 'fa', 'zh'] as const)(
    'tells the %s seed article paragraph by paragraph',
    async (lang) => {
      const paragraphs = await articleParagraphs(lang);
      expect(paragraphs.length).toBeGreaterThan(5);
      const detected = paragraphs.map((p) => detectLanguage(p)?.language ?? null);
      const right = detected.filter((l) => l === lang).length;
      // Measured when written: all of them (pl 37/37, sv 11/11, fa 40/40, zh 18/18), 0.1–0.9 ms each.
      expect(right / paragraphs.length).toBeGreaterThanOrEqual(0.95);
    },
  );

  it('tells short customer messages in each of the five languages', () => {
    const samples: [string, string][] = [
      ['Where is my order? It should have arrived last week.', 'en'],
      ['Gdzie jest moja paczka? Zamówiłam ją tydzień temu.', 'pl'],
      ['Hej, fakturan är fel. Kan ni skicka en ny?', 'sv'],
      ['سلام، سفارش من هنوز نرسیده است. لطفاً کمک کنید.', 'fa'],
      ['您好,我想申请退款。', 'zh'],
      ['总结', 'zh'],
    ];
    for (const [text, language] of samples)
      expect(detectLanguage(text)?.language, text).toBe(language);
  });

  it('says nothing rather than guess from too little', () => {
    expect(detectLanguage('')).toBeNull();
    expect(detectLanguage(null)).toBeNull();
    expect(detectLanguage('12345 !!!')).toBeNull();
    expect(detectLanguage('Tack!')).toBeNull();
  });
});
