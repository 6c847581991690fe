/**
 * Words starting with a vowel letter that are said with a consonant sound ("a unit", "a user",
 * "a one-off"): the letter alone would give "an".
 */
const CONSONANT_SOUND = /^(u[bcdfgjklmnpqrstvwxz][aeiou]|uni|eu|one([^r]|$))/i;

/** The indefinite article before `word`, by its first sound: "an order", "a unit", "a stream". */
export function article(word: string): "a" | "an" {
  return /^[aeiou]/i.test(word) && !CONSONANT_SOUND.test(word) ? "an" : "a";
}

/** "An 'order' workflow", "A 'streaming' workflow": a kind named at the start of a sentence. */
export function kindWorkflow(name: string): string {
  return `${article(name) === "an" ? "An" : "A"} '${name}' workflow`;
}
