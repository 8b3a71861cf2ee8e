package org.mal.core;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The code version and the platform, as recorded in provenance. */
public final class Platform {
    private static final String VERSION = loadVersion();

    private Platform() {}

    /** The MAL version, with the git commit when the build knew it (e.g. {@code 0.1.0-SNAPSHOT+3f2a1c9}). */
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
        return version + "+" + commit + ("true".equals(p.getProperty("dirty")) ? "-dirty" : "");
    }
}
