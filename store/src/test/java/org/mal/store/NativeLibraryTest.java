package org.mal.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** RocksDB's native library comes from one per-user folder; a killed JVM leaves no copy in the temporary folder. */
class NativeLibraryTest {
    @TempDir
    Path tmp;

    @Test
    void theFolderIsThePropertyElseTheXdgCacheElseTheHomeCache() {
        Properties p = new Properties();
        p.setProperty("user.home", "/home/u");
        Path home = NativeLibrary.folder(p, Map.of());
        assertTrue(home.startsWith(Path.of("/home/u/.cache/mal/rocksdbjni")), home.toString());
        assertTrue(home.getFileName().toString().startsWith("rocksdbjni-"), "named after the jar, so versions do not share a file: " + home);
        assertTrue(NativeLibrary.folder(p, Map.of("XDG_CACHE_HOME", "/x")).startsWith(Path.of("/x/mal/rocksdbjni")));
        p.setProperty("mal.native-cache", "/y");
        assertTrue(NativeLibrary.folder(p, Map.of("XDG_CACHE_HOME", "/x")).startsWith(Path.of("/y/rocksdbjni")));
    }

    @Test
    void theLibraryIsUnpackedOnceAndLoadedFromTheCache() throws Exception {
        Path dir = tmp.resolve("cache");
        Path file = NativeLibrary.unpack(dir);
        FileTime written = FileTime.from(Instant.parse("2020-01-01T00:00:00Z"));
        Files.setLastModifiedTime(file, written);
        assertEquals(file, NativeLibrary.unpack(dir));
        assertEquals(written, Files.getLastModifiedTime(file), "a second JVM reuses the file");
        try (MalStore store = MalStore.open(tmp.resolve("store"))) {
            assertEquals(NativeLibrary.folder(System.getProperties(), System.getenv()), NativeLibrary.loadedFile().getParent());
        }
    }

    @Test
    void staleTemporaryCopiesAreDeletedAndNothingElse() throws Exception {
        Instant now = Instant.parse("2026-12-01T12:00:00Z");
        Path old = touch("librocksdbjni123456789.so", now.minusSeconds(3600));
        Path fresh = touch("librocksdbjni987654321.so", now.minusSeconds(60));
        Path other = touch("librocksdbjni-linux64.so", now.minusSeconds(3600));
        Path unrelated = touch("libfoo123.so", now.minusSeconds(3600));
        assertEquals(1, NativeLibrary.deleteStaleCopies(tmp, now));
        assertTrue(Files.notExists(old));
        assertTrue(Files.exists(fresh) && Files.exists(other) && Files.exists(unrelated));
    }

    @Test
    void aKilledJvmLeavesNoCopyInTheTemporaryFolder() throws Exception {
        Path t = Files.createDirectories(tmp.resolve("t"));
        Path cache = tmp.resolve("cache");
        Process child = StoreChild.start(tmp.resolve("child.err"), List.of("-Djava.io.tmpdir=" + t, "-Dmal.native-cache=" + cache),
                "hold", tmp.resolve("store").toString());
        try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
            assertEquals("open", out.readLine(), () -> read(tmp.resolve("child.err")));
            child.destroyForcibly(); // SIGKILL: no shutdown hook, no deleteOnExit
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        }
        try (Stream<Path> s = Files.list(t)) {
            assertEquals(List.of(), s.filter(f -> f.getFileName().toString().startsWith("librocksdbjni")).toList());
        }
        try (Stream<Path> s = Files.walk(cache)) {
            assertEquals(1, s.filter(f -> f.getFileName().toString().endsWith(".so")).count(), "the library is in the cache");
        }
    }

    private Path touch(String name, Instant modified) throws Exception {
        Path f = Files.writeString(tmp.resolve(name), "x");
        Files.setLastModifiedTime(f, FileTime.from(modified));
        return f;
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (Exception e) {
            return "(no stderr: " + e + ")";
        }
    }
}
