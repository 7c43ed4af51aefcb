import { detectAll } from 'tinyld';

/** A detected language: an ISO 639-1 code and how sure the detector is (0–1). */
export interface DetectedLanguage {
  language: string;
  confidence: number;
}

/** Enough of a message to tell its language; more only costs time. */
const SAMPLE_CHARS = 1_000;
/** Fewer letters than this say too little (except in scripts that name their language). */
const MIN_LETTERS = 8;
const MIN_CONFIDENCE = 0.5;

const LETTER = /\p{L}/gu;
const KANA = /[\u3040-\u30ff]/;
const HANGUL = /[\uac00-\ud7af]/;
const HAN = /[\u3400-\u4dbf\u4e00-\u9fff]/;

/**
 * The language a customer wrote in, from the text itself (tinyld: n-gram profiles, pure JS,
 * ISO 639-1 codes). Returns null when the text is too short or the detector unsure, so the
 * caller can fall back to what the channel said (Content-Language, the contact's language).
 * A short text in Han, kana or Hangul alone is Chinese, Japanese or Korean by its script.
 * Measured on the seed articles in `language.test.ts`.
 */
export function detectLanguage(text: string | null | undefined): DetectedLanguage | null {
  if (!text) return null;
  const sample = text.slice(0, SAMPLE_CHARS);
  const letters = sample.match(LETTER)?.length ?? 0;
  if (letters === 0) return null;
  const [best] = letters >= MIN_LETTERS ? detectAll(sample) : [];
  if (best && best.accuracy >= MIN_CONFIDENCE) {
    return { language: best.lang, confidence: Math.round(best.accuracy * 100) / 100 };
  }
  // A few characters of one of these scripts are enough.
  if (KANA.test(sample)) return { language: 'ja', confidence: 0.9 };
  if (HANGUL.test(sample)) return { language: 'ko', confidence: 0.9 };
  if (HAN.test(sample)) return { language: 'zh', confidence: 0.9 };
  return null;
}
