import { useEffect, useState } from 'preact/hooks';

export interface FaceBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * The user's photo with the face the model used boxed on it. Boxes are in image pixels
 * (after EXIF rotation, which browsers apply too): placed as percentages of the natural size.
 */
export function FacePhoto(props: { file: File; box?: FaceBox | null; alt: string }) {
  const [url, setUrl] = useState<string | null>(null);
  const [natural, setNatural] = useState<{ w: number; h: number } | null>(null);
  useEffect(() => {
    const u = URL.createObjectURL(props.file);
    setUrl(u);
    setNatural(null);
    return () => URL.revokeObjectURL(u);
  }, [props.file]);
  if (!url) return null;
  const b = props.box;
  return (
    <figure class="face-photo">
      <div class="frame">
        <img src={url} alt={props.alt} onLoad={(e) => setNatural({ w: e.currentTarget.naturalWidth, h: e.currentTarget.naturalHeight })} />
        {b && natural && (
          <div
            class="face-box"
            role="img"
            aria-label="detected face"
            style={{
              left: `${(100 * b.x) / natural.w}%`,
              top: `${(100 * b.y) / natural.h}%`,
              width: `${(100 * b.width) / natural.w}%`,
              height: `${(100 * b.height) / natural.h}%`,
            }}
          />
        )}
      </div>
      <figcaption>{props.file.name}</figcaption>
    </figure>
  );
}
