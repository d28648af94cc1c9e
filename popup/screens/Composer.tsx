// The message composer: Enter sends, Shift+Enter starts a new line; a file can be attached (≤ 1 MB
// goes inline with the message, larger ones up to 100 MB are encrypted and uploaded, with a progress
// bar and a way to cancel); a reply shows what it answers, with a way to cancel.
import type { RefObject } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import type { MessageView } from '../../src/views.ts';
import { formatBytes, previewOf, shortAddress } from '../lib/format.ts';
import { MAX_REMOTE_FILE_BYTES } from '../../src/xmtp/limits.ts';
import type { UploadProgress } from '../lib/upload.ts';
import { Icon } from '../components/Icon.tsx';
import { ErrorNote } from '../components/ui.tsx';

export interface ComposerProps {
  me: string | undefined;
  replyTo: MessageView | null;
  onCancelReply: () => void;
  /** resolves true when the send was queued; the text is kept otherwise */
  onSend: (text: string, file: File | null) => Promise<boolean>;
  inputRef: RefObject<HTMLTextAreaElement | null>;
  disabled?: boolean;
  /** the conversation's draft, once known: it fills the box if nothing was typed yet */
  draft?: string;
  /** what is typed, as it changes (kept as the draft) */
  onDraft?: (text: string) => void;
  /** a large file being encrypted and uploaded, while it is */
  upload?: (UploadProgress & { name: string }) | null;
  onCancelUpload?: () => void;
}

const MAX_LINES_PX = 120;

export function Composer(props: ComposerProps) {
  const [text, setText] = useState('');
  const [file, setFile] = useState<File | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const id = useId();
  const typed = useRef(false);

  useEffect(() => {
    if (!props.draft || typed.current) return;
    setText(props.draft);
    requestAnimationFrame(resize);
  }, [props.draft]);

  const resize = () => {
    const ta = props.inputRef.current;
    if (!ta) return;
    ta.style.height = 'auto';
    ta.style.height = `${Math.min(MAX_LINES_PX, ta.scrollHeight)}px`;
  };

  const send = async () => {
    if (busy || props.disabled) return;
    const body = text.trim();
    if (!body && !file) return;
    setBusy(true);
    setError(null);
    const ok = await props.onSend(body, file);
    setBusy(false);
    if (ok) {
      setText('');
      props.onDraft?.('');
      setFile(null);
      requestAnimationFrame(resize);
    }
    props.inputRef.current?.focus();
  };

  const pick = (f: File | undefined) => {
    if (!f) return;
    if (f.size > MAX_REMOTE_FILE_BYTES) {
      setError(`“${f.name}” is ${formatBytes(f.size)}. Files up to ${formatBytes(MAX_REMOTE_FILE_BYTES)} can be sent.`);
      return;
    }
    setError(null);
    setFile(f);
    props.inputRef.current?.focus();
  };

  const r = props.replyTo;
  return (
    <div class="composer-wrap">
      {error && <ErrorNote>{error}</ErrorNote>}
      {r && (
        <div class="replying">
          <Icon name="reply" size={14} />
          <span class="replying-text">
            Replying to {r.senderAddress.toLowerCase() === props.me?.toLowerCase() ? 'yourself' : shortAddress(r.senderAddress)}:{' '}
            <span class="muted">{previewOf(r)}</span>
          </span>
          <button type="button" class="icon-btn small" aria-label="Cancel reply" title="Cancel reply" onClick={props.onCancelReply}>
            <Icon name="close" size={14} />
          </button>
        </div>
      )}
      {props.upload && <UploadBar upload={props.upload} onCancel={props.onCancelUpload} />}
      {file && !props.upload && (
        <div class="staged">
          <Icon name="file" size={14} />
          <span class="staged-name">{file.name}</span>
          <span class="muted">{formatBytes(file.size)}</span>
          <button type="button" class="icon-btn small" aria-label={`Remove ${file.name}`} title="Remove attachment" onClick={() => setFile(null)}>
            <Icon name="close" size={14} />
          </button>
        </div>
      )}
      <form
        class="composer"
        onSubmit={(e) => {
          e.preventDefault();
          void send();
        }}
      >
        <button
          type="button"
          class="icon-btn"
          aria-label="Attach file"
          title={`Attach a file (up to ${formatBytes(MAX_REMOTE_FILE_BYTES)})`}
          onClick={() => fileInput.current?.click()}
          disabled={props.disabled}
        >
          <Icon name="clip" />
        </button>
        <input
          ref={fileInput}
          type="file"
          class="file-input"
          tabIndex={-1}
          aria-hidden="true"
          onChange={(e) => {
            const input = e.currentTarget;
            pick(input.files?.[0]);
            input.value = '';
          }}
        />
        <label for={id} class="sr-only">
          Message
        </label>
        <textarea
          id={id}
          ref={props.inputRef}
          rows={1}
          placeholder="Message"
          value={text}
          disabled={props.disabled}
          onInput={(e) => {
            const v = e.currentTarget.value;
            typed.current = true;
            setText(v);
            props.onDraft?.(v);
            resize();
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
              e.preventDefault();
              void send();
            } else if (e.key === 'Escape' && r) {
              e.stopPropagation();
              props.onCancelReply();
            }
          }}
        />
        <button type="submit" class="icon-btn send" aria-label="Send" title="Send (Enter)" disabled={props.disabled || busy || (!text.trim() && !file)}>
          <Icon name="send" />
        </button>
      </form>
    </div>
  );
}

function UploadBar({ upload, onCancel }: { upload: UploadProgress & { name: string }; onCancel?: () => void }) {
  const uploading = upload.phase === 'uploading';
  const pct = uploading && upload.total ? Math.floor((100 * upload.sent) / upload.total) : 0;
  return (
    <div class="staged uploading">
      <span class="staged-name">{upload.name}</span>
      {/* no value while encrypting: an indeterminate bar */}
      <progress aria-label={`Sending ${upload.name}`} max={upload.total || 1} value={uploading ? upload.sent : undefined} />
      <span class="muted">{uploading ? `${pct}%` : 'Encrypting…'}</span>
      <button type="button" class="btn small" onClick={onCancel}>
        Cancel
      </button>
    </div>
  );
}
