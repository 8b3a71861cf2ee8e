package org.mal.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A store whose CURRENT file or MANIFEST is damaged is called damaged, not "not a store", and repair recovers it. */
class StoreRepairTest {
    @TempDir
    Path tmp;

    private Path dir() { return tmp.resolve("store"); }

    private void writeStore() {
        try (MalStore store = MalStore.open(dir())) {
            for (int i = 1; i <= 3; i++) store.append("{\"event\":" + i + "}");
            store.putMeta("search.settings", "{}");
            store.putEvaluation(CacheKey.builder("test").put("i", 1).build(), "{\"barrier\":0.5}");
        }
    }

    private Path manifest() throws Exception {
        try (Stream<Path> s = Files.list(dir())) {
            return s.filter(p -> p.getFileName().toString().startsWith("MANIFEST-")).findFirst().orElseThrow();
        }
    }

    @Test
    void aFlippedByteInTheManifestIsNamedAndRepairedFromTheLog() throws Exception {
        writeStore();
        Path manifest = manifest();
        byte[] b = Files.readAllBytes(manifest);
        b[b.length / 2] ^= 0x40;
        Files.write(manifest, b);
        assertDamaged("its " + manifest.getFileName() + " (the list of column families and table files) is damaged");
        assertRepaired(manifest.getFileName().toString(), b);
    }

    @Test
    void aTruncatedManifestIsNamedAndRepairedFromTheLog() throws Exception {
        writeStore();
        Path manifest = manifest();
        byte[] b = Arrays.copyOf(Files.readAllBytes(manifest), (int) Files.size(manifest) / 2);
        Files.write(manifest, b);
        assertDamaged("its " + manifest.getFileName() + " (the list of column families and table files) is damaged");
        assertRepaired(manifest.getFileName().toString(), b);
    }

    @Test
    void aBadCurrentFileIsNamedAndPointedBackAtTheManifest() throws Exception {
        writeStore();
        Files.writeString(dir().resolve("CURRENT"), "MANIFEST-999999\n");
        assertDamaged("its CURRENT file names MANIFEST-999999, which does not exist");
        StoreRepair.Repaired r = assertRepaired("CURRENT", "MANIFEST-999999\n".getBytes());
        assertTrue(r.action().startsWith("CURRENT now names MANIFEST-"), r.action());
    }

    @Test
    void aGarbledOrMissingCurrentFileIsNamed() throws Exception {
        writeStore();
        Files.writeString(dir().resolve("CURRENT"), "garbage");
        assertDamaged("its CURRENT file does not name a MANIFEST (it holds \"garbage\")");
        Files.delete(dir().resolve("CURRENT"));
        assertDamaged("its CURRENT file (which names the live MANIFEST) is missing");
        assertRepaired("MANIFEST-000005", null);
    }

    @Test
    void aSoundStoreNeedsNoRepairAndGetsNoBackup() {
        writeStore();
        StoreRepair.Repaired r = StoreRepair.repair(dir());
        assertNull(r.backup());
        assertEquals(3, r.integrity().journalEntries());
        try (Stream<Path> s = Files.list(tmp)) {
            assertEquals(1, s.count(), "no backup folder");
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    private void assertDamaged(String what) {
        String found = StoreRepair.damage(dir()).orElseThrow();
        assertTrue(found.startsWith(what), found);
        DamagedStoreException e = assertThrows(DamagedStoreException.class, () -> MalStore.openExisting(dir()));
        assertEquals("store " + dir() + " is damaged: " + found, e.getMessage());
        assertThrows(DamagedStoreException.class, () -> MalStore.open(dir()), "open must not create anything over it");
    }

    /** Repairs, checks that the backup holds the damaged file as it was, and that every record is back. */
    private StoreRepair.Repaired assertRepaired(String damagedFile, byte[] damagedBytes) throws Exception {
        StoreRepair.Repaired r = StoreRepair.repair(dir());
        assertTrue(r.backup().getFileName().toString().startsWith("store.backup-") && r.backup().getParent().equals(tmp), r.backup().toString());
        if (damagedBytes != null) assertArrayEquals(damagedBytes, Files.readAllBytes(r.backup().resolve(damagedFile)));
        assertEquals(3, r.integrity().journalEntries());
        assertEquals(1, r.integrity().evaluations());
        try (MalStore store = MalStore.openExisting(dir())) {
            assertEquals(3, store.lastSequence());
            assertEquals("{\"event\":3}", store.readJournal(3).get(0).eventJson());
            assertEquals(Optional.of("{}"), store.meta("search.settings"));
            store.append("{\"event\":4}");
        }
        return r;
    }
}
