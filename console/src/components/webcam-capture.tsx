import { useEffect, useRef, useState } from 'preact/hooks';

/** Whether this browser can give the page a camera (getUserMedia needs a secure context: https or localhost). */
export function cameraAvailable(): boolean {
  return typeof navigator !== 'undefined' && typeof navigator.mediaDevices?.getUserMedia === 'function';
}

function cameraError(e: unknown): string {
  const name = e instanceof DOMException ? e.name : '';
  if (name === 'NotAllowedError') return 'The browser was not allowed to use the camera (check the site permissions).';
  if (name === 'NotFoundError' || name === 'OverconstrainedError') return 'No camera was found.';
  if (name === 'NotReadableError') return 'The camera is in use by another application.';
  return `The camera could not be opened: ${e instanceof Error ? e.message : String(e)}`;
}

/** One frame of a playing video as a JPEG file (what the photo picker would have given). */
export async function captureFrame(video: HTMLVideoElement, quality = 0.92): Promise<File> {
  const canvas = document.createElement('canvas');
  canvas.width = video.videoWidth;
  canvas.height = video.videoHeight;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('this browser cannot draw the camera frame');
  ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
  const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/jpeg', quality));
  if (!blob) throw new Error('the camera frame could not be encoded');
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  return new File([blob], `camera-${stamp}.jpg`, { type: 'image/jpeg' });
}

/**
 * "Take photo" from the webcam, where the browser offers one (the button is not rendered
 * otherwise): a live preview, then "Capture" hands one JPEG frame to `onCapture`, the same path
 * a picked file takes. The camera is released on capture, on cancel and when the page closes.
 */
export function WebcamCapture(props: { onCapture: (file: File) => void }) {
  const [stream, setStream] = useState<MediaStream | null>(null);
  const [ready, setReady] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const video = useRef<HTMLVideoElement>(null);

  useEffect(() => {
    const v = video.current;
    if (!v || !stream) return;
    v.srcObject = stream;
    v.play().catch(() => undefined); // autoplay+muted plays anyway; a refused play() only delays the preview
    return () => stream.getTracks().forEach((t) => t.stop());
  }, [stream]);

  if (!cameraAvailable()) return null;

  const open = async () => {
    setError(null);
    setReady(false);
    try {
      setStream(await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'user', width: { ideal: 1280 } }, audio: false }));
    } catch (e) {
      setError(cameraError(e));
    }
  };
  const close = () => {
    stream?.getTracks().forEach((t) => t.stop());
    setStream(null);
    setReady(false);
  };
  const capture = async () => {
    const v = video.current;
    if (!v || v.videoWidth === 0) return;
    try {
      const file = await captureFrame(v);
      close();
      props.onCapture(file);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    }
  };

  return (
    <div class="webcam">
      {!stream ? (
        <button type="button" onClick={open}>
          Take photo
        </button>
      ) : (
        <>
          <video ref={video} autoplay muted playsInline aria-label="camera preview" onLoadedData={() => setReady(true)} />
          <div class="buttons">
            <button type="button" onClick={capture} disabled={!ready}>
              Capture and search
            </button>
            <button type="button" onClick={close}>
              Cancel camera
            </button>
          </div>
        </>
      )}
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
    </div>
  );
}
