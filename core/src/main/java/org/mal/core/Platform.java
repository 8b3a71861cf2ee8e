package org.mal.core;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Properties;
import java.util.TreeMap;
import java.util.jar.JarFile;

/** The code version and the platform, as recorded in provenance. */
public final class Platform {
    private static final String VERSION = loadVersion();

    private Platform() {}

    /**
     * The MAL version, with the git commit when the build knew it (e.g. {@code 0.1.0-SNAPSHOT+3f2a1c9}).
     * A build from a working tree with uncommitted changes says {@code -dirty.} and a hash of the MAL
     * classes it runs (e.g. {@code 0.1.0-SNAPSHOT+3f2a1c9-dirty.5e0b7c21}), so two different
     * uncommitted states never share a version, in cache keys or provenance.
     */
    public static String codeVersion() { return VERSION; }

    /** JVM, OS, architecture, cores and the ND4J backend, in one line. */
    public static String describe() {
        return "Java " + System.getProperty("java.version") + " (" + System.getProperty("java.vendor") + "), "
                + System.getProperty("os.name") + " " + System.getProperty("os.arch") + ", "
                + Runtime.getRuntime().availableProcessors() + " cores, ND4J 1.0.0-M2.1 CPU backend";
    }

    private static String loadVersion() {
        Properties p = new Properties();
        try (InputStream in = Platform.class.getResourceAsStream("version.properties")) {
            if (in != null) p.load(in);
        } catch (IOException e) {
            // fall through to "unknown"
        }
        String version = p.getProperty("version", "unknown");
        String commit = p.getProperty("commit", "");
        if (commit.isBlank() || commit.startsWith("${")) return version;
        if (!"true".equals(p.getProperty("dirty"))) return version + "+" + commit;
        return version + "+" + commit + "-dirty." + classesHash(System.getProperty("java.class.path", ""));
    }

    /**
     * The first 8 hex digits of a SHA-256 over the MAL classes on {@code classPath} (jars named
     * {@code mal-*.jar} and class folders holding {@code org/mal}): each class's name and bytes, in
     * name order, so the same compiled code gives the same hash wherever its jars are copied.
     * {@code "unknown"} when none is found or one cannot be read.
     */
    static String classesHash(String classPath) {
        TreeMap<String, byte[]> classes = new TreeMap<>();
        try {
            for (String entry : classPath.split(File.pathSeparator)) {
                if (entry.isBlank()) continue;
                Path path = Path.of(entry);
                String name = path.getFileName() == null ? "" : path.getFileName().toString();
                if (name.startsWith("mal-") && name.endsWith(".jar") && Files.isRegularFile(path)) {
                    try (JarFile jar = new JarFile(path.toFile())) {
                        for (var e : Collections.list(jar.entries())) {
                            if (!e.getName().startsWith("org/mal/") || !e.getName().endsWith(".class")) continue;
                            try (InputStream in = jar.getInputStream(e)) { classes.put(e.getName(), in.readAllBytes()); }
                        }
                    }
                } else if (Files.isDirectory(path.resolve("org/mal"))) {
                    try (var files = Files.walk(path.resolve("org/mal"))) {
                        for (Path f : (Iterable<Path>) files.filter(f -> f.toString().endsWith(".class"))::iterator) {
                            classes.put(path.relativize(f).toString().replace(File.separatorChar, '/'), Files.readAllBytes(f));
                        }
                    }
                }
            }
            if (classes.isEmpty()) return "unknown";
            MessageDigest sha = Sha256.digest();
            for (var c : classes.entrySet()) {
                sha.update(c.getKey().getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
                sha.update(c.getValue());
            }
            return HexFormat.of().formatHex(sha.digest()).substring(0, 8);
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
