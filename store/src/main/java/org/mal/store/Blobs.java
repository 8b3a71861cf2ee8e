package org.mal.store;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.DigestException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.OptionalLong;
import org.mal.store.MalStore.Column;

/**
 * The blobs column family: content-addressed blobs cut into chunks, each stored under its own
 * SHA-256, with a manifest under the SHA-256 of the whole content (layout: {@link MalStore},
 * {@link BlobManifest}, {@code store/ENCODING.md}). Behind {@link MalStore#putBlob},
 * {@link MalStore#hasBlob}, {@link MalStore#blobLength} and {@link MalStore#openBlob}, whose
 * documentation is the contract. Holds no native handle: every read and write goes through the
 * store's package-private primitives, under its read lock.
 */
final class Blobs {
    static final byte MANIFEST_PREFIX = 'M';
    static final byte CHUNK_PREFIX = 'C';

    private final MalStore store;
    private final Path dir;

    Blobs(MalStore store) {
        this.store = store;
        this.dir = store.directory();
    }

    /** See {@link MalStore#putBlob(byte[])}. */
    String put(byte[] content) {
        try {
            return put(new ByteArrayInputStream(content));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** See {@link MalStore#putBlob(InputStream)}. */
    synchronized String put(InputStream in) throws IOException {
        MessageDigest whole = Hex.sha256();
        MessageDigest chunk = Hex.sha256();
        byte[] buf = new byte[Envelope.OVERHEAD + MalStore.CHUNK_SIZE];
        List<byte[]> chunkHashes = new ArrayList<>();
        long length = 0;
        boolean wroteChunk = false;
        while (true) {
            int n = in.readNBytes(buf, Envelope.HEADER, MalStore.CHUNK_SIZE);
            if (n == 0) break;
            whole.update(buf, Envelope.HEADER, n);
            chunk.update(buf, Envelope.HEADER, n);
            byte[] key = new byte[1 + BlobManifest.HASH];
            key[0] = CHUNK_PREFIX;
            digestInto(chunk, key, 1);
            chunkHashes.add(Arrays.copyOfRange(key, 1, key.length));
            if (!store.exists(Column.BLOBS, key)) {
                int len = Envelope.seal(key, Envelope.ValueType.BLOB_CHUNK, buf, n);
                store.putNoSync(Column.BLOBS, key, buf, len, "write chunk " + chunkHashes.size() + " of a blob");
                wroteChunk = true;
            }
            length += n;
            if (n < MalStore.CHUNK_SIZE) break;
        }
        byte[] hash = whole.digest();
        byte[] key = manifestKey(hash);
        BlobManifest manifest = new BlobManifest(length, MalStore.CHUNK_SIZE, chunkHashes.toArray(new byte[0][]));
        // Rewriting an existing manifest is harmless; it is skipped only when it would sync nothing new.
        if (wroteChunk || !store.exists(Column.BLOBS, key)) {
            store.putSync(Column.BLOBS, key, Envelope.wrap(key, Envelope.ValueType.BLOB_MANIFEST, manifest.encode()),
                    "write the manifest of blob " + Hex.of(hash));
        }
        return Hex.of(hash);
    }

    /** See {@link MalStore#blobNames}. */
    List<String> names() {
        List<String> out = new ArrayList<>();
        store.forEachWithPrefix(Column.BLOBS, MANIFEST_PREFIX, "list the blobs", (key, value) -> out.add(Hex.of(Arrays.copyOfRange(key, 1, key.length))));
        return out;
    }

    /** See {@link MalStore#deleteBlobs}. */
    synchronized int delete(java.util.Collection<String> names) {
        java.util.Set<String> gone = new java.util.HashSet<>();
        for (String n : names) gone.add(Hex.of(Hex.sha256(n, "blob hash")));
        java.util.Set<String> usedChunks = new java.util.HashSet<>();
        java.util.Set<String> goneChunks = new java.util.TreeSet<>();
        List<byte[]> keys = new ArrayList<>();
        store.forEachWithPrefix(Column.BLOBS, MANIFEST_PREFIX, "read the blob manifests", (key, value) -> {
            BlobManifest m = BlobManifest.decode(dir, key, Envelope.unwrap(dir, Column.BLOBS.cfName, key, value, Envelope.ValueType.BLOB_MANIFEST));
            boolean deleted = gone.contains(Hex.of(Arrays.copyOfRange(key, 1, key.length)));
            if (deleted) keys.add(key);
            for (byte[] h : m.chunkHashes()) (deleted ? goneChunks : usedChunks).add(Hex.of(h));
        });
        int blobs = keys.size();
        if (blobs == 0) return 0;
        for (String c : goneChunks) {
            if (usedChunks.contains(c)) continue;
            byte[] key = new byte[1 + BlobManifest.HASH];
            key[0] = CHUNK_PREFIX;
            System.arraycopy(Hex.sha256(c, "chunk hash"), 0, key, 1, BlobManifest.HASH);
            keys.add(key);
        }
        // manifests first in the batch; the batch is atomic, so no blob is ever left without a chunk
        store.deleteSync(Column.BLOBS, keys, "delete " + blobs + " blobs");
        return blobs;
    }

    /** See {@link MalStore#hasBlob}. */
    boolean has(String sha256Hex) {
        return store.exists(Column.BLOBS, manifestKey(Hex.sha256(sha256Hex, "blob hash")));
    }

    /** See {@link MalStore#blobLength}. */
    OptionalLong length(String sha256Hex) {
        byte[] key = manifestKey(Hex.sha256(sha256Hex, "blob hash"));
        BlobManifest m = manifest(key);
        return m == null ? OptionalLong.empty() : OptionalLong.of(m.length());
    }

    /** See {@link MalStore#openBlob}. */
    InputStream open(String sha256Hex) {
        byte[] key = manifestKey(Hex.sha256(sha256Hex, "blob hash"));
        BlobManifest m = manifest(key);
        if (m == null) throw new NoSuchElementException("no blob " + sha256Hex + " in store " + dir);
        return new BlobInputStream(key, m);
    }

    /** Reads the blob of a manifest already in hand, checking every chunk as {@link #open} does. */
    InputStream open(byte[] manifestKey, BlobManifest manifest) { return new BlobInputStream(manifestKey, manifest); }

    private BlobManifest manifest(byte[] key) {
        byte[] value = store.get(Column.BLOBS, key, "read blob manifest");
        if (value == null) return null;
        return BlobManifest.decode(dir, key,
                Envelope.unwrap(dir, Column.BLOBS.cfName, key, value, Envelope.ValueType.BLOB_MANIFEST));
    }

    /** {@code 'M'} + the blob's SHA-256: the key of its manifest. */
    static byte[] manifestKey(byte[] hash) {
        byte[] key = new byte[1 + hash.length];
        key[0] = MANIFEST_PREFIX;
        System.arraycopy(hash, 0, key, 1, hash.length);
        return key;
    }

    private final class BlobInputStream extends InputStream {
        private final byte[] manifestKey;
        private final BlobManifest manifest;
        private final byte[] buf;
        private final MessageDigest digest = Hex.sha256();
        private final byte[] actual = new byte[BlobManifest.HASH];
        private int nextChunk;
        private int pos;
        private int limit;

        BlobInputStream(byte[] manifestKey, BlobManifest manifest) {
            this.manifestKey = manifestKey;
            this.manifest = manifest;
            this.buf = new byte[Envelope.OVERHEAD + (manifest.chunkCount() == 0 ? 0 : manifest.chunkSize())];
        }

        @Override
        public int read() {
            if (pos == limit && !fill()) return -1;
            return buf[pos++] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            Objects.checkFromIndexSize(off, len, b.length);
            if (len == 0) return 0;
            if (pos == limit && !fill()) return -1;
            int n = Math.min(len, limit - pos);
            System.arraycopy(buf, pos, b, off, n);
            pos += n;
            return n;
        }

        @Override
        public int available() { return limit - pos; }

        private boolean fill() {
            if (nextChunk == manifest.chunkCount()) return false;
            int i = nextChunk;
            byte[] hash = manifest.chunkHashes()[i];
            byte[] key = new byte[1 + BlobManifest.HASH];
            key[0] = CHUNK_PREFIX;
            System.arraycopy(hash, 0, key, 1, hash.length);
            int size = store.getInto(Column.BLOBS, key, buf,
                    "read chunk " + i + " of blob " + Hex.of(Arrays.copyOfRange(manifestKey, 1, manifestKey.length)));
            String blob = "chunk " + i + " of " + manifest.chunkCount() + " of blob "
                    + Hex.of(Arrays.copyOfRange(manifestKey, 1, manifestKey.length));
            if (size == MalStore.ABSENT) throw new CorruptValueException(dir, Column.BLOBS.cfName, key, blob + " is missing");
            if (size > buf.length) {
                throw new CorruptValueException(dir, Column.BLOBS.cfName, key, blob + " is " + size
                        + " bytes, more than its chunk size allows");
            }
            int n = Envelope.check(dir, Column.BLOBS.cfName, key, buf, size, Envelope.ValueType.BLOB_CHUNK);
            if (n != manifest.chunkLength(i)) {
                throw new CorruptValueException(dir, Column.BLOBS.cfName, key, blob + " holds " + n
                        + " bytes; the manifest says " + manifest.chunkLength(i));
            }
            digest.update(buf, Envelope.HEADER, n);
            digestInto(digest, actual, 0);
            if (!Arrays.equals(actual, hash)) {
                throw new CorruptValueException(dir, Column.BLOBS.cfName, key, blob + ": content does not match its SHA-256");
            }
            pos = Envelope.HEADER;
            limit = Envelope.HEADER + n;
            nextChunk++;
            return true;
        }
    }


    private static void digestInto(MessageDigest md, byte[] out, int offset) {
        try {
            md.digest(out, offset, BlobManifest.HASH);
        } catch (DigestException e) {
            throw new IllegalStateException(e);
        }
    }
}
