// Korean particles after a value filled in at run time. A template writes the neutral form
// ("{brand}이(가)", "{fields}을(를)", "“{derived}”(으)로"); when the value ends in a Hangul
// syllable the right particle is known from its final consonant (받침), as a Korean writer would
// choose it: "동네 카페가", "생년월일을", "성인 (청소년보호법 기준)으로". A value ending in
// anything else (a Latin brand name, a digit) keeps the neutral form, which is correct written
// Korean. The core's summaries and the CLI do the same (src/korean.rs).

/** The neutral forms, each with its form after a final consonant and after a vowel. */
const PARTICLES: Record<string, [withFinal: string, withoutFinal: string]> = {
  '을(를)': ['을', '를'],
  '이(가)': ['이', '가'],
  '은(는)': ['은', '는'],
  '와(과)': ['과', '와'],
  '(으)로': ['으로', '로'],
};

/** The word a particle attaches to: a trailing parenthetical is read past ("생일(연도 제외)" is
 * read as 생일), as are spaces. */
function head(value: string): string {
  const v = value.trimEnd();
  const open = v.endsWith(')') ? v.lastIndexOf('(') : -1;
  return open > 0 ? v.slice(0, open).trimEnd() : v;
}

/** The particle `neutral` after `value`; `neutral` itself when the value does not end in Hangul. */
export function particle(value: string, neutral: string): string {
  const forms = PARTICLES[neutral];
  if (!forms) return neutral;
  const code = head(value).codePointAt(head(value).length - 1) ?? 0;
  if (code < 0xac00 || code > 0xd7a3) return neutral;
  const final = (code - 0xac00) % 28;
  if (neutral === '(으)로') return final === 0 || final === 8 ? forms[1] : forms[0]; // ㄹ takes 로
  return final !== 0 ? forms[0] : forms[1];
}
