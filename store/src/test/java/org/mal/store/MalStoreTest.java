package org.mal.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MalStoreTest {
    @TempDir
    Path tmp;

    private Path dir() { return tmp.resolve("store"); }

    private static CacheKey key(int i) { return CacheKey.builder("test").put("i", i).build(); }

    @Test
    void createsAStoreThatReopensWithItsFormatVersion() {
        try (MalStore store = MalStore.open(dir())) {
            assertEquals(0, store.lastSequence());
            assertEquals(Optional.of("1"), store.meta(MalStore.META_FORMAT));
            assertTrue(store.meta(MalStore.META_CREATED_BY).orElseThrow().contains("RocksDB"));
        }
        try (MalStore store = MalStore.openExisting(dir())) {
            assertEquals(Optional.of(Integer.toString(MalStore.FORMAT_VERSION)), store.meta(MalStore.META_FORMAT));
        }
        Path empty = tmp.resolve("empty");
        assertDoesNotThrow(() -> Files.createDirectories(empty));
        try (MalStore store = MalStore.open(empty)) {
            assertEquals(0, store.verify().journalEntries());
        }
    }

    @Test
    void recordsWhoCreatedIt() {
        try (MalStore store = MalStore.open(dir(), "MAL 9.9-test")) {
            assertEquals(Optional.of("MAL 9.9-test, " + MalStore.engineVersion()), store.meta(MalStore.META_CREATED_BY));
        }
        // an existing store keeps its creator
        try (MalStore store = MalStore.open(dir(), "someone else")) {
            assertEquals(Optional.of("MAL 9.9-test, " + MalStore.engineVersion()), store.meta(MalStore.META_CREATED_BY));
        }
        try (MalStore store = MalStore.open(tmp.resolve("default"))) {
            assertEquals(Optional.of(MalStore.DEFAULT_CREATED_BY + ", " + MalStore.engineVersion()),
                    store.meta(MalStore.META_CREATED_BY));
        }
    }

    @Test
    void metaRoundTripsAndReservesTheStorePrefix() {
        try (MalStore store = MalStore.open(dir())) {
            store.putMeta("search.settings", "{\"objective\":\"retention\",\"seed\":7}");
            assertEquals(Optional.empty(), store.meta("absent"));
            assertThrows(IllegalArgumentException.class, () -> store.putMeta("store.format-version", "2"));
        }
        try (MalStore store = MalStore.openExisting(dir())) {
            assertEquals(Optional.of("{\"objective\":\"retention\",\"seed\":7}"), store.meta("search.settings"));
        }
    }

    @Test
    void evaluationsRoundTripAcrossReopen() {
        String json = "{\"barrier\":0.0125,\"note\":\"λ* ≈ 0.6 — ok\"}";
        try (MalStore store = MalStore.open(dir())) {
            assertEquals(Optional.empty(), store.evaluation(key(1)));
            store.putEvaluation(key(1), json);
            store.putEvaluations(Map.of(key(2), "{}", key(3), "[]"));
            assertEquals(Optional.of(json), store.evaluation(key(1)));
        }
        try (MalStore store = MalStore.openExisting(dir())) {
            assertEquals(Optional.of(json), store.evaluation(key(1)));
            assertEquals(Optional.of("{}"), store.evaluation(key(2)));
            assertEquals(Optional.of("[]"), store.evaluation(key(3)));
            assertEquals(Optional.empty(), store.evaluation(key(4)));
        }
    }

    @Test
    void journalNumbersEventsFromOneWithoutGapsAndReadsFromAnySequence() {
        try (MalStore store = MalStore.open(dir())) {
            for (int i = 1; i <= 300; i++) assertEquals(i, store.append("{\"n\":" + i + "}"));
            assertEquals(300, store.lastSequence());
        }
        try (MalStore store = MalStore.openExisting(dir())) {
            assertEquals(300, store.lastSequence());
            assertEquals(301, store.append("{\"n\":301}"));
            List<JournalEntry> all = store.readJournal(1);
            assertEquals(301, all.size());
            for (int i = 0; i < all.size(); i++) assertEquals(new JournalEntry(i + 1, "{\"n\":" + (i + 1) + "}"), all.get(i));
            assertEquals(List.of(new JournalEntry(256, "{\"n\":256}"), new JournalEntry(257, "{\"n\":257}")),
                    store.readJournal(256, 2));
            assertEquals(46, store.readJournal(256).size());
            assertEquals(List.of(new JournalEntry(301, "{\"n\":301}")), store.readJournal(301));
            assertEquals(List.of(), store.readJournal(302));
            assertThrows(IllegalArgumentException.class, () -> store.readJournal(0));
        }
    }

    @Test
    void concurrentAppendsGetDistinctContiguousSequenceNumbers() throws Exception {
        try (MalStore store = MalStore.open(dir())) {
            java.util.Set<Long> seen = java.util.concurrent.ConcurrentHashMap.newKeySet();
            List<Thread> threads = new java.util.ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int thread = t;
                threads.add(new Thread(() -> {
                    for (int i = 0; i < 50; i++) {
                        long seq = store.append("{\"thread\":" + thread + "}", Map.of(key(1000 * thread + i), "{}"));
                        assertTrue(seen.add(seq), "sequence " + seq + " handed out twice");
                    }
                }));
            }
            threads.forEach(Thread::start);
            for (Thread t : threads) t.join();
            assertEquals(200, seen.size());
            assertEquals(200, store.lastSequence());
            assertEquals(200, store.readJournal(1).size());
            assertEquals(200, store.verify().evaluations());
        }
    }

    @Test
    void anEventAndItsCacheEntriesCommitTogether() {
        Map<CacheKey, String> entries = new HashMap<>();
        for (int i = 0; i < 5; i++) entries.put(key(i), "{\"i\":" + i + "}");
        try (MalStore store = MalStore.open(dir())) {
            assertEquals(1, store.append("{\"event\":\"MoveEvaluated\"}", entries));
            Map<CacheKey, String> withNull = new HashMap<>();
            withNull.put(key(10), "{}");
            withNull.put(key(11), null);
            // A rejected append writes nothing: neither the event nor the valid entry.
            assertThrows(NullPointerException.class, () -> store.append("{\"event\":\"Bad\"}", withNull));
            assertEquals(1, store.lastSequence());
        }
        try (MalStore store = MalStore.openExisting(dir())) {
            assertEquals(List.of(new JournalEntry(1, "{\"event\":\"MoveEvaluated\"}")), store.readJournal(1));
            for (int i = 0; i < 5; i++) assertEquals(Optional.of("{\"i\":" + i + "}"), store.evaluation(key(i)));
            assertEquals(Optional.empty(), store.evaluation(key(10)));
            assertEquals(5, store.verify().evaluations());
        }
    }

    @Test
    void aFlippedByteInAnEvaluationIsReportedWithItsKey() {
        try (MalStore store = MalStore.open(dir())) {
            store.putEvaluation(key(1), "{\"loss\":0.5}");
            byte[] k = key(1).hash();
            byte[] raw = store.rawGet(MalStore.Column.EVALUATIONS, k);
            raw[Envelope.HEADER + 3] ^= 0x10;
            store.rawPut(MalStore.Column.EVALUATIONS, k, raw);
            CorruptValueException e = assertThrows(CorruptValueException.class, () -> store.evaluation(key(1)));
            assertEquals("evaluations", e.column());
            assertEquals(key(1).hex(), e.keyHex());
            assertTrue(e.getMessage().contains(key(1).hex()) && e.getMessage().contains(dir().toString()), e.getMessage());
            assertThrows(CorruptValueException.class, store::verify);
        }
    }

    @Test
    void aFlippedByteInTheJournalIsReportedOnReadAndOnReopen() {
        try (MalStore store = MalStore.open(dir())) {
            for (int i = 1; i <= 3; i++) store.append("{\"n\":" + i + "}");
            byte[] k = MalStore.seqKey(2);
            byte[] raw = store.rawGet(MalStore.Column.JOURNAL, k);
            raw[raw.length - 1] ^= 1;
            store.rawPut(MalStore.Column.JOURNAL, k, raw);
            assertEquals(1, store.readJournal(1, 1).size());
            CorruptValueException e = assertThrows(CorruptValueException.class, () -> store.readJournal(1));
            assertEquals("journal", e.column());
            assertEquals("0000000000000002", e.keyHex());
            // the tail record is checked when the store opens
            byte[] tail = store.rawGet(MalStore.Column.JOURNAL, MalStore.seqKey(3));
            tail[Envelope.HEADER] ^= (byte) 0x80;
            store.rawPut(MalStore.Column.JOURNAL, MalStore.seqKey(3), tail);
        }
        CorruptValueException e = assertThrows(CorruptValueException.class, () -> MalStore.openExisting(dir()));
        assertEquals("0000000000000003", e.keyHex());
    }

    @Test
    void aGapInTheJournalIsReported() {
        try (MalStore store = MalStore.open(dir())) {
            for (int i = 1; i <= 4; i++) store.append("{}");
            store.rawDelete(MalStore.Column.JOURNAL, MalStore.seqKey(2));
            CorruptValueException e = assertThrows(CorruptValueException.class, () -> store.readJournal(1));
            assertTrue(e.getMessage().contains("expected sequence 2, found 3"), e.getMessage());
            assertThrows(CorruptValueException.class, () -> store.readJournal(2));
            assertEquals(2, store.readJournal(3).size());
            assertThrows(CorruptValueException.class, store::verify);
        }
    }

    @Test
    void aFolderOfOtherFilesIsNotAStore() throws Exception {
        Files.createDirectories(dir());
        Files.writeString(dir().resolve("notes.txt"), "hello");
        NotAStoreException e = assertThrows(NotAStoreException.class, () -> MalStore.open(dir()));
        assertTrue(e.getMessage().contains("is not a MAL store") && e.getMessage().contains("notes.txt"), e.getMessage());
        assertThrows(NotAStoreException.class, () -> MalStore.openExisting(dir()));
        assertEquals(List.of("notes.txt"), Files.list(dir()).map(p -> p.getFileName().toString()).toList());
    }

    @Test
    void aMissingEmptyOrFilePathIsNotAnExistingStore() throws Exception {
        assertTrue(assertThrows(NotAStoreException.class, () -> MalStore.openExisting(dir()))
                .getMessage().contains("does not exist"));
        assertFalse(Files.exists(dir()));
        Files.createDirectories(dir());
        assertTrue(assertThrows(NotAStoreException.class, () -> MalStore.openExisting(dir()))
                .getMessage().contains("empty"));
        Path file = tmp.resolve("file");
        Files.writeString(file, "x");
        assertThrows(NotAStoreException.class, () -> MalStore.open(file));
    }

    @Test
    void aRocksDbDatabaseOfAnotherApplicationIsNotAStore() throws Exception {
        Path other = tmp.resolve("other");
        // Test code may touch RocksDB directly to build a database MAL did not create.
        org.rocksdb.RocksDB.loadLibrary();
        try (org.rocksdb.Options o = new org.rocksdb.Options().setCreateIfMissing(true);
             org.rocksdb.RocksDB db = org.rocksdb.RocksDB.open(o, other.toString())) {
            db.put("k".getBytes(StandardCharsets.UTF_8), "v".getBytes(StandardCharsets.UTF_8));
        }
        NotAStoreException e = assertThrows(NotAStoreException.class, () -> MalStore.open(other));
        assertTrue(e.getMessage().contains("without MAL's column families"), e.getMessage());
        assertThrows(NotAStoreException.class, () -> MalStore.openExisting(other));
    }

    @Test
    void anotherFormatVersionFailsClearlyAndChangesNothing() {
        try (MalStore store = MalStore.open(dir())) {
            store.append("{}");
            byte[] k = MalStore.META_FORMAT.getBytes(StandardCharsets.UTF_8);
            store.rawPut(MalStore.Column.META, k, Envelope.wrap(k, Envelope.ValueType.META, "2".getBytes(StandardCharsets.UTF_8)));
        }
        for (int attempt = 0; attempt < 2; attempt++) {
            StoreFormatException e = assertThrows(StoreFormatException.class, () -> MalStore.open(dir()));
            assertEquals(2, e.found());
            assertEquals(1, e.expected());
            assertTrue(e.getMessage().contains("format version 2") && e.getMessage().contains("reads format version 1"),
                    e.getMessage());
        }
    }

    @Test
    void aSecondOpenInTheSameJvmIsInUse() {
        try (MalStore first = MalStore.open(dir())) {
            first.append("{}");
            StoreInUseException e = assertThrows(StoreInUseException.class, () -> MalStore.open(dir()));
            assertTrue(e.getMessage().contains("in use") && e.getMessage().contains(dir().toString()), e.getMessage());
            assertThrows(StoreInUseException.class, () -> MalStore.openExisting(dir()));
            assertEquals(2, first.append("{}"));
        }
        try (MalStore again = MalStore.openExisting(dir())) {
            assertEquals(2, again.lastSequence());
        }
    }

    @Test
    void closeIsIdempotentAndLaterCallsFailClearly() {
        MalStore store = MalStore.open(dir());
        store.append("{}");
        store.close();
        store.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> store.append("{}"));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> store.evaluation(key(1)));
        assertThrows(IllegalStateException.class, () -> store.readJournal(1));
        assertThrows(IllegalStateException.class, () -> store.putBlob(new byte[] {1}));
    }

    @Test
    void verifyCountsWhatItChecked() {
        try (MalStore store = MalStore.open(dir())) {
            store.append("{}", Map.of(key(1), "{}", key(2), "{}"));
            store.append("{}");
            store.putMeta("a", "b");
            store.putBlob(new byte[10]);
            Integrity integrity = store.verify();
            assertEquals(new Integrity(4, 2, 2, 1, 10, 1, 0), integrity);
        }
    }

    @Test
    void storedRecordsMatchGoldenFile() throws Exception {
        Map<String, String> golden = Golden.read("store-records.txt");
        try (MalStore store = MalStore.open(dir())) {
            store.append("{\"event\":\"SearchStarted\"}", Map.of(CacheKeyTest.goldenKey(), "{\"loss\":[0.25]}"));
            String hello = store.putBlob("hello".getBytes(StandardCharsets.UTF_8));
            byte[] formatKey = MalStore.META_FORMAT.getBytes(StandardCharsets.UTF_8);
            byte[] manifestKey = Blobs.manifestKey(Hex.parse(hello));
            byte[] chunkKey = store.rawKeys(MalStore.Column.BLOBS).get(0);
            Map<String, String> actual = new LinkedHashMap<>();
            actual.put("meta.key", Hex.of(formatKey));
            actual.put("meta.value", Hex.of(store.rawGet(MalStore.Column.META, formatKey)));
            actual.put("journal.key", Hex.of(MalStore.seqKey(1)));
            actual.put("journal.value", Hex.of(store.rawGet(MalStore.Column.JOURNAL, MalStore.seqKey(1))));
            actual.put("evaluation.key", CacheKeyTest.goldenKey().hex());
            actual.put("evaluation.value", Hex.of(store.rawGet(MalStore.Column.EVALUATIONS, CacheKeyTest.goldenKey().hash())));
            actual.put("blob.manifest.key", Hex.of(manifestKey));
            actual.put("blob.manifest.value", Hex.of(store.rawGet(MalStore.Column.BLOBS, manifestKey)));
            actual.put("blob.chunk.key", Hex.of(chunkKey));
            actual.put("blob.chunk.value", Hex.of(store.rawGet(MalStore.Column.BLOBS, chunkKey)));
            StringBuilder now = new StringBuilder();
            actual.forEach((k, v) -> now.append(k).append('=').append(v).append('\n'));
            assertEquals(golden, actual, "the stored records changed. A change of the stored format needs a new"
                    + " FORMAT_VERSION, with golden/store-records.txt and ENCODING.md updated in the same commit. Now:\n" + now);
            assertArrayEquals(new byte[] {'C'}, new byte[] {chunkKey[0]});
        }
    }
}
