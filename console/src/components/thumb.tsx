import { useEffect, useState } from 'preact/hooks';
import { thumbnailUrl } from '../api';

/** An enrolled image's thumbnail, fetched with the admin token (blob URL, revoked when unmounted). */
export function Thumb(props: { imageId: string | null | undefined; alt: string; size?: number }) {
  const [url, setUrl] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    let live = true;
    let made: string | null = null;
    setUrl(null);
    setFailed(false);
    if (!props.imageId) return;
    thumbnailUrl(props.imageId, props.size ?? 96)
      .then((u) => {
        made = u;
        if (live) setUrl(u);
        else URL.revokeObjectURL(u);
      })
      .catch(() => live && setFailed(true));
    return () => {
      live = false;
      if (made) URL.revokeObjectURL(made);
    };
  }, [props.imageId, props.size]);
  const size = props.size ?? 96;
  if (!props.imageId || failed) {
    return (
      <span class="thumb empty" role="img" aria-label={`${props.alt} (no picture)`} style={{ width: `${size}px`, height: `${size}px` }}>
        ?
      </span>
    );
  }
  return url ? (
    <img class="thumb" src={url} alt={props.alt} width={size} height={size} data-image-id={props.imageId} />
  ) : (
    <span class="thumb loading" role="img" aria-label={`${props.alt} (loading)`} style={{ width: `${size}px`, height: `${size}px` }} />
  );
}
