/**
 * Where training images come from, without saying how they are stored. The
 * CLI reads folder trees (folder.source.ts); the retraining service feeds
 * images from the database plus explicit labelled pairs. The trainer only
 * sees this interface.
 */
export interface ImageRef {
  /** Stable, unique key of the image (a path, a database id…). */
  key: string;
  /** Identity label: images with the same identity are "the same". */
  identity: string;
}

/**
 * An explicit judgement about two images (by key), e.g. a user's correction:
 * `same: true` means the two images show the same identity. Weight > 1 makes
 * the pair count more than a sampled one (default 1).
 */
export interface LabelledPair {
  a: string;
  b: string;
  same: boolean;
  weight?: number;
}

export interface LabelledImageSource {
  /** Human-readable origins for the model card (folder paths, "database"…). */
  readonly sources: string[];
  list(): Promise<ImageRef[]>;
  read(key: string): Promise<Uint8Array>;
  /** Optional explicit pairs; keys must appear in list(). */
  pairs?(): Promise<LabelledPair[]>;
}

/** An in-memory source (tests, services that already hold the bytes). */
export class MemoryImageSource implements LabelledImageSource {
  constructor(
    private readonly images: ReadonlyArray<ImageRef & { bytes: Uint8Array }>,
    private readonly explicit: LabelledPair[] = [],
    readonly sources: string[] = ['memory'],
  ) {}

  async list(): Promise<ImageRef[]> {
    return this.images.map(({ key, identity }) => ({ key, identity }));
  }

  async read(key: string): Promise<Uint8Array> {
    const hit = this.images.find((i) => i.key === key);
    if (!hit) throw new RangeError(`no image with key ${key}`);
    return hit.bytes;
  }

  async pairs(): Promise<LabelledPair[]> {
    return this.explicit;
  }
}
