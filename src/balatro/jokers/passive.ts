// Jokers with no effect of their own on the hand score: rule changers (read when the play is
// prepared), copy jokers (resolved per joker order) and economy/utility jokers.
// Pure game logic: no I/O, no clock.

import type { JokerDef } from "../joker_def.ts";
import type { Rarity } from "../state.ts";

function passive(name: string, rarity: Rarity, text: string, copyable = false): JokerDef {
  return { name, rarity, copyable, kind: "none", text };
}

/** Names of the jokers that change how hands are detected or cards are read. */
export const RULE_CHANGERS = {
  fourFingers: "Four Fingers",
  shortcut: "Shortcut",
  smeared: "Smeared Joker",
  splash: "Splash",
  pareidolia: "Pareidolia",
  oops: "Oops! All 6s",
  chicot: "Chicot",
} as const;

/** Blueprint and Brainstorm: resolved per joker order, they act at their own slot. */
export const COPY_JOKERS: readonly JokerDef[] = [
  passive("Blueprint", "Rare", "copies the joker to its right", true),
  passive("Brainstorm", "Rare", "copies the leftmost joker", true),
];

/** Rule changers and jokers that never change the hand score. */
export const PASSIVE_JOKERS: readonly JokerDef[] = [
  passive("Four Fingers", "Uncommon", "flushes and straights can be made with 4 cards"),
  passive("Shortcut", "Uncommon", "straights may skip one rank between neighbours"),
  passive("Pareidolia", "Uncommon", "every card is a face card"),
  passive("Splash", "Common", "every played card scores"),
  passive("Smeared Joker", "Uncommon", "Hearts and Diamonds, Spades and Clubs count as one suit"),
  passive("Oops! All 6s", "Uncommon", "doubles all listed probabilities"),
  passive("Chicot", "Legendary", "disables the boss blind's effect"),
  passive("Perkeo", "Legendary", "a Negative copy of a consumable after each shop"),
  passive("Juggler", "Common", "+1 hand size"),
  passive("Drunkard", "Common", "+1 discard"),
  passive("Troubadour", "Uncommon", "+2 hand size, −1 hand"),
  passive("Merry Andy", "Uncommon", "+3 discards, −1 hand size"),
  passive("Burnt Joker", "Rare", "levels up the first discarded hand of each round"),
  passive("Sixth Sense", "Uncommon", "a single played 6 is destroyed for a Spectral card"),
  passive("Superposition", "Common", "a Tarot for an Ace in a Straight"),
  passive("Mail-In Rebate", "Common", "$ per discarded card of the round's rank"),
  passive("Rocket", "Uncommon", "$ at the end of the round, growing per boss"),
  passive("Credit Card", "Common", "go up to $20 in debt"),
  passive("Delayed Gratification", "Common", "$2 per discard if none used"),
  passive("Egg", "Common", "gains $3 sell value per round"),
  passive("Faceless Joker", "Common", "$5 for discarding 3 face cards"),
  passive("Golden Joker", "Common", "$4 at the end of the round"),
  passive("Chaos the Clown", "Common", "1 free reroll per shop"),
  passive("Marble Joker", "Uncommon", "adds a Stone card when a blind is selected"),
  passive("8 Ball", "Common", "1 in 4: a Tarot per scored 8"),
  passive("Vagabond", "Rare", "a Tarot when a hand is played with $4 or less"),
  passive("To the Moon", "Uncommon", "+$1 interest per $5"),
  passive("Cloud 9", "Uncommon", "$1 per 9 in the full deck at the end of the round"),
  passive("Gift Card", "Uncommon", "+$1 sell value to every joker and consumable per round"),
  passive("Turtle Bean", "Uncommon", "+5 hand size, −1 per round"),
  passive("Trading Card", "Uncommon", "destroys a single first discard for $3"),
  passive("Hallucination", "Common", "1 in 2: a Tarot when a booster pack is opened"),
  passive("Diet Cola", "Uncommon", "sell for a free Double Tag"),
  passive("Séance", "Uncommon", "a Spectral card for a Straight Flush"),
  passive("Riff-raff", "Common", "2 Common jokers when a blind is selected"),
  passive("Cartomancer", "Uncommon", "a Tarot when a blind is selected"),
  passive("Astronomer", "Uncommon", "Planet cards and packs are free"),
  passive("Burglar", "Uncommon", "+3 hands, no discards"),
  passive("Invisible Joker", "Rare", "duplicates a joker after 2 rounds"),
  passive("Luchador", "Uncommon", "sell to disable the boss blind"),
  passive("Certificate", "Uncommon", "a sealed card when a round begins"),
  passive("Mr. Bones", "Uncommon", "prevents death at 25% of the required score"),
  passive("Showman", "Uncommon", "joker and consumable duplicates can appear"),
  passive("Satellite", "Uncommon", "$1 per unique Planet used at the end of the round"),
  passive("Matador", "Uncommon", "$8 when a boss ability triggers"),
  passive("To Do List", "Common", "$4 for playing the listed hand"),
];
