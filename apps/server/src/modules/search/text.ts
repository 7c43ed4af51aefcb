/**
 * Text as the search index sees it, the same for documents and queries. PostgreSQL's
 * `simple` configuration splits on spaces and punctuation, which serves English, Polish,
 * Swedish and Persian; Chinese and Japanese run words together, so they are split into
 * words here with Intl.Segmenter. Persian letters typed with Arabic code points are unified
 * and the zero-width non-joiner dropped, so "می‌دهند" and "میدهند" are one word.
 */
const CJK_RUN = /[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+/g;
const segmenter = new Intl.Segmenter('zh', { granularity: 'word' });

/** One run of CJK characters as space-separated words (with spaces around it). */
function segmentRun(run: string): string {
  const words: string[] = [];
  for (const part of segmenter.segment(run)) if (part.isWordLike) words.push(part.segment);
  return ` ${words.join(' ')} `;
}

export function normalizeForSearch(text: string): string {
  const out = text
    .normalize('NFKC')
    .replace(/\u064a/g, '\u06cc') // Arabic yeh → Persian yeh
    .replace(/\u0643/g, '\u06a9') // Arabic kaf → Persian kaf
    .replace(/[\u0640\u200c\u200d]/g, ''); // tatweel, ZWNJ, ZWJ
  // Only the CJK runs go through the segmenter (it is slow, and the rest is already split
  // by spaces and punctuation the way PostgreSQL's parser splits it).
  CJK_RUN.lastIndex = 0;
  if (!CJK_RUN.test(out)) return out;
  return out.replace(CJK_RUN, segmentRun).replace(/\s+/g, ' ').trim();
}

/** What to store beside a text for the index: null when the text indexes as it is. */
export function searchTextFor(text: string): string | null {
  const normalized = normalizeForSearch(text);
  return normalized === text ? null : normalized;
}

const escapeHtml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/** The query's words, as they will be looked for (lower-cased, segmented). */
export function queryTerms(query: string): string[] {
  return normalizeForSearch(query)
    .toLowerCase()
    .split(/[\s"'()\-:,.!?؟،。!?]+/)
    .filter((w) => w.length > 0 && w !== 'or');
}

/** Letters a query may have been typed with, and the other way of writing them. */
const SAME_LETTER: Record<string, string> = {
  '\u06cc': '\u06cc\u064a', // Persian yeh, Arabic yeh
  '\u06a9': '\u06a9\u0643', // Persian kaf, Arabic kaf
};

/**
 * A term as a pattern over the text as written: Persian letters in either spelling, and
 * the joiners and tatweel that normalisation drops allowed between letters.
 */
function termPattern(term: string): string {
  // Code points, not graphemes: the pattern is built letter by letter.
  return Array.from(term, (ch) => {
    const same = SAME_LETTER[ch];
    return same ? `[${same}]` : ch.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }).join('[\\u200c\\u200d\\u0640]?');
}

/**
 * A short excerpt of `text` around the first query term, HTML-escaped, with every term
 * wrapped in <mark> (found however the text spells it: "می‌دهند" for the query "میدهند").
 * Safe to insert as HTML.
 */
export function snippet(text: string, terms: string[], width = 160): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const unique = [...new Set(terms)].filter(Boolean).sort((a, b) => b.length - a.length);
  const pattern = unique.length > 0 ? new RegExp(unique.map(termPattern).join('|'), 'giu') : null;
  const first = pattern ? (new RegExp(pattern.source, 'iu').exec(flat)?.index ?? 0) : 0;
  const start = Math.max(0, first - Math.floor(width / 3));
  const excerpt = flat.slice(start, start + width);
  if (!pattern) return escapeHtml(excerpt);
  let html = '';
  let last = 0;
  for (const match of excerpt.matchAll(pattern)) {
    html += escapeHtml(excerpt.slice(last, match.index)) + `<mark>${escapeHtml(match[0])}</mark>`;
    last = match.index + match[0].length;
  }
  html += escapeHtml(excerpt.slice(last));
  return (start > 0 ? '…' : '') + html + (start + width < flat.length ? '…' : '');
}
