package org.mal.core;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256, the one hash of content in MAL (weights, datasets, moves, code), without the checked exception. */
public final class Sha256 {
    private Sha256() {}

    /** A fresh digest. Every Java platform has SHA-256, so its absence is an error, not a case. */
    public static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is required of every Java platform", e);
        }
    }

    /** 64 lower-case hex digits of the SHA-256 of {@code bytes}. */
    public static String hex(byte[] bytes) { return HexFormat.of().formatHex(digest().digest(bytes)); }

    /** The same of a string's UTF-8 bytes. */
    public static String hex(String text) { return hex(text.getBytes(StandardCharsets.UTF_8)); }
}
