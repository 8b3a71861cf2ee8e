package org.mal.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.mal.store.MalStore;

class StoreCommandTest {
    @TempDir Path dir;

    @Test
    void aDamagedStoreIsCalledDamagedAndRepairedAfterABackup() throws Exception {
        Path store = dir.resolve("s").resolve("store");
        try (MalStore s = MalStore.open(store)) {
            s.append("{}");
        }
        Path manifest;
        try (Stream<Path> files = Files.list(store)) {
            manifest = files.filter(p -> p.getFileName().toString().startsWith("MANIFEST-")).findFirst().orElseThrow();
        }
        byte[] b = Files.readAllBytes(manifest);
        b[b.length / 2] ^= 0x40;
        Files.write(manifest, b);

        CliRun status = CliRun.of("search", "status", dir.resolve("s").toString());
        assertEquals(1, status.exitCode());
        assertTrue(status.err().startsWith("mal: store " + store + " is damaged: its " + manifest.getFileName()), status.err());
        assertTrue(status.err().contains("./mal store repair " + store) && !status.err().contains("not a MAL store"), status.err());
        assertEquals(1, status.err().lines().count(), status.err());

        CliRun verify = CliRun.of("store", "verify", dir.resolve("s").toString());
        assertEquals(1, verify.exitCode());
        assertTrue(verify.err().contains("is damaged"), verify.err());

        CliRun repair = CliRun.of("store", "repair", dir.resolve("s").toString());
        assertEquals(0, repair.exitCode(), repair.err());
        assertTrue(repair.out().contains("backup:  " + store.resolveSibling("store.backup-")), repair.out());
        assertTrue(repair.out().contains("is sound: 1 journal events"), repair.out());

        CliRun again = CliRun.of("store", "verify", store.toString());
        assertEquals(0, again.exitCode(), again.err());
        assertTrue(again.out().startsWith("store " + store + " is sound"), again.out());
    }
}
