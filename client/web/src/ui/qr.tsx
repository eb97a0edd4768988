/** A QR code drawn as one SVG path, generated locally (qrcode-generator). */
import qrcode from "qrcode-generator";
import { useMemo } from "preact/hooks";

export const qrPath = (text: string): { size: number; d: string } => {
  const qr = qrcode(0, "M");
  qr.addData(text, "Byte");
  qr.make();
  const n = qr.getModuleCount();
  let d = "";
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) if (qr.isDark(r, c)) d += `M${c + 4} ${r + 4}h1v1h-1z`;
  }
  return { size: n + 8, d };
};

export function QrCode({ text, label, class: cls }: { text: string; label: string; class?: string }) {
  const { size, d } = useMemo(() => qrPath(text), [text]);
  return (
    <svg class={cls ?? "qr"} viewBox={`0 0 ${size} ${size}`} role="img" aria-label={label} shape-rendering="crispEdges">
      <rect width={size} height={size} fill="#fff" />
      <path d={d} fill="#000" />
    </svg>
  );
}
