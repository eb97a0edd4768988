/** Loads the shared golden vectors from protocol/vectors (written by the
 * Python side). Missing files fail the suite: the vectors are the contract. */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const dir = fileURLToPath(new URL("../../../protocol/vectors/", import.meta.url));

export const loadVectors = <T>(name: string): T => JSON.parse(readFileSync(dir + name, "utf8")) as T;

export const fromHex = (hex: string): Uint8Array => {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
};
