package org.mal.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import org.mal.store.MalStore.Column;

/**
 * One run of {@link MalStore#verify()}, whose documentation is the contract: reads every value of
 * every column family and checks it. Holds no native handle: it reads through the store's
 * package-private primitives, and keeps the store's read lock for the whole run, so
 * {@link MalStore#close()} waits for it to finish.
 */
final class Verifier {
    private final MalStore store;
    private final Blobs blobs;
    private final Path dir;

    private long journal;
    private long blobCount;
    private long blobBytes;
    private long chunks;
    private final Set<String> referenced = new HashSet<>();
    private final Set<String> stored = new HashSet<>();

    Verifier(MalStore store, Blobs blobs) {
        this.store = store;
        this.blobs = blobs;
        this.dir = store.directory();
    }

    /** Runs the checks once; a {@code Verifier} is for one run. */
    Integrity run() {
        return store.guarded("verify", () -> {
            long meta = count(Column.META, Envelope.ValueType.META, -1);
            long evaluations = count(Column.EVALUATIONS, Envelope.ValueType.EVALUATION, 32);
            store.forEach(Column.JOURNAL, "verify", this::journalEntry);
            store.forEach(Column.BLOBS, "verify", this::blobEntry);
            stored.removeAll(referenced);
            return new Integrity(meta, evaluations, journal, blobCount, blobBytes, chunks, stored.size());
        });
    }

    private long count(Column c, Envelope.ValueType type, int keyLength) {
        long[] n = {0};
        store.forEach(c, "verify", (key, value) -> {
            if (keyLength >= 0 && key.length != keyLength) {
                throw new CorruptValueException(dir, c.cfName, key, "key of " + key.length + " bytes, not " + keyLength);
            }
            Envelope.unwrap(dir, c.cfName, key, value, type);
            n[0]++;
        });
        return n[0];
    }

    private void journalEntry(byte[] key, byte[] value) {
        long seq = store.seqOf(key);
        if (seq != journal + 1) {
            throw new CorruptValueException(dir, Column.JOURNAL.cfName, key,
                    "gap in the journal: expected sequence " + (journal + 1) + ", found " + seq);
        }
        Envelope.unwrap(dir, Column.JOURNAL.cfName, key, value, Envelope.ValueType.JOURNAL_EVENT);
        journal = seq;
    }

    private void blobEntry(byte[] key, byte[] value) {
        if (key.length == 1 + BlobManifest.HASH && key[0] == Blobs.MANIFEST_PREFIX) {
            BlobManifest m = BlobManifest.decode(dir, key, Envelope.unwrap(dir, Column.BLOBS.cfName, key,
                    value, Envelope.ValueType.BLOB_MANIFEST));
            // Reading the blob through the stream checks presence, length and SHA-256 of every chunk.
            try (InputStream in = blobs.open(key, m)) {
                in.transferTo(OutputStreamNull.INSTANCE);
            } catch (IOException e) {
                throw new StoreException(dir, "cannot verify store " + dir + ": " + e, e);
            }
            for (byte[] h : m.chunkHashes()) referenced.add(Hex.of(h));
            blobCount++;
            blobBytes += m.length();
        } else if (key.length == 1 + BlobManifest.HASH && key[0] == Blobs.CHUNK_PREFIX) {
            Envelope.unwrap(dir, Column.BLOBS.cfName, key, value, Envelope.ValueType.BLOB_CHUNK);
            stored.add(Hex.of(Arrays.copyOfRange(key, 1, key.length)));
            chunks++;
        } else {
            throw new CorruptValueException(dir, Column.BLOBS.cfName, key, "not a manifest or chunk key");
        }
    }

    private static final class OutputStreamNull extends OutputStream {
        static final OutputStreamNull INSTANCE = new OutputStreamNull();

        @Override
        public void write(int b) {}

        @Override
        public void write(byte[] b, int off, int len) {}
    }
}
