package org.mal.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlobTest {
    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    private static byte[] pattern(int length, long seed) throws IOException {
        return new PatternStream(length, seed).readAllBytes();
    }

    private static String sha256(byte[] b) throws Exception { return Hex.of(MessageDigest.getInstance("SHA-256").digest(b)); }

    @Test
    void blobsRoundTripAcrossChunksAndReopen() throws Exception {
        byte[] content = pattern(2 * MalStore.CHUNK_SIZE + 12345, 1);
        String hash;
        try (MalStore store = MalStore.open(dir)) {
            hash = store.putBlob(new PatternStream(content.length, 1));
            assertEquals(sha256(content), hash);
            assertEquals(OptionalLong.of(content.length), store.blobLength(hash));
        }
        try (MalStore store = MalStore.openExisting(dir); InputStream in = store.openBlob(hash)) {
            assertArrayEquals(content, in.readAllBytes());
            assertTrue(store.hasBlob(hash));
            assertEquals(3, store.verify().chunks());
        }
    }

    @Test
    void deletedBlobsAreGoneAndChunksOtherBlobsUseStay() throws Exception {
        byte[] shared = pattern(MalStore.CHUNK_SIZE, 3);
        byte[] a = java.util.Arrays.copyOf(shared, MalStore.CHUNK_SIZE + 10);   // first chunk shared with b
        byte[] b = java.util.Arrays.copyOf(shared, MalStore.CHUNK_SIZE + 20);
        b[MalStore.CHUNK_SIZE + 5] = 7;
        try (MalStore store = MalStore.open(dir)) {
            String ha = store.putBlob(a);
            String hb = store.putBlob(b);
            String hc = store.putBlob(pattern(1000, 4));
            assertEquals(new java.util.TreeSet<>(List.of(ha, hb, hc)), new java.util.TreeSet<>(store.blobNames()));
            assertEquals(1, store.deleteBlobs(List.of(ha, sha256(new byte[] {1}))), "a name that is not stored is ignored");
            assertFalse(store.hasBlob(ha));
            try (InputStream in = store.openBlob(hb)) {
                assertArrayEquals(b, in.readAllBytes(), "the chunk b shares with a is kept");
            }
            assertEquals(2, store.verify().blobs());
            assertEquals(0, store.verify().orphanChunks(), "a's own chunk went with it");
            assertEquals(2, store.deleteBlobs(List.of(hb, hc)));
            assertEquals(List.of(), store.blobNames());
            assertEquals(0, store.verify().chunks());
        }
        try (MalStore store = MalStore.openExisting(dir)) {
            assertEquals(List.of(), store.blobNames(), "deleted for good");
        }
    }

    @Test
    void theSpaceOfDeletedBlobsIsGivenBack() throws Exception {
        try (MalStore store = MalStore.open(dir)) {
            List<String> names = new java.util.ArrayList<>();
            for (int i = 0; i < 6; i++) names.add(store.putBlob(pattern(MIB, 10 + i)));
            store.reclaimBlobSpace();
            long full = size(dir);
            assertTrue(full > 6 * MIB, "the blobs are on disk: " + full);
            store.deleteBlobs(names.subList(0, 5));
            store.reclaimBlobSpace();
            long after = size(dir);
            assertTrue(after < full - 4 * MIB, "five of six megabytes given back: " + full + " -> " + after);
            try (InputStream in = store.openBlob(names.get(5))) {
                assertArrayEquals(pattern(MIB, 15), in.readAllBytes());
            }
        }
    }

    /** The bytes of the files in a folder (their length, not the blocks a preallocating file system holds). */
    private static long size(Path folder) throws IOException {
        try (var files = java.nio.file.Files.list(folder)) {
            long sum = 0;
            for (Path f : files.toList()) sum += java.nio.file.Files.size(f);
            return sum;
        }
    }

    @Test
    void emptyAndTinyBlobsRoundTrip() throws Exception {
        try (MalStore store = MalStore.open(dir)) {
            String empty = store.putBlob(new byte[0]);
            assertEquals(sha256(new byte[0]), empty);
            try (InputStream in = store.openBlob(empty)) {
                assertEquals(-1, in.read());
            }
            String one = store.putBlob(new byte[] {42});
            try (InputStream in = store.openBlob(one)) {
                assertEquals(42, in.read());
                assertEquals(-1, in.read());
            }
            byte[] exact = pattern(MalStore.CHUNK_SIZE, 3);
            String h = store.putBlob(exact);
            try (InputStream in = store.openBlob(h)) {
                assertArrayEquals(exact, in.readAllBytes());
            }
        }
    }

    @Test
    void theSameContentIsStoredOnceAndSharedChunksOnce() throws Exception {
        byte[] content = pattern(MalStore.CHUNK_SIZE + 100, 4);
        try (MalStore store = MalStore.open(dir)) {
            String first = store.putBlob(content);
            List<byte[]> keys = store.rawKeys(MalStore.Column.BLOBS);
            assertEquals(3, keys.size()); // 2 chunks + 1 manifest
            assertEquals(first, store.putBlob(content));
            assertEquals(keys.size(), store.rawKeys(MalStore.Column.BLOBS).size());
            // same first chunk, different tail: one more chunk and one more manifest
            byte[] variant = content.clone();
            variant[variant.length - 1] ^= 1;
            String second = store.putBlob(variant);
            assertEquals(5, store.rawKeys(MalStore.Column.BLOBS).size());
            try (InputStream in = store.openBlob(second)) {
                assertArrayEquals(variant, in.readAllBytes());
            }
            assertEquals(new Integrity(3, 0, 0, 2, 2L * content.length, 3, 0), store.verify());
        }
    }

    @Test
    void aFlippedByteInAChunkIsDetectedBeforeAnyOfItIsDelivered() throws Exception {
        byte[] content = pattern(2 * MalStore.CHUNK_SIZE + 7, 5);
        try (MalStore store = MalStore.open(dir)) {
            String hash = store.putBlob(content);
            byte[] secondChunk = secondChunkKey(content);
            byte[] raw = store.rawGet(MalStore.Column.BLOBS, secondChunk);
            raw[Envelope.HEADER + 1000] ^= 0x01;
            store.rawPut(MalStore.Column.BLOBS, secondChunk, raw);
            ByteArrayOutputStream delivered = new ByteArrayOutputStream();
            CorruptValueException e;
            try (InputStream in = store.openBlob(hash)) {
                e = assertThrows(CorruptValueException.class, () -> in.transferTo(delivered));
            }
            assertEquals(MalStore.CHUNK_SIZE, delivered.size(), "only the intact first chunk was delivered");
            assertEquals("blobs", e.column());
            assertEquals(Hex.of(secondChunk), e.keyHex());
            assertTrue(e.getMessage().contains("CRC32C"), e.getMessage());
            assertThrows(CorruptValueException.class, store::verify);
        }
    }

    @Test
    void aChunkWithAValidEnvelopeButWrongContentIsDetectedBySha256() throws Exception {
        byte[] content = pattern(2 * MalStore.CHUNK_SIZE, 6);
        try (MalStore store = MalStore.open(dir)) {
            String hash = store.putBlob(content);
            byte[] k = secondChunkKey(content);
            byte[] other = pattern(MalStore.CHUNK_SIZE, 99);
            store.rawPut(MalStore.Column.BLOBS, k, Envelope.wrap(k, Envelope.ValueType.BLOB_CHUNK, other));
            try (InputStream in = store.openBlob(hash)) {
                CorruptValueException e = assertThrows(CorruptValueException.class, () -> in.transferTo(OutputStream.nullOutputStream()));
                assertTrue(e.getMessage().contains("does not match its SHA-256"), e.getMessage());
            }
        }
    }

    @Test
    void aMissingChunkOrCorruptManifestIsReported() throws Exception {
        byte[] content = pattern(2 * MalStore.CHUNK_SIZE, 7);
        try (MalStore store = MalStore.open(dir)) {
            String hash = store.putBlob(content);
            byte[] chunk = secondChunkKey(content);
            store.rawDelete(MalStore.Column.BLOBS, chunk);
            try (InputStream in = store.openBlob(hash)) {
                CorruptValueException e = assertThrows(CorruptValueException.class, () -> in.transferTo(OutputStream.nullOutputStream()));
                assertTrue(e.getMessage().contains("chunk 1 of 2") && e.getMessage().contains("missing"), e.getMessage());
                assertEquals(Hex.of(chunk), e.keyHex());
            }
            byte[] manifestKey = Blobs.manifestKey(Hex.parse(hash));
            byte[] raw = store.rawGet(MalStore.Column.BLOBS, manifestKey);
            raw[Envelope.HEADER + 20] ^= 0x40;
            store.rawPut(MalStore.Column.BLOBS, manifestKey, raw);
            CorruptValueException e = assertThrows(CorruptValueException.class, () -> store.openBlob(hash));
            assertEquals(Hex.of(manifestKey), e.keyHex());
        }
    }

    @Test
    void anUnknownBlobIsNotFound() {
        try (MalStore store = MalStore.open(dir)) {
            String absent = "ab".repeat(32);
            assertFalse(store.hasBlob(absent));
            assertEquals(OptionalLong.empty(), store.blobLength(absent));
            assertThrows(NoSuchElementException.class, () -> store.openBlob(absent));
            assertThrows(IllegalArgumentException.class, () -> store.openBlob("AB".repeat(32)));
        }
    }

    @Test
    void writingAndReadingA50MBBlobAllocatesAboutTwoChunksOfHeap() throws Exception {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long length = 50L * MIB;
        try (MalStore store = MalStore.open(dir)) {
            store.putBlob(new byte[1]); // warm up class loading outside the measurement
            long before = threads.getCurrentThreadAllocatedBytes();
            String hash = store.putBlob(new PatternStream(length, 8));
            long written = threads.getCurrentThreadAllocatedBytes() - before;

            MessageDigest md = MessageDigest.getInstance("SHA-256");
            before = threads.getCurrentThreadAllocatedBytes();
            try (InputStream in = store.openBlob(hash); OutputStream sink = new DigestOutputStream(OutputStream.nullOutputStream(), md)) {
                in.transferTo(sink);
            }
            long read = threads.getCurrentThreadAllocatedBytes() - before;
            assertEquals(hash, Hex.of(md.digest()));
            System.out.printf("50 MiB blob: heap allocated while writing %.2f MiB, while reading %.2f MiB%n",
                    written / (double) MIB, read / (double) MIB);
            assertTrue(written < 2L * MalStore.CHUNK_SIZE, "write allocated " + written + " bytes");
            assertTrue(read < 2L * MalStore.CHUNK_SIZE, "read allocated " + read + " bytes");
        }
    }

    private static byte[] secondChunkKey(byte[] content) throws Exception {
        byte[] chunk = java.util.Arrays.copyOfRange(content, MalStore.CHUNK_SIZE, Math.min(content.length, 2 * MalStore.CHUNK_SIZE));
        byte[] key = new byte[33];
        key[0] = 'C';
        System.arraycopy(MessageDigest.getInstance("SHA-256").digest(chunk), 0, key, 1, 32);
        return key;
    }
}
