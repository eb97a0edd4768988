/** Auto-fit for the hub screen: the largest font size (whole pixels, between
 * min and max) at which the content fits. `fits` lays out at a size and
 * measures; it is assumed to be monotonic (smaller type never fits worse).
 * Tries the current size and its neighbour first, so a settled screen costs
 * two layouts per render, and a change costs a binary search (~5 layouts). */
export function fitFont(fits: (size: number) => boolean, min: number, max: number, current: number): number {
  const cur = Math.max(min, Math.min(max, Math.round(current)));
  if (fits(cur)) {
    if (cur === max || !fits(cur + 1)) return cur;
    return largestFitting(fits, cur + 1, max);
  }
  if (cur === min || !fits(min)) return min;
  return largestFitting(fits, min, cur - 1);
}

/** Largest size in [lo, hi] that fits, given that lo fits. */
function largestFitting(fits: (size: number) => boolean, lo: number, hi: number): number {
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (fits(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
