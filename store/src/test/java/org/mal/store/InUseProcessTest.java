package org.mal.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One writer at a time across processes: RocksDB's LOCK file, reported as {@link StoreInUseException}. */
class InUseProcessTest {
    @TempDir
    Path tmp;

    @Test
    void aStoreHeldByAnotherProcessIsInUseUntilThatProcessCloses() throws Exception {
        Path dir = tmp.resolve("store");
        Process holder = StoreChild.start(tmp.resolve("hold.err"), "hold", dir.toString());
        try (BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))) {
            assertEquals("open", out.readLine(), () -> stderr(tmp.resolve("hold.err")));
            StoreInUseException e = assertThrows(StoreInUseException.class, () -> MalStore.open(dir));
            assertTrue(e.getMessage().contains(dir.toString()) && e.getMessage().contains("is in use"), e.getMessage());
            assertThrows(StoreInUseException.class, () -> MalStore.openExisting(dir));
            holder.getOutputStream().close(); // ends the holder's stdin: it closes the store
            assertEquals("closed", out.readLine());
            assertTrue(holder.waitFor(30, TimeUnit.SECONDS));
            assertEquals(0, holder.exitValue());
        } finally {
            holder.destroyForcibly();
        }
        try (MalStore store = MalStore.openExisting(dir)) {
            assertEquals(0, store.lastSequence());
        }
    }

    @Test
    void anotherProcessOpeningAStoreHeldHereGetsTheInUseError() throws Exception {
        Path dir = tmp.resolve("store");
        try (MalStore store = MalStore.open(dir)) {
            store.append("{}");
            Process other = StoreChild.start(tmp.resolve("try.err"), "try-open", dir.toString());
            String line;
            try (BufferedReader out = new BufferedReader(new InputStreamReader(other.getInputStream(), StandardCharsets.UTF_8))) {
                line = out.readLine();
            }
            assertTrue(other.waitFor(30, TimeUnit.SECONDS));
            assertTrue(line != null && line.startsWith("StoreInUseException ") && line.contains("is in use"),
                    line + " / " + stderr(tmp.resolve("try.err")));
            assertEquals(2, store.append("{}"), "the holder is undisturbed");
        }
    }

    private static String stderr(Path p) {
        try {
            return Files.readString(p);
        } catch (Exception e) {
            return "(no stderr: " + e + ")";
        }
    }
}
