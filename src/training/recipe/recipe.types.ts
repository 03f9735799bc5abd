/**
 * What a training recipe decided and why, as written into the model card
 * (`recipe: { name, decisions: [{ rule, value, why }] }`, issue 17): the user
 * reads in the card which input size, channels, augmentation, loss, batch
 * shape, validation split and fallback their run used, and which rule chose it
 * (or that their own flag did).
 */
export type RecipeName = 'auto' | 'manual';

export interface RecipeDecision {
  /** What was decided ("input size", "loss", "pixel fallback"…). */
  rule: string;
  value: string | number | boolean;
  /** The measured facts and the rule, or "--flag given". */
  why: string;
}

export interface RecipeRecord {
  name: RecipeName;
  decisions: RecipeDecision[];
}
