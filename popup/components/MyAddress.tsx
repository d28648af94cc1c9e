// The inbox header's "My address": your address in full, a copy button and a QR code that a phone
// wallet can scan, so someone beside you can message you.
import { useMemo, useState } from 'preact/hooks';
import { correction, generate } from 'lean-qr';
import { CopyButton, Dialog, IconButton } from './ui.tsx';

export function MyAddress({ address }: { address: string }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <IconButton icon="qr" label="My address" title="My address: copy or show as QR code" haspopup="dialog" onClick={() => setOpen(true)} />
      {open && (
        <Dialog title="Your address" onClose={() => setOpen(false)} describe="my-address-desc">
          <p id="my-address-desc" class="hint">
            People message you at this address. Scan the code with a wallet, or copy the address.
          </p>
          <QrCode text={address} label={`QR code of your address ${address}`} />
          <p class="my-address">{address}</p>
          <div class="dialog-actions">
            <CopyButton text={address} withText label="Copy address" />
            <button type="button" class="btn" data-autofocus onClick={() => setOpen(false)}>
              Done
            </button>
          </div>
        </Dialog>
      )}
    </>
  );
}

/** A QR code as one SVG path (dark modules on white, whatever the theme, so any camera reads it). */
export function QrCode({ text, label }: { text: string; label: string }) {
  const { size, path } = useMemo(() => {
    // plain ASCII, no ECI header: every scanner reads it
    const code = generate(text, { minCorrectionLevel: correction.M });
    const quiet = 2; // the blank margin scanners need around the code
    let d = '';
    for (let y = 0; y < code.size; y++) for (let x = 0; x < code.size; x++) if (code.get(x, y)) d += `M${x + quiet} ${y + quiet}h1v1h-1z`;
    return { size: code.size + 2 * quiet, path: d };
  }, [text]);
  return (
    <svg class="qr" role="img" aria-label={label} viewBox={`0 0 ${size} ${size}`} width={184} height={184} shape-rendering="crispEdges">
      <rect width={size} height={size} fill="#fff" />
      <path d={path} fill="#000" />
    </svg>
  );
}
