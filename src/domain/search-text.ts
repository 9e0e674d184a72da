/**
 * Text for Postgres' `websearch_to_tsquery`. It fails outright ("tsquery stack too small") on a
 * run of about 33 "-" signs that negate nothing ("-----…", "- - - …"). A "-" means NOT only
 * right before a word or a quoted phrase, so every other "-" is dropped (as a space): words,
 * phrases, OR and real negations (-word, -"a phrase") keep their meaning.
 */
export function websearchText(q: string): string {
  return q.replace(/-+(?=[^\p{L}\p{N}"]|$)/gu, " ");
}
