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

/**
 * A short excerpt of `text` around the first query term, HTML-escaped, with every term
 * wrapped in <mark>. Safe to insert as HTML.
 */
export function snippet(text: string, terms: string[], width = 160): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  const lower = flat.toLowerCase();
  const positions = terms.map((t) => lower.indexOf(t)).filter((i) => i >= 0);
  const first = positions.length ? Math.min(...positions) : 0;
  const start = Math.max(0, first - Math.floor(width / 3));
  const excerpt = flat.slice(start, start + width);
  const unique = [...new Set(terms)].filter(Boolean).sort((a, b) => b.length - a.length);
  if (unique.length === 0) return escapeHtml(excerpt);
  const pattern = new RegExp(
    unique.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'),
    'gi',
  );
  let html = '';
  let last = 0;
  for (const match of excerpt.matchAll(pattern)) {
    html += escapeHtml(excerpt.slice(last, match.index)) + `<mark>${escapeHtml(match[0])}</mark>`;
    last = match.index + match[0].length;
  }
  html += escapeHtml(excerpt.slice(last));
  return (start > 0 ? '…' : '') + html + (start + width < flat.length ? '…' : '');
}
