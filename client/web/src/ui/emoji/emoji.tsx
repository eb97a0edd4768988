/** Emoji drawn from bundled images (Twemoji, see ./LICENSE.md), never from
 * the system's emoji font: a Linux kiosk TV has none and shows empty boxes.
 * The images are small SVGs that the build inlines, so they also work from
 * the offline shell. The text (aria-label, data-emoji) keeps the character. */
import bulb from "./1f4a1.svg";
import party from "./1f389.svg";
import thumbsUp from "./1f44d.svg";
import joy from "./1f602.svg";
import question from "./2753.svg";
import smile from "./263a.svg";
import heart from "./2764.svg";
import "./emoji.css";

/** Every emoji the app shows (protocol REACTIONS, and the add-reaction button). */
export const EMOJI_IMAGES: Readonly<Record<string, string>> = {
  "👍": thumbsUp, "❤️": heart, "💡": bulb, "🎉": party, "😂": joy, "❓": question, "☺": smile,
};

export function Emoji({ emoji }: { emoji: string }) {
  const src = EMOJI_IMAGES[emoji];
  if (!src) return <span aria-hidden="true">{emoji}</span>;
  return <img class="emoji" src={src} alt="" aria-hidden="true" draggable={false} data-emoji-img={emoji} />;
}
