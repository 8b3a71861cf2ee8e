package org.mal.core;

import static org.junit.jupiter.api.Assertions.*;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlatformTest {
    @TempDir Path dir;

    private Path classes(String name, byte[] a, byte[] b) throws Exception {
        Path d = dir.resolve(name);
        Files.createDirectories(d.resolve("org/mal/x"));
        Files.write(d.resolve("org/mal/A.class"), a);
        Files.write(d.resolve("org/mal/x/B.class"), b);
        Files.writeString(d.resolve("org/mal/notes.txt"), "not a class: " + name);
        return d;
    }

    private Path jar(String name, byte[] a, byte[] b) throws Exception {
        Path j = dir.resolve(name);
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(j))) {
            // another order than the folder's walk: the hash sorts by name
            out.putNextEntry(new JarEntry("org/mal/x/B.class"));
            out.write(b);
            out.putNextEntry(new JarEntry("org/mal/A.class"));
            out.write(a);
            out.putNextEntry(new JarEntry("META-INF/MANIFEST.MF"));
            out.write(("built at " + name).getBytes());
        }
        return j;
    }

    @Test
    void theSameClassesHashTheSameWhereverTheyLieAndOtherClassesDiffer() throws Exception {
        byte[] a = {1, 2, 3}, b = {4, 5};
        String folder = Platform.classesHash(classes("one", a, b).toString());
        assertTrue(folder.matches("[0-9a-f]{8}"), folder);
        assertEquals(folder, Platform.classesHash(jar("mal-core-1.jar", a, b).toString()));
        assertEquals(folder, Platform.classesHash(classes("two", a, b) + File.pathSeparator + jar("other-lib.jar", new byte[] {9}, b)),
                "jars not named mal-*.jar are not MAL's");
        assertNotEquals(folder, Platform.classesHash(classes("three", a, new byte[] {4, 6}).toString()));
        assertEquals("unknown", Platform.classesHash(""));
        assertEquals("unknown", Platform.classesHash(dir.resolve("missing").toString()));
    }

    @Test
    void theVersionNamesTheCommitAndForADirtyTreeItsClasses() {
        String v = Platform.codeVersion();
        assertTrue(v.matches("[^+]+(\\+[0-9a-f]{7,}(-dirty\\.([0-9a-f]{8}|unknown))?)?"), v);
    }
}
