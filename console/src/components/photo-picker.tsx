import { useEffect, useRef, useState } from 'preact/hooks';

/**
 * One photo from a file picker, a drop, or a paste (Ctrl/Cmd+V anywhere on the page while
 * this picker is the page's only one, or while it has focus). The drop zone is a real
 * button: Enter/Space opens the file dialog, so it works without a mouse.
 */
export function PhotoPicker(props: { id: string; label: string; onPick: (file: File) => void; pasteTarget?: boolean }) {
  const input = useRef<HTMLInputElement>(null);
  const [over, setOver] = useState(false);
  useEffect(() => {
    if (!props.pasteTarget) return;
    const onPaste = (e: ClipboardEvent) => {
      const file = Array.from(e.clipboardData?.files ?? []).find((f) => f.type.startsWith('image/'));
      if (file) props.onPick(file);
    };
    document.addEventListener('paste', onPaste);
    return () => document.removeEventListener('paste', onPaste);
  }, [props.pasteTarget, props.onPick]);
  return (
    <div
      class={`drop${over ? ' over' : ''}`}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        const file = Array.from(e.dataTransfer?.files ?? []).find((f) => f.type.startsWith('image/'));
        if (file) props.onPick(file);
      }}
    >
      <button type="button" onClick={() => input.current?.click()} aria-describedby={`${props.id}-hint`}>
        {props.label}
      </button>
      <span id={`${props.id}-hint`} class="hint">
        or drop a photo here{props.pasteTarget ? ', or paste one' : ''}
      </span>
      <input
        ref={input}
        id={props.id}
        type="file"
        accept="image/*"
        class="visually-hidden"
        aria-label={props.label}
        tabIndex={-1}
        onChange={(e) => {
          const file = (e.currentTarget as HTMLInputElement).files?.[0];
          if (file) props.onPick(file);
          (e.currentTarget as HTMLInputElement).value = '';
        }}
      />
    </div>
  );
}
