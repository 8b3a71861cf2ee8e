package org.mal.store;

import java.nio.file.Path;

/**
 * The manifest of one blob, stored under {@code 'M' || SHA-256(content)} in the blobs column
 * family. Payload layout (inside an {@link Envelope} of type BLOB_MANIFEST), big-endian:
 * <pre>
 * 0    8    content length in bytes
 * 8    4    chunk size c (every chunk but the last holds exactly c bytes; the last holds 1..c)
 * 12   4    chunk count k = ceil(length / c)
 * 16   32k  the chunks' SHA-256s, in content order; chunk i is stored under 'C' || its SHA-256
 * </pre>
 */
record BlobManifest(long length, int chunkSize, byte[][] chunkHashes) {
    static final int FIXED = 16;
    static final int HASH = 32;
    /** A chunk larger than this is taken as corruption rather than allocated. */
    static final int MAX_CHUNK = 64 << 20;

    int chunkCount() { return chunkHashes.length; }

    /** The length of chunk {@code i}. */
    int chunkLength(int i) {
        return i < chunkHashes.length - 1 ? chunkSize : (int) (length - (long) chunkSize * (chunkHashes.length - 1));
    }

    byte[] encode() {
        byte[] out = new byte[FIXED + HASH * chunkHashes.length];
        Envelope.putLong(out, 0, length);
        Envelope.putInt(out, 8, chunkSize);
        Envelope.putInt(out, 12, chunkHashes.length);
        for (int i = 0; i < chunkHashes.length; i++) System.arraycopy(chunkHashes[i], 0, out, FIXED + HASH * i, HASH);
        return out;
    }

    static BlobManifest decode(Path store, byte[] key, byte[] p) {
        if (p.length < FIXED) throw new CorruptValueException(store, "blobs", key, "manifest of " + p.length + " bytes");
        long length = Envelope.getLong(p, 0);
        int chunkSize = Envelope.getInt(p, 8);
        int count = Envelope.getInt(p, 12);
        if (length < 0 || chunkSize <= 0 || chunkSize > MAX_CHUNK || count < 0
                || count != (length + chunkSize - 1) / chunkSize || p.length != FIXED + (long) HASH * count) {
            throw new CorruptValueException(store, "blobs", key, "inconsistent manifest: length " + length
                    + ", chunk size " + chunkSize + ", " + count + " chunks in " + p.length + " bytes");
        }
        byte[][] hashes = new byte[count][];
        for (int i = 0; i < count; i++) {
            hashes[i] = new byte[HASH];
            System.arraycopy(p, FIXED + HASH * i, hashes[i], 0, HASH);
        }
        return new BlobManifest(length, chunkSize, hashes);
    }
}
